/**
 * One call's way through the gateway, whichever kind of call it is (a tRPC procedure, trpc.ts, or a
 * stream call, streams.ts): the policy, the caller's fair share, the call itself; whatever it fails
 * with leaves as a `GatewayError`; an internal failure is logged once, with its cause; and one
 * record per call in the log (call-log.ts), with no input in it. Then one error envelope for both
 * kinds of answer.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { GATEWAY_ERRORS, type GatewayCode, type GatewayErrorData } from '../shared/index.ts';
import { logCall } from './call-log.ts';
import type { GatewayContext } from './context.ts';
import { asGatewayError, fromZodError, GatewayError, INTERNAL_MESSAGE, toGatewayError } from './errors.ts';
import { withinFairShare } from './fair-share.ts';
import { isSettingsRefusal } from './settings.ts';

/** What a call needs of its request's context. */
export type CallContext = Pick<
  GatewayContext,
  'env' | 'caller' | 'policy' | 'log' | 'after' | 'requestId' | 'signal'
> & { resHeaders?: Headers | undefined };

/** D1's row counts in a call's result, for its log line. */
export interface RowCounts {
  rowsRead: number;
  rowsWritten: number;
}

/** Whatever a call failed with, as the gateway's error: a zod failure, tRPC's, a binding's, a bug's. */
export function gatewayErrorOf(caught: unknown): GatewayError {
  if (caught instanceof z.ZodError) return fromZodError(caught);
  if (caught instanceof TRPCError) return toGatewayError(caught);
  return asGatewayError(caught);
}

// An error is logged once, whichever of the pipeline and tRPC's onError sees it first.
const loggedInternal = new WeakSet<object>();

/** The one line for an internal failure: its cause goes to the log, never to the caller. */
export function logInternalError(
  ctx: Pick<CallContext, 'caller' | 'requestId'>,
  path: string | undefined,
  error: GatewayError,
): void {
  // Invalid settings are logged as such, once (settings.ts), not as a failure of each call.
  if (error.gatewayCode !== 'INTERNAL' || isSettingsRefusal(error) || loggedInternal.has(error)) return;
  loggedInternal.add(error);
  console.error(
    JSON.stringify({
      event: 'gateway.internal_error',
      requestId: ctx.requestId,
      path,
      caller: ctx.caller.id,
      cause: String(error.cause ?? error),
    }),
  );
}

/**
 * Runs one call: the policy on its input as sent, then the call within the caller's fair share.
 * Resolves with its result or rejects with a `GatewayError`; logs the call's line either way.
 */
export async function runCall<T>(
  ctx: CallContext,
  path: string,
  input: () => Promise<unknown>,
  call: () => Promise<T>,
  countsOf: (result: T) => RowCounts | undefined = () => undefined,
): Promise<T> {
  const started = Date.now();
  let code: GatewayCode | 'OK' = 'OK';
  let counts: RowCounts | undefined;
  try {
    const verdict = ctx.policy({ caller: ctx.caller, path, input: await input() });
    if (verdict !== true) throw new GatewayError('FORBIDDEN', verdict);
    const result = await withinFairShare(ctx, call);
    counts = countsOf(result);
    return result;
  } catch (caught) {
    const error = gatewayErrorOf(caught);
    code = error.gatewayCode;
    logInternalError(ctx, path, error);
    throw error;
  } finally {
    logCall(ctx, { path, started, code, ...counts });
  }
}

/** What a failed call answers, in tRPC's error shape for both kinds of call: one reader reads both. */
export function errorShape(
  gatewayCode: GatewayCode,
  message: string,
  trpcCode: TRPCError['code'],
  path: string | undefined,
): { message: string; data: GatewayErrorData & { code: TRPCError['code']; path?: string } } {
  const { http, retryable } = GATEWAY_ERRORS[gatewayCode];
  return {
    // The cause of an internal failure is in the log (logInternalError), never in the answer.
    message: gatewayCode === 'INTERNAL' ? INTERNAL_MESSAGE : message,
    data: {
      code: trpcCode,
      httpStatus: http,
      gatewayCode,
      retryable,
      ...(path === undefined ? {} : { path }),
    },
  };
}
