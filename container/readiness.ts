import { TRPCClientError } from '@trpc/client';
import type { MiddlewareHandler } from 'hono';
import { isGatewayCode } from '../shared/errors.ts';
import { DEFAULT_GATEWAY_URL } from '../shared/transport.ts';

/** How long the self-test waits for `gateway.info`: a gateway that is not there may never answer. */
export const GATEWAY_CHECK_TIMEOUT_MS = 5_000;

/** What the self-test found: a gateway answered (whatever it answered), or none did, and why. */
export type GatewayStatus = { ok: true } | { ok: false; reason: string };

export interface GatewayCheckOptions {
  /** Calls `gateway.info` through the container's own client, giving up when `signal` aborts. */
  probe: (signal: AbortSignal) => Promise<unknown>;
  /** The gateway URL the client calls, for the reason. */
  url: string;
  timeoutMs?: number;
  log?: (line: string) => void;
}

// Where interception is known to fail silently on the platform; the local session's own causes else.
const PLATFORM_CAUSES =
  'placement.region is set in wrangler.toml (outbound interception then stops: cloudflare/containers#226); ' +
  'a catch-all outbound handler shadows the one for gateway.internal (cloudflare/sandbox-sdk#720); ' +
  'the Worker does not export Gateway (CONTAINER_MOUNT "durable-object") or ContainerProxy ("container-class")';
const LOCAL_CAUSES = 'the Worker is not running at that URL (npm start starts it first)';

function reasonFor(url: string, error: unknown): string {
  const causes = url === DEFAULT_GATEWAY_URL ? PLATFORM_CAUSES : LOCAL_CAUSES;
  const why =
    error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error);
  return `no gateway answered gateway.info at ${url} (${why}). Likely causes: ${causes}`;
}

/** Whether the gateway itself answered, if with an error (a code of its own): it is there. */
function gatewayAnswered(error: unknown): boolean {
  return error instanceof TRPCClientError && isGatewayCode(error.data?.gatewayCode);
}

/**
 * The container's readiness self-test: `gateway.info` at start. If no gateway answers (the
 * interception is not there), the container logs one line naming the likely causes, and `/api/*`
 * answers a JSON 503 with that reason instead of waiting on calls that cannot be answered. While it
 * is failing, each request runs the test again (one at a time, shared by the requests that arrive
 * meanwhile): the API serves as soon as a gateway answers.
 *
 * @example
 * const check = gatewayCheck({ url, probe: (signal) => client.gateway.info.query(undefined, { signal }) });
 * app.use('/api/*', requireGateway(check));
 */
export function gatewayCheck({
  probe,
  url,
  timeoutMs = GATEWAY_CHECK_TIMEOUT_MS,
  log = console.error,
}: GatewayCheckOptions): { status(): Promise<GatewayStatus> } {
  let last: GatewayStatus | undefined;
  let running: Promise<GatewayStatus> | undefined;
  const run = (): Promise<GatewayStatus> => {
    running ??= probe(AbortSignal.timeout(timeoutMs))
      .then(
        (): GatewayStatus => ({ ok: true }),
        (error: unknown): GatewayStatus =>
          gatewayAnswered(error) ? { ok: true } : { ok: false, reason: reasonFor(url, error) },
      )
      .then((status) => {
        // One line when the gateway goes missing, not one per try while it stays so.
        if (!status.ok && last?.ok !== false)
          log(JSON.stringify({ event: 'gateway_unreachable', reason: status.reason }));
        if (status.ok && last?.ok === false) log(JSON.stringify({ event: 'gateway_reachable', url }));
        last = status;
        running = undefined;
        return status;
      });
    return running;
  };
  void run();
  return {
    status() {
      // A failure is looked at again by the next request (one probe for all that arrive meanwhile):
      // a gateway that was only slow, or came later, serves it; one that is missing costs it at
      // most one probe's timeout, never a call's deadline.
      return last?.ok ? Promise.resolve(last) : run();
    },
  };
}

/** `/api/*` middleware: a JSON 503 with the self-test's reason while no gateway answers. */
export function requireGateway(check: { status(): Promise<GatewayStatus> }): MiddlewareHandler {
  return async (c, next) => {
    const status = await check.status();
    if (!status.ok)
      return c.json({ error: 'the storage gateway is not reachable', reason: status.reason }, 503);
    return next();
  };
}
