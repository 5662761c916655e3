import { createGatewayClient, type GatewayClient } from '../shared/client.ts';
import { createGatewayEnv, type GatewayEnv } from '../shared/env/index.ts';
import { DEFAULT_GATEWAY_URL } from '../shared/transport.ts';
import { currentRequestId } from './request-id.ts';

/**
 * The container's view of the Worker's bindings, configured from the environment: `GATEWAY_URL`
 * (default `http://gateway.internal/trpc`, intercepted by the Worker) and, for the local session only,
 * `GATEWAY_TOKEN`. `env.DB`, `env.KV`, `env.BUCKET` work like the Worker's own.
 */
export function gatewayEnvFromProcess(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return createGatewayEnv({
    url: env.GATEWAY_URL || DEFAULT_GATEWAY_URL,
    token: env.GATEWAY_TOKEN || undefined,
    requestId: currentRequestId,
  });
}

/** The typed procedures themselves (`gateway.db.query.query(...)`), from the same environment. */
export function gatewayClientFromProcess(env: NodeJS.ProcessEnv = process.env): GatewayClient {
  return createGatewayClient({
    url: env.GATEWAY_URL || DEFAULT_GATEWAY_URL,
    token: env.GATEWAY_TOKEN || undefined,
    requestId: currentRequestId,
  });
}
