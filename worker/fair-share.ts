import type { Caller } from './context.ts';
import { GatewayError } from './errors.ts';

/**
 * What a refused caller is told to wait, in seconds (`retry-after`). A concurrency slot frees as soon
 * as one of the caller's calls ends, so a second is enough there; for calls per period it is a
 * hint, not the time left in the window (the binding does not say).
 */
export const FAIR_SHARE_RETRY_AFTER_S = 1;

/** The configuration fair share reads; both are optional so that a Worker without them is unlimited. */
export interface FairShareEnv {
  /** Calls one caller may have in flight in this isolate; unset or "0": no limit. */
  FAIR_SHARE_MAX_CONCURRENT?: string | undefined;
  /** The Workers Rate Limiting binding: calls per caller per period, per Cloudflare location. */
  CALLER_RATE_LIMIT?: RateLimit | undefined;
}

// Calls in flight per caller, in this isolate only: isolates share no memory, and a count that had
// to be shared would cost a round trip on every call's path.
const inFlight = new Map<string, number>();

function keyOf(caller: Caller): string {
  return `${caller.transport}:${caller.id}`;
}

function maxConcurrent(env: FairShareEnv): number {
  const raw = env.FAIR_SHARE_MAX_CONCURRENT ?? '0';
  const max = Number(raw);
  if (!Number.isInteger(max) || max < 0) {
    throw new Error(`FAIR_SHARE_MAX_CONCURRENT must be a whole number (0: no limit), not "${raw}"`);
  }
  return max === 0 ? Number.POSITIVE_INFINITY : max;
}

/** How many of a caller's calls this isolate is serving now (for tests and logs). */
export function callsInFlight(caller: Caller): number {
  return inFlight.get(keyOf(caller)) ?? 0;
}

function release(key: string): void {
  const left = (inFlight.get(key) ?? 1) - 1;
  if (left > 0) inFlight.set(key, left);
  else inFlight.delete(key);
}

/**
 * Runs one gateway call within its caller's fair share, or refuses it with `RATE_LIMITED`
 * (retryable; `retry-after` on the answer): so that one busy or broken container instance cannot
 * take all of D1's capacity (one D1 database runs one query at a time) from the others.
 *
 * Two limits, per caller: the calls it has in flight in this isolate (`FAIR_SHARE_MAX_CONCURRENT`),
 * and its calls per period (`CALLER_RATE_LIMIT`, the Workers Rate Limiting binding, one count per
 * call). See docs/scale-out.md for what each counts and where its counters live.
 *
 * @example
 * // A tRPC middleware, after the policy:
 * t.procedure.use(({ ctx, next }) => withinFairShare(ctx, next));
 */
export async function withinFairShare<T>(
  ctx: { env: FairShareEnv; caller: Caller; resHeaders?: Headers | undefined },
  run: () => Promise<T>,
): Promise<T> {
  const key = keyOf(ctx.caller);
  const refuse = (why: string): never => {
    ctx.resHeaders?.set('retry-after', String(FAIR_SHARE_RETRY_AFTER_S));
    throw new GatewayError('RATE_LIMITED', `fair share: ${ctx.caller.id} ${why}; retry shortly`);
  };
  const running = inFlight.get(key) ?? 0;
  const max = maxConcurrent(ctx.env);
  if (running >= max) refuse(`has ${running} gateway calls in flight, the most one caller may have`);
  inFlight.set(key, running + 1);
  try {
    const limiter = ctx.env.CALLER_RATE_LIMIT;
    if (limiter && !(await limiter.limit({ key })).success) refuse('is over its calls per period');
    return await run();
  } finally {
    release(key);
  }
}
