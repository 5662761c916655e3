import { TRPCClientError } from '@trpc/client';
import { gatewayCodeOf } from '../client.ts';
import { GATEWAY_ERRORS, type GatewayCode } from '../errors.ts';

/**
 * What a binding-shaped client throws: an `Error` like the binding's (D1's own message for SQL and
 * constraint errors, e.g. "D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT"),
 * carrying the gateway code. The tRPC error is its `cause`.
 */
export class GatewayBindingError extends Error {
  readonly gatewayCode: GatewayCode;
  readonly retryable: boolean;

  constructor(message: string, gatewayCode: GatewayCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayBindingError';
    this.gatewayCode = gatewayCode;
    this.retryable = GATEWAY_ERRORS[gatewayCode].retryable;
  }
}

/** Awaits a gateway call, turning its failure into a `GatewayBindingError`. */
export async function viaGateway<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      throw new GatewayBindingError(error.message, gatewayCodeOf(error), { cause: error });
    }
    throw error;
  }
}
