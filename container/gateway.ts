import { createGatewayClient, type GatewayClient } from '../shared/client.ts';
import { DEFAULT_GATEWAY_URL } from '../shared/transport.ts';

/**
 * The container's one gateway client, configured from the environment:
 * `GATEWAY_URL` (default `http://gateway.internal/trpc`, intercepted by the Worker) and, for the
 * local session only, `GATEWAY_TOKEN`.
 */
export function gatewayFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayClient {
  return createGatewayClient({
    url: env.GATEWAY_URL || DEFAULT_GATEWAY_URL,
    token: env.GATEWAY_TOKEN || undefined,
  });
}
