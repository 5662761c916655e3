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

/**
 * An `After` over a `waitUntil` (the request's `ctx.waitUntil`, or `waitUntil` from
 * `cloudflare:workers` where no context is at hand).
 *
 * @example
 * const after = afterAnswer(ctx.waitUntil.bind(ctx));
 * after(() => console.log('the caller already has its answer'));
 */
export function afterAnswer(waitUntil: (promise: Promise<unknown>) => void): After {
  return (task, { delayMs = AFTER_ANSWER_DELAY_MS } = {}) =>
    waitUntil(new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(task).catch(reportFailure));
}
