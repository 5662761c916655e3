import { TRPCClientError } from '@trpc/client';
import { gatewayCodeOf } from '../client.ts';
import { GATEWAY_ERRORS, type GatewayCode } from '../errors.ts';

/** The classes a binding throws: `Error` for most failures, `TypeError` or `RangeError` for bad arguments. */
export type BindingErrorClass = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

const made = new WeakSet<object>();

/**
 * What a binding-shaped client throws: the binding's own error, an `Error` (or `TypeError`,
 * `RangeError`) with the binding's message (e.g. "D1_ERROR: UNIQUE constraint failed: users.email:
 * SQLITE_CONSTRAINT"), so that `toThrow(new Error(message))`, `toEqual` and `error.name` see what they
 * see on the binding. The gateway's code and whether a retry may help ride along as non-enumerable
 * properties, `gatewayCode` and `retryable`; `instanceof GatewayBindingError` tells such errors apart.
 * The tRPC error, where there is one, is the `cause`.
 *
 * @example
 * try { await env.DB.prepare(sql).run(); }
 * catch (error) { if (error instanceof GatewayBindingError && error.retryable) retry(); }
 */
export class GatewayBindingError {
  declare readonly name: string;
  declare readonly message: string;
  declare readonly stack?: string;
  declare readonly cause?: unknown;
  declare readonly gatewayCode: GatewayCode;
  declare readonly retryable: boolean;

  constructor(
    message: string,
    gatewayCode: GatewayCode,
    options: { cause?: unknown; type?: BindingErrorClass | undefined } = {},
  ) {
    const { type: ErrorClass = Error, cause } = options;
    const error = cause === undefined ? new ErrorClass(message) : new ErrorClass(message, { cause });
    Object.defineProperties(error, {
      gatewayCode: { value: gatewayCode },
      retryable: { value: GATEWAY_ERRORS[gatewayCode].retryable },
    });
    made.add(error);
    // biome-ignore lint/correctness/noConstructorReturn: the error is the binding's class, branded.
    return error as unknown as GatewayBindingError;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && made.has(value);
  }
}

/** The class of a binding's error the gateway reports by name (`data.bindingError`). */
export function bindingErrorClass(name: unknown): BindingErrorClass {
  if (name === 'TypeError') return TypeError;
  if (name === 'RangeError') return RangeError;
  return Error;
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
