import type { GatewayCode } from '../shared/index.ts';
import { gatherAfter } from './after.ts';
import type { GatewayContext } from './context.ts';

/** One call in the log: procedure, caller, duration, outcome and D1's row counts; never the input. */
export interface CallRecord {
  requestId: string;
  path: string;
  caller: string;
  transport: string;
  instance?: string;
  durationMs: number;
  code: GatewayCode | 'OK';
  rowsRead?: number;
  rowsWritten?: number;
}

/**
 * How long a call's record waits for others to share its log line, ms. The calls an isolate ends
 * in this time are written as one `gateway.calls` line, not one line each: Workers Logs counts (and
 * bills) events, and under `wrangler dev` its observability collector stores each line on the
 * Worker's own thread, which cost the calls around it (docs/performance.md).
 */
export const CALL_LOG_INTERVAL_MS = 100;

/** The records of an interval, per log sink (a mount's `log`), as one line. */
const logLater = gatherAfter(CALL_LOG_INTERVAL_MS, (log: (line: string) => void, calls: CallRecord[]) =>
  log(JSON.stringify({ event: 'gateway.calls', calls })),
);

/**
 * Logs one call, after the answer. The line, `{"event":"gateway.calls","calls":[…]}`, holds every
 * call this isolate ended within `CALL_LOG_INTERVAL_MS` of the first of them, in the order they
 * ended: it is written by the first one's `after`, which keeps its request alive for it.
 */
export function logCall(
  ctx: Pick<GatewayContext, 'log' | 'requestId' | 'caller' | 'after'>,
  call: { path: string; started: number; code: GatewayCode | 'OK'; rowsRead?: number; rowsWritten?: number },
): void {
  const { path, started, code, ...counts } = call;
  const record: CallRecord = {
    requestId: ctx.requestId,
    path,
    caller: ctx.caller.id,
    transport: ctx.caller.transport,
    ...(ctx.caller.instance === undefined ? {} : { instance: ctx.caller.instance }),
    durationMs: Date.now() - started,
    code,
    ...counts,
  };
  logLater(ctx.after, ctx.log, record);
}
