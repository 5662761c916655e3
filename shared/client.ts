import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../worker/router.ts';
import { GATEWAY_ERRORS, type GatewayCode, isGatewayCode } from './errors.ts';
import { GATEWAY_MAX_BATCH_SIZE } from './limits.ts';
import { transformer } from './transformer.ts';

export interface GatewayClientOptions {
  /** The gateway's tRPC endpoint, e.g. `http://gateway.internal/trpc`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`; only the local session's route needs one. */
  token?: string | undefined;
  /** The fetch to use; the global one by default. */
  fetch?: typeof globalThis.fetch | undefined;
}

export type GatewayClient = TRPCClient<AppRouter>;

/**
 * The typed gateway client. Calls made in the same tick share one HTTP request (at most
 * `GATEWAY_MAX_BATCH_SIZE` calls each); every call is a POST, since SQL may be longer than a URL.
 *
 * @example
 * const gateway = createGatewayClient({ url: 'http://gateway.internal/trpc' });
 * const { results } = await gateway.db.query.query({ sql: 'SELECT * FROM users WHERE id = ?', params: [1] });
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: options.url,
        transformer,
        methodOverride: 'POST',
        maxItems: GATEWAY_MAX_BATCH_SIZE,
        headers,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

/** The gateway code of an error a gateway call threw; `UNAVAILABLE` when no gateway answered. */
export function gatewayCodeOf(error: unknown): GatewayCode {
  if (error instanceof TRPCClientError) {
    const code: unknown = error.data?.gatewayCode;
    return isGatewayCode(code) ? code : 'UNAVAILABLE';
  }
  return 'INTERNAL';
}

/** Whether the same call may be sent again as it is. */
export function isRetryable(error: unknown): boolean {
  return GATEWAY_ERRORS[gatewayCodeOf(error)].retryable;
}
