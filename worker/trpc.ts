import { initTRPC } from '@trpc/server';
import { transformer } from '../shared/index.ts';
import type { GatewayContext } from './context.ts';
import { gatewayCodeOfError, unreadableInput } from './errors.ts';
import { errorShape, type RowCounts, runCall } from './pipeline.ts';

const t = initTRPC.context<GatewayContext>().create({
  transformer,
  // On Workers process.env.NODE_ENV is usually unset, and tRPC would then treat the run as
  // development and send stacks. The gateway never does.
  isDev: false,
  errorFormatter({ shape, error }) {
    const { message, data } = errorShape(
      gatewayCodeOfError(error),
      shape.message,
      shape.data.code,
      shape.data.path,
    );
    return { code: shape.code, message, data };
  },
});

export const router = t.router;

/** D1's row counts in a procedure's result: a D1 result, or a list of them (`db.batch`). */
function rowCounts(data: unknown): RowCounts | undefined {
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
 * Every gateway procedure: its input as sent, then the one pipeline every call passes (pipeline.ts:
 * policy, fair share, the error as a `GatewayError`, the log line).
 */
export const procedure = t.procedure.use(({ ctx, path, getRawInput, next }) =>
  runCall(
    ctx,
    path,
    () =>
      getRawInput().catch((error: unknown) => {
        throw unreadableInput(error);
      }),
    async () => {
      const result = await next();
      if (!result.ok) throw result.error;
      return result;
    },
    (result) => rowCounts(result.ok ? result.data : undefined),
  ),
);
