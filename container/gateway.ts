import { createGatewayClient, type GatewayClient } from '../shared/client.ts';
import { createGatewayEnv, type GatewayEnv } from '../shared/env/index.ts';
import { nodeFetch } from '../shared/node-fetch.ts';
import { DEFAULT_GATEWAY_URL, DEV_CALLER_HEADER } from '../shared/transport.ts';
import { currentRequestId } from './request-id.ts';

/**
 * The clients' own fetch (`nodeFetch`), naming this process as a caller of its own on the local
 * session's token route (`GATEWAY_DEV_CALLER`, set per process by the local session). Deployed, the
 * variable is unset: the gateway knows each instance by its `containerId`, which no header can change.
 */
export function devCallerFetch(caller: string | undefined): typeof fetch | undefined {
  if (!caller) return undefined;
  const send = nodeFetch ?? globalThis.fetch;
  return (input, init) => {
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    for (const [name, value] of new Headers(init?.headers)) headers.set(name, value);
    headers.set(DEV_CALLER_HEADER, caller);
    return send(input, { ...init, headers });
  };
}

/** The gateway URL the container calls: `GATEWAY_URL`, or `http://gateway.internal/trpc`. */
export function gatewayUrlFromProcess(env: NodeJS.ProcessEnv = process.env): string {
  return env.GATEWAY_URL || DEFAULT_GATEWAY_URL;
}

/**
 * The container's view of the Worker's bindings, configured from the environment: `GATEWAY_URL`
 * (default `http://gateway.internal/trpc`, intercepted by the Worker) and, for the local session only,
 * `GATEWAY_TOKEN` and `GATEWAY_DEV_CALLER`. `env.DB`, `env.KV`, `env.BUCKET` work like the Worker's own.
 */
export function gatewayEnvFromProcess(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return createGatewayEnv({
    url: gatewayUrlFromProcess(env),
    token: env.GATEWAY_TOKEN || undefined,
    fetch: devCallerFetch(env.GATEWAY_DEV_CALLER),
    requestId: currentRequestId,
  });
}

/** The typed procedures themselves (`gateway.db.query.query(...)`), from the same environment. */
export function gatewayClientFromProcess(env: NodeJS.ProcessEnv = process.env): GatewayClient {
  return createGatewayClient({
    url: gatewayUrlFromProcess(env),
    token: env.GATEWAY_TOKEN || undefined,
    fetch: devCallerFetch(env.GATEWAY_DEV_CALLER),
    requestId: currentRequestId,
  });
}
