import { createTRPCClient, retryLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import { GATEWAY_ERRORS, type GatewayCode, isGatewayCode } from './errors.ts';
import { GATEWAY_MAX_BATCH_SIZE } from './limits.ts';
import { deadlineLink } from './links/deadline.ts';
import { idempotencyLink, mayRetryWrite } from './links/idempotency.ts';
import { tickBatchLink } from './links/tick-batch.ts';
import { nodeFetch } from './node-fetch.ts';
import type { AppRouter } from './router-type.ts';
import { transformer } from './transformer.ts';
import { CONTRACT_HEADER, REQUEST_ID_HEADER } from './transport.ts';
import { CONTRACT_VERSION } from './version.ts';

export interface GatewayClientOptions {
  /** The gateway's tRPC endpoint, e.g. `http://gateway.internal/trpc`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`; only the local session's route needs one. */
  token?: string | undefined;
  /** The fetch to use; by default a keep-alive `node:http` one in Node (see node-fetch.ts), else the global one. */
  fetch?: typeof globalThis.fetch | undefined;
  /** How long a call may take, retries included (per call: `{ context: { deadlineMs } }`). 35 s by default. */
  deadlineMs?: number | undefined;
  /** Retries of a call that failed with a retryable code: reads, keyed D1 writes, idempotent KV/R2 writes. 3 by default. */
  retries?: number | undefined;
  /** The id to send as `x-request-id` (e.g. the id of the request being served); a new one otherwise. */
  requestId?: (() => string | undefined) | undefined;
}

export type GatewayClient = TRPCClient<AppRouter>;

// D1 gives a query 30 s; a little more lets the gateway's own answer arrive.
const DEFAULT_DEADLINE_MS = 35_000;
const DEFAULT_RETRIES = 3;
const BACKOFF_BASE_MS = 50;
const BACKOFF_MAX_MS = 2_000;

/** Exponential backoff with full jitter: a random wait up to base × 2^(attempt−1), capped. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
}

/**
 * The typed gateway client. Calls made in the same tick share one HTTP request (at most
 * `GATEWAY_MAX_BATCH_SIZE` calls each); every call is a POST, since SQL may be longer than a URL.
 * Each call has a deadline; calls that fail with a retryable code are retried with backoff; every
 * D1 write carries an idempotency key, so a retried write runs once (docs/exactly-once.md).
 *
 * @example
 * const gateway = createGatewayClient({ url: 'http://gateway.internal/trpc' });
 * const { results } = await gateway.db.query.query({ sql: 'SELECT * FROM users WHERE id = ?', params: [1] });
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const retries = options.retries ?? DEFAULT_RETRIES;
  return createTRPCClient<AppRouter>({
    links: [
      idempotencyLink(),
      deadlineLink(options.deadlineMs ?? DEFAULT_DEADLINE_MS),
      retryLink({
        // A D1 write is retried only with its idempotency key (the link above gives every one a
        // key, unless the caller passed `idempotencyKey: undefined`), or it could run twice; KV and
        // R2 writes that are idempotent by nature are retried as they are.
        retry: ({ op, error, attempts }) =>
          attempts <= retries &&
          isRetryable(error) &&
          (op.type === 'query' || mayRetryWrite(op.path, op.input)),
        retryDelayMs: backoff,
      }),
      // tRPC's httpBatchLink, without its 1 ms wait: the same requests, sent at the end of the tick.
      tickBatchLink({
        url: options.url,
        transformer,
        maxItems: GATEWAY_MAX_BATCH_SIZE,
        headers: () => ({
          [CONTRACT_HEADER]: CONTRACT_VERSION,
          [REQUEST_ID_HEADER]: options.requestId?.() ?? crypto.randomUUID(),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        }),
        fetch: options.fetch ?? nodeFetch,
      }),
    ],
  });
}

/**
 * The gateway code of an error a gateway call threw: the gateway's own; `CANCELLED` for a deadline or
 * an abort; `UNAVAILABLE` when no gateway answered (a network failure).
 */
export function gatewayCodeOf(error: unknown): GatewayCode {
  if (error instanceof TRPCClientError) {
    const code: unknown = error.data?.gatewayCode;
    if (isGatewayCode(code)) return code;
    const name = error.cause instanceof Error ? error.cause.name : undefined;
    return name === 'AbortError' || name === 'TimeoutError' ? 'CANCELLED' : 'UNAVAILABLE';
  }
  return 'INTERNAL';
}

/** Whether the same call may be sent again as it is. */
export function isRetryable(error: unknown): boolean {
  return GATEWAY_ERRORS[gatewayCodeOf(error)].retryable;
}
