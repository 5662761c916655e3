import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter } from '../router-type.ts';

/** The time a call may take, retries included; `{ context: { deadlineMs } }` overrides it per call. */
export function deadlineLink(defaultMs: number): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const ms = typeof op.context.deadlineMs === 'number' ? op.context.deadlineMs : defaultMs;
        const controller = new AbortController();
        const fail = (reason: unknown) => {
          controller.abort(reason);
          observer.error(TRPCClientError.from(reason instanceof Error ? reason : new Error(String(reason))));
        };
        // Aborting the signal cancels the HTTP request once no other call of its batch waits on it.
        const onAbort = () =>
          fail(op.signal?.reason ?? new DOMException('the call was aborted', 'AbortError'));
        if (op.signal?.aborted) {
          onAbort();
          return () => {};
        }
        op.signal?.addEventListener('abort', onAbort, { once: true });
        const timer = setTimeout(
          () => fail(new DOMException(`the call ran past its deadline of ${ms} ms`, 'TimeoutError')),
          ms,
        );
        const subscription = next({ ...op, signal: controller.signal }).subscribe(observer);
        return () => {
          clearTimeout(timer);
          op.signal?.removeEventListener('abort', onAbort);
          subscription.unsubscribe();
        };
      });
}
