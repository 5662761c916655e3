import type { GatewayCode } from '../shared/index.ts';
import type { GatewayContext } from './context.ts';

/**
 * The one structured log line per call: procedure, caller, duration, outcome and D1's row counts.
 * Never the input: it holds data and SQL. It is written after the answer: under `wrangler dev` a
 * `console.log` is carried to wrangler's own process, and the caller should not wait for that.
 */
export function logCall(
  ctx: Pick<GatewayContext, 'log' | 'requestId' | 'caller' | 'after'>,
  call: { path: string; started: number; code: GatewayCode | 'OK'; rowsRead?: number; rowsWritten?: number },
): void {
  const { path, started, code, ...counts } = call;
  const line = JSON.stringify({
    event: 'gateway.call',
    requestId: ctx.requestId,
    path,
    caller: ctx.caller.id,
    transport: ctx.caller.transport,
    ...(ctx.caller.instance === undefined ? {} : { instance: ctx.caller.instance }),
    durationMs: Date.now() - started,
    code,
    ...counts,
  });
  ctx.after(() => ctx.log(line));
}
