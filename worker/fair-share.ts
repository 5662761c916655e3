import { type After, gatherAfter } from './after.ts';
import type { Caller } from './caller.ts';
import { GatewayError } from './errors.ts';
import { settingsOrRefusal } from './settings.ts';

/**
 * What a refused caller is told to wait, in seconds (`retry-after`). A concurrency slot frees as soon
 * as one of the caller's calls ends, so a second is enough there; for calls per period it is a
 * hint, not the time left in the window (the binding does not say).
 */
export const FAIR_SHARE_RETRY_AFTER_S = 1;

/** The configuration fair share reads; all optional, so that a Worker without them is unlimited. */
export interface FairShareEnv {
  /** Calls one caller may have running at once in this isolate; unset or 0: no limit. */
  FAIR_SHARE_MAX_CONCURRENT?: number | string | undefined;
  /** How long a call over that limit may wait for one of its caller's slots, in ms; unset or 0: not at all. */
  FAIR_SHARE_MAX_WAIT_MS?: number | string | undefined;
  /** The Workers Rate Limiting binding: calls per caller per period, per Cloudflare location. */
  CALLER_RATE_LIMIT?: RateLimit | undefined;
}

/** A caller's calls in this isolate: how many run, and those waiting for a slot, oldest first. */
interface Lane {
  running: number;
  waiting: (() => void)[];
}

// Per caller, in this isolate only: isolates share no memory, and a count that had to be shared
// would cost a round trip on every call's path.
const lanes = new Map<string, Lane>();

/**
 * Callers the Rate Limiting binding last said were over their calls per period, and until when this
 * isolate refuses them without asking again (then one call goes through and asks).
 */
const overUntil = new Map<string, number>();

/**
 * How long calls wait to be counted together, ms. A caller can go over its limit by what it calls
 * in this time (and until the binding's "no" comes back), in each isolate: at the bench's 200 calls
 * a second, 20 calls, against the deployed 3,000 per 10 s.
 */
export const COUNT_INTERVAL_MS = 100;

/**
 * Bindings that refused `delta` (miniflare before 5.20261117, which the vitest plugin runs, rejects
 * any option but `key`, `limit` and `period`: "bad rate limit options"); they count each call with a
 * `limit()` of its own, as exact but one binding call each.
 */
const refusedDelta = new WeakSet<RateLimit>();

/**
 * Calls made in this isolate and not yet counted, per limiter: they go to the binding together,
 * `COUNT_INTERVAL_MS` after the first of them, one `limit()` per caller with its calls as the
 * `delta`, rather than one `limit()` per call: a binding call costs the Worker's thread what a D1
 * read costs it in miniflare (a Durable Object call that writes SQLite), and calls back to back
 * from one caller need one count every interval, not one each (`npm run bench`, sustained).
 */
const countLater = gatherAfter(COUNT_INTERVAL_MS, async (limiter: RateLimit, callers: string[]) => {
  const calls = new Map<string, number>();
  for (const caller of callers) calls.set(caller, (calls.get(caller) ?? 0) + 1);
  await Promise.all(
    [...calls].map(async ([caller, count]) => {
      if (!(await addCalls(limiter, caller, count))) {
        overUntil.set(caller, Date.now() + FAIR_SHARE_RETRY_AFTER_S * 1000);
      }
    }),
  );
});

/** Adds `calls` to the caller's count; whether the binding said the caller is still within it. */
async function addCalls(limiter: RateLimit, key: string, calls: number): Promise<boolean> {
  if (calls > 1 && !refusedDelta.has(limiter)) {
    try {
      return (await limiter.limit({ key, delta: calls })).success;
    } catch (error) {
      if (!String(error).includes('bad rate limit options')) throw error;
      refusedDelta.add(limiter);
    }
  }
  let within = true;
  for (let call = 0; call < calls; call++) within = (await limiter.limit({ key })).success && within;
  return within;
}

/**
 * Counts the call against its caller's calls per period, after the call's answer: the binding's
 * answer is not waited for, and asking it is not done on the call's path either (in miniflare each
 * `limit()` is a Durable Object call on the Worker's own thread: asked beside the call, it still
 * slowed the call, as `npm run bench` showed). The calls of `COUNT_INTERVAL_MS` are counted
 * together, one `limit()` per caller. A "no" refuses the caller's next calls for
 * `FAIR_SHARE_RETRY_AFTER_S`; so a caller can go over its limit by the calls it makes before the
 * binding's "no" is heard, no more.
 */
function countCall(limiter: RateLimit, key: string, after: After): void {
  countLater(after, limiter, key);
}

function isOver(key: string): boolean {
  const until = overUntil.get(key);
  if (until === undefined) return false;
  if (Date.now() < until) return true;
  overUntil.delete(key);
  return false;
}

function keyOf(caller: Caller): string {
  return `${caller.transport}:${caller.id}`;
}

/** How many of a caller's calls this isolate is running now, and how many wait (for tests and logs). */
export function callsInFlight(caller: Caller): { running: number; waiting: number } {
  const lane = lanes.get(keyOf(caller));
  return { running: lane?.running ?? 0, waiting: lane?.waiting.length ?? 0 };
}

/** Takes a slot in the caller's lane, waiting up to `maxWaitMs` for one; false if none came. */
function takeSlot(key: string, max: number, maxWaitMs: number): boolean | Promise<boolean> {
  const lane = lanes.get(key) ?? { running: 0, waiting: [] };
  lanes.set(key, lane);
  if (lane.running < max) {
    lane.running++;
    return true;
  }
  if (maxWaitMs === 0) return false;
  const { waiting } = lane;
  return new Promise<boolean>((resolve) => {
    // The slot is handed over by releaseSlot: `running` stays as it is.
    const waiter = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(waiter), 1);
      resolve(false);
    }, maxWaitMs);
    waiting.push(waiter);
  });
}

function releaseSlot(key: string): void {
  const lane = lanes.get(key);
  if (!lane) return;
  const next = lane.waiting.shift();
  if (next) {
    next();
    return;
  }
  lane.running--;
  if (lane.running <= 0) lanes.delete(key);
}

/**
 * Runs one gateway call within its caller's fair share, so that one busy or broken container
 * instance cannot take all of D1's capacity (one D1 database runs one query at a time) from the
 * others. A call over its share is refused with `RATE_LIMITED` (retryable; `retry-after` on the
 * answer).
 *
 * Two limits, per caller. Running calls, in this isolate (`FAIR_SHARE_MAX_CONCURRENT`): a call over
 * it waits for one of its caller's own calls to end, first come first served, and is refused after
 * `FAIR_SHARE_MAX_WAIT_MS`; so a burst from one instance queues here, behind its own calls, instead
 * of in D1's one queue in front of everyone's. Calls per period (`CALLER_RATE_LIMIT`, the Workers
 * Rate Limiting binding, one count per call, asked off the call's path): refused once the binding
 * has said the caller is over. See docs/scale-out.md for what each
 * counts and where its counters live.
 *
 * @example
 * // A tRPC middleware, after the policy:
 * t.procedure.use(({ ctx, next }) => withinFairShare(ctx, next));
 */
export async function withinFairShare<T>(
  ctx: { env: FairShareEnv; caller: Caller; after: After; resHeaders?: Headers | undefined },
  run: () => Promise<T>,
): Promise<T> {
  const { env, caller } = ctx;
  const refuse = (why: string): never => {
    ctx.resHeaders?.set('retry-after', String(FAIR_SHARE_RETRY_AFTER_S));
    throw new GatewayError('RATE_LIMITED', `fair share: ${caller.id} ${why}; retry shortly`);
  };
  const key = keyOf(caller);
  const settings = settingsOrRefusal(env);
  if (settings instanceof GatewayError) throw settings;
  const max = settings.fairShareMaxConcurrent || Number.POSITIVE_INFINITY;
  const maxWaitMs = settings.fairShareMaxWaitMs;
  const limiter = env.CALLER_RATE_LIMIT;
  if (limiter) {
    if (isOver(key)) refuse('is over its calls per period');
    countCall(limiter, key, ctx.after);
  }
  if (!(await takeSlot(key, max, maxWaitMs))) {
    refuse(
      `has ${max} gateway calls running, the most one caller may have, and waited ${maxWaitMs} ms for one to end`,
    );
  }
  try {
    return await run();
  } finally {
    releaseSlot(key);
  }
}
