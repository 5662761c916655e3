import { DEV_CALLER_HEADER, DEV_GATEWAY_PATH, DEV_TOKEN_MIN_LENGTH } from '../shared/transport.ts';
import type { Caller } from './caller.ts';
import type { WorkerEnv } from './env.ts';
import { GatewayError } from './errors.ts';
import { handleGatewayRequest } from './gateway.ts';
import { policyFor } from './policy.ts';

const NOT_FOUND = () => new Response('Not found', { status: 404 });

/**
 * Compares a presented token with the secret in time that depends on the secret's length only, not
 * on where they differ: every code unit of the secret is compared, whatever the presented length.
 * Plain JavaScript, rather than encoding both strings and calling `crypto.subtle.timingSafeEqual` on
 * every call (docs/performance.md).
 */
function sameSecret(presented: string, secret: string): boolean {
  let differs = presented.length ^ secret.length;
  // charCodeAt past the end is NaN, which `^` reads as 0: a short token still differs by its length.
  for (let i = 0; i < secret.length; i++) differs |= presented.charCodeAt(i) ^ secret.charCodeAt(i);
  return differs === 0;
}

/**
 * `/__gateway/trpc`: the gateway for the local session's container process, which has no outbound
 * interception without Docker. It exists only while `GATEWAY_DEV_TOKEN` is set; without it the
 * path is a 404 like any other.
 */
export async function serveDevGateway(
  request: Request,
  env: WorkerEnv,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
): Promise<Response> {
  const token = env.GATEWAY_DEV_TOKEN;
  if (!token) return NOT_FOUND();
  if (token.length < DEV_TOKEN_MIN_LENGTH) {
    console.error(
      `GATEWAY_DEV_TOKEN is shorter than ${DEV_TOKEN_MIN_LENGTH} characters: the dev gateway is off`,
    );
    return new Response(`GATEWAY_DEV_TOKEN must be at least ${DEV_TOKEN_MIN_LENGTH} characters`, {
      status: 500,
    });
  }
  const presented = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
  const options = {
    endpoint: DEV_GATEWAY_PATH,
    waitUntil: (promise: Promise<unknown>) => ctx.waitUntil(promise),
  };
  if (!sameSecret(presented, token)) {
    // Refused in the gateway's own error shape (every call of a batch), so clients read UNAUTHORIZED
    // as they read any other code, and do not take it for a network failure to retry.
    const refused = await handleGatewayRequest(request, env, UNAUTHENTICATED, {
      ...options,
      refusal: new GatewayError('UNAUTHORIZED', 'missing or wrong bearer token'),
    });
    refused.headers.set('www-authenticate', 'Bearer');
    return refused;
  }
  const caller = devCallerOf(request);
  if (!caller) {
    return handleGatewayRequest(request, env, UNAUTHENTICATED, {
      ...options,
      refusal: new GatewayError(
        'BAD_INPUT',
        `${DEV_CALLER_HEADER} must be 1 to 64 letters, digits, "-" or "_"`,
      ),
    });
  }
  return handleGatewayRequest(request, env, caller, { ...options, policy: policyFor(env) });
}

/** The caller a refused request is logged as. */
const UNAUTHENTICATED: Caller = { transport: 'dev', id: 'unauthenticated' };

// A name that cannot step out of a key prefix built from it ("/", ".") nor break a log line.
const DEV_CALLER_ID = /^[\w-]{1,64}$/;

/**
 * Who is calling the token route: the caller the token holder names in `x-gateway-dev-caller` (each
 * local container process names its instance, `instance-0` …), or the local session as a whole.
 * The token is the gate; the name is a label its holder chooses, which is safe because only the
 * developer's own processes hold the token and the route exists only in the local session. Deployed,
 * a caller cannot choose its identity: it is the platform's `containerId`.
 */
function devCallerOf(request: Request): Caller | undefined {
  const named = request.headers.get(DEV_CALLER_HEADER);
  if (named === null) return { transport: 'dev', id: 'local-session' };
  return DEV_CALLER_ID.test(named) ? { transport: 'dev', id: named } : undefined;
}

/** Whether a path is the dev gateway's. */
export function isDevGatewayPath(pathname: string): boolean {
  return pathname === DEV_GATEWAY_PATH || pathname.startsWith(`${DEV_GATEWAY_PATH}/`);
}

/** `/api/*` to the local session's container process, at `CONTAINER_DEV_URL`. */
export function forwardToDevContainer(request: Request, containerUrl: string): Promise<Response> {
  const url = new URL(request.url);
  return fetch(new Request(new URL(url.pathname + url.search, containerUrl), request));
}
