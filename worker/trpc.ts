import { initTRPC } from '@trpc/server';
import { GATEWAY_ERRORS, type GatewayCode, type GatewayErrorData, transformer } from '../shared/index.ts';
import { logCall } from './call-log.ts';
import type { GatewayContext } from './context.ts';
import {
  GatewayError,
  gatewayCodeOfError,
  INTERNAL_MESSAGE,
  toGatewayError,
  unreadableInput,
} from './errors.ts';
import { withinFairShare } from './fair-share.ts';

const t = initTRPC.context<GatewayContext>().create({
  transformer,
  // On Workers process.env.NODE_ENV is usually unset, and tRPC would then treat the run as
  // development and send stacks. The gateway never does.
  isDev: false,
  errorFormatter({ shape, error }) {
    const gatewayCode = gatewayCodeOfError(error);
    const { http, retryable } = GATEWAY_ERRORS[gatewayCode];
    const data: GatewayErrorData & { code: typeof shape.data.code; path?: string } = {
      code: shape.data.code,
      httpStatus: http,
      gatewayCode,
      retryable,
      ...(shape.data.path === undefined ? {} : { path: shape.data.path }),
    };
    return {
      code: shape.code,
      message: gatewayCode === 'INTERNAL' ? INTERNAL_MESSAGE : shape.message,
      data,
    };
  },
});

export const router = t.router;

/** D1's row counts in a procedure's result: a D1 result, or a list of them (`db.batch`). */
function rowCounts(data: unknown): { rowsRead: number; rowsWritten: number } | undefined {
  const metas = (Array.isArray(data) ? data : [data])
    .map((item) =>
      typeof item === 'object' && item !== null ? (item as { meta?: unknown }).meta : undefined,
    )
    .filter(
      (meta): meta is { rows_read: number; rows_written: number } =>
        typeof meta === 'object' && meta !== null,
    );
  if (metas.length === 0) return undefined;
  return {
    rowsRead: metas.reduce((sum, meta) => sum + (meta.rows_read ?? 0), 0),
    rowsWritten: metas.reduce((sum, meta) => sum + (meta.rows_written ?? 0), 0),
  };
}

/**
 * Every gateway procedure. Before it runs: the policy. After: whatever it failed with (a zod input
 * failure, a binding's error, a bug) leaves as a `GatewayError` with a code, converted here in one
 * place; and one structured log line per call, with no input in it (inputs hold data and SQL).
 */
const checkedAndLogged = t.procedure.use(async ({ ctx, path, getRawInput, next }) => {
  const started = Date.now();
  let code: GatewayCode | 'OK' = 'OK';
  let counts: ReturnType<typeof rowCounts>;
  try {
    const input = await getRawInput().catch((error: unknown) => {
      throw unreadableInput(error);
    });
    const verdict = ctx.policy({ caller: ctx.caller, path, input });
    if (verdict !== true) throw new GatewayError('FORBIDDEN', verdict);
    const result = await next();
    if (!result.ok) throw toGatewayError(result.error);
    counts = rowCounts(result.data);
    return result;
  } catch (error) {
    code = error instanceof GatewayError ? error.gatewayCode : 'INTERNAL';
    throw error;
  } finally {
    logCall(ctx, { path, started, code, ...counts });
  }
});

/** Every gateway procedure: the above, then the caller's fair share of calls (fair-share.ts). */
export const procedure = checkedAndLogged.use(({ ctx, next }) => withinFairShare(ctx, next));
