/**
 * Work that the answer does not need (the per-call log line, an idempotent write's result record)
 * runs after the answer, kept alive by `waitUntil` so the Worker is not torn down before it is done.
 */
export type After = (task: () => unknown, options?: { delayMs?: number }) => void;

/**
 * How long after the answer such work starts by default. The next macrotask was not late enough for
 * a log line: under `wrangler dev` the response still crosses the dev server's proxy workers on the
 * same thread, and a line written then kept the caller waiting (measured with `npm run bench`);
 * 10 ms later it no longer does.
 */
const AFTER_ANSWER_DELAY_MS = 10;

/** Where a task's own failure goes: there is no caller left to tell. */
function reportFailure(error: unknown): void {
  console.error(JSON.stringify({ event: 'gateway.after_failed', error: String(error) }));
}

/** After-answer work started in this isolate and not finished yet. */
const unfinished = new Set<Promise<void>>();

/**
 * An `After` over a `waitUntil` (the request's `ctx.waitUntil`, or `waitUntil` from
 * `cloudflare:workers` where no context is at hand).
 *
 * @example
 * const after = afterAnswer(ctx.waitUntil.bind(ctx));
 * after(() => console.log('the caller already has its answer'));
 */
export function afterAnswer(waitUntil: (promise: Promise<unknown>) => void): After {
  return (task, { delayMs = AFTER_ANSWER_DELAY_MS } = {}) => {
    const done = new Promise<void>((resolve) => setTimeout(resolve, delayMs))
      .then(task)
      .then(() => undefined, reportFailure);
    unfinished.add(done);
    void done.then(() => unfinished.delete(done));
    waitUntil(done);
  };
}

/**
 * Items gathered per key in this isolate and handed to `flush` together, `delayMs` after the first
 * of them: the first item of a key schedules the flush with its request's `after` (which keeps that
 * request alive for it); the items that come before the flush runs join it. One flush per key and
 * interval, however many calls give items (the call log's lines, the fair-share counts).
 *
 * @example
 * const logLater = gatherAfter(100, (log, lines: string[]) => log(lines.join('\n')));
 * logLater(ctx.after, ctx.log, 'a line');
 */
export function gatherAfter<K, T>(
  delayMs: number,
  flush: (key: K, items: T[]) => unknown,
): (after: After, key: K, item: T) => void {
  const waiting = new Map<K, T[]>();
  return (after, key, item) => {
    const items = waiting.get(key);
    if (items) {
      items.push(item);
      return;
    }
    waiting.set(key, [item]);
    after(
      () => {
        const due = waiting.get(key) ?? [];
        waiting.delete(key);
        return flush(key, due);
      },
      { delayMs },
    );
  };
}

/**
 * Resolves once this isolate has no after-answer work left, including work that work started
 * (a record flush that a write's answer scheduled). For benchmarks and tests that must start a call
 * only when the previous one's after-answer work is over, known rather than waited out with a sleep.
 */
export async function afterWorkSettled(): Promise<void> {
  while (unfinished.size > 0) await Promise.all(unfinished);
}
