/**
 * Work that the answer does not need (the per-call log line, an idempotent write's result record)
 * runs after the answer: on a later macrotask, so the response has been handed to the runtime first,
 * and kept alive by `waitUntil`, so the Worker is not torn down before it is done.
 */
export type After = (task: () => unknown) => void;

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
  return (task) =>
    waitUntil(new Promise<void>((resolve) => setTimeout(resolve, 0)).then(task).catch(reportFailure));
}
