import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';

/**
 * The gateway's error codes: the one list. Each names the tRPC code it travels as, the HTTP status
 * of a response that carries only that error, and whether the same call may be retried as it is.
 *
 * Clients branch on `error.data.gatewayCode`, never on messages.
 */
export const GATEWAY_ERRORS = {
  /** The input does not match the contract (a zod failure, malformed JSON). */
  BAD_INPUT: { trpc: 'BAD_REQUEST', http: 400, retryable: false },
  /** D1 rejected the SQL: syntax, no such table or column, a type error. */
  SQL_ERROR: { trpc: 'BAD_REQUEST', http: 400, retryable: false },
  /** A statement that writes was sent to a read-only procedure (`db.query`, `db.first`, `db.raw`). */
  READ_ONLY: { trpc: 'BAD_REQUEST', http: 400, retryable: false },
  /** A UNIQUE, FOREIGN KEY, NOT NULL or CHECK constraint failed. */
  CONSTRAINT: { trpc: 'CONFLICT', http: 409, retryable: false },
  /** No such procedure, or no such multipart upload. (A missing key or object is `null`, not an error.) */
  NOT_FOUND: { trpc: 'NOT_FOUND', http: 404, retryable: false },
  /** The gateway is called with a method other than POST. */
  METHOD_NOT_ALLOWED: { trpc: 'METHOD_NOT_SUPPORTED', http: 405, retryable: false },
  /** The request body is not of a content type the gateway reads. */
  UNSUPPORTED_MEDIA_TYPE: { trpc: 'UNSUPPORTED_MEDIA_TYPE', http: 415, retryable: false },
  /** A condition the caller set did not hold, where the binding treats that as a failure. */
  PRECONDITION_FAILED: { trpc: 'PRECONDITION_FAILED', http: 412, retryable: false },
  /**
   * An R2 range that the object does not hold (it starts past the end: R2's InvalidRange, 416 in its
   * S3 API). It depends on the object's size, not on the input's form; `r2.head` gives the size.
   */
  RANGE_NOT_SATISFIABLE: { trpc: 'BAD_REQUEST', http: 400, retryable: false },
  /** A platform or gateway limit (see `limits.ts`) would be exceeded. */
  LIMIT_EXCEEDED: { trpc: 'PAYLOAD_TOO_LARGE', http: 413, retryable: false },
  /** KV allows one write per second per key. */
  RATE_LIMITED: { trpc: 'TOO_MANY_REQUESTS', http: 429, retryable: true },
  /** A transient failure of the storage behind a binding (D1 reset, connection lost). */
  UNAVAILABLE: { trpc: 'SERVICE_UNAVAILABLE', http: 503, retryable: true },
  /** The storage is overloaded; retrying adds to the load, so it is not retryable. */
  OVERLOADED: { trpc: 'SERVICE_UNAVAILABLE', http: 503, retryable: false },
  /** The operation ran past its time limit (D1's 30 s); it may have had effects. */
  TIMEOUT: { trpc: 'TIMEOUT', http: 408, retryable: false },
  /** The caller has no identity the gateway accepts. */
  UNAUTHORIZED: { trpc: 'UNAUTHORIZED', http: 401, retryable: false },
  /** The caller is known but may not make this call. */
  FORBIDDEN: { trpc: 'FORBIDDEN', http: 403, retryable: false },
  /**
   * An idempotency key was used again for a different call (another procedure, or other input).
   * Nothing ran. A new write needs a new key.
   */
  IDEMPOTENCY_MISMATCH: { trpc: 'UNPROCESSABLE_CONTENT', http: 422, retryable: false },
  /**
   * The write with this idempotency key has committed, and its result is still being recorded (a
   * moment after the first answer). Retry shortly: the repeat then gets the first call's result.
   */
  RESULT_PENDING: { trpc: 'CONFLICT', http: 409, retryable: true },
  /**
   * The write with this idempotency key committed earlier, but its result was not kept (too large to
   * keep, or the gateway failed after the commit). It will not run again: read back what you need.
   */
  ALREADY_APPLIED: { trpc: 'CONFLICT', http: 409, retryable: false },
  /** The client was built against another version of the contract than the gateway serves. */
  VERSION_MISMATCH: { trpc: 'PRECONDITION_FAILED', http: 412, retryable: false },
  /** The client gave up on the call: its deadline passed or its signal aborted. Never sent by the gateway. */
  CANCELLED: { trpc: 'CLIENT_CLOSED_REQUEST', http: 499, retryable: false },
  /** Anything else. The message is generic: no stack, no secret, no internal detail. */
  INTERNAL: { trpc: 'INTERNAL_SERVER_ERROR', http: 500, retryable: false },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; http: number; retryable: boolean }>;

export type GatewayCode = keyof typeof GATEWAY_ERRORS;

export const GATEWAY_CODES = Object.keys(GATEWAY_ERRORS) as GatewayCode[];

/**
 * The gateway code for an error tRPC raised itself (before or around a procedure), exhaustively.
 * Errors the gateway raises carry their own code and do not go through this table.
 */
export const GATEWAY_CODE_OF_TRPC_CODE: Record<TRPC_ERROR_CODE_KEY, GatewayCode> = {
  PARSE_ERROR: 'BAD_INPUT',
  BAD_REQUEST: 'BAD_INPUT',
  UNPROCESSABLE_CONTENT: 'BAD_INPUT',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PAYMENT_REQUIRED: 'FORBIDDEN',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  TIMEOUT: 'TIMEOUT',
  CONFLICT: 'CONSTRAINT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  PRECONDITION_REQUIRED: 'PRECONDITION_FAILED',
  PAYLOAD_TOO_LARGE: 'LIMIT_EXCEEDED',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  CLIENT_CLOSED_REQUEST: 'CANCELLED',
  INTERNAL_SERVER_ERROR: 'INTERNAL',
  NOT_IMPLEMENTED: 'NOT_FOUND',
  BAD_GATEWAY: 'UNAVAILABLE',
  SERVICE_UNAVAILABLE: 'UNAVAILABLE',
  GATEWAY_TIMEOUT: 'UNAVAILABLE',
};

/** What the gateway adds to every tRPC error's `data`. */
export interface GatewayErrorData {
  gatewayCode: GatewayCode;
  retryable: boolean;
  httpStatus: number;
}

export function isGatewayCode(value: unknown): value is GatewayCode {
  return typeof value === 'string' && Object.hasOwn(GATEWAY_ERRORS, value);
}
