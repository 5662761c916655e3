import type { GatewayCode } from '../shared/index.ts';
import type { GatewayContext } from './context.ts';

/**
 * The one structured log line per call: procedure, caller, duration, outcome and D1's row counts.
 * Never the input: it holds data and SQL.
 */
export function logCall(
  ctx: Pick<GatewayContext, 'log' | 'requestId' | 'caller'>,
  call: { path: string; started: number; code: GatewayCode | 'OK'; rowsRead?: number; rowsWritten?: number },
): void {
  const { path, started, code, ...counts } = call;
  ctx.log(
    JSON.stringify({
      event: 'gateway.call',
      requestId: ctx.requestId,
      path,
      caller: ctx.caller.id,
      transport: ctx.caller.transport,
      durationMs: Date.now() - started,
      code,
      ...counts,
    }),
  );
}
