import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter } from '../router-type.ts';

/**
 * Gives every write (every mutation) an idempotency key, unless the caller chose one, before any
 * retry: all attempts of a call carry the same key, and the gateway runs it once.
 */
export function idempotencyLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const input = op.input;
        const keyed =
          op.type === 'mutation' &&
          typeof input === 'object' &&
          input !== null &&
          !('idempotencyKey' in input)
            ? { ...op, input: { ...input, idempotencyKey: crypto.randomUUID() } }
            : op;
        return next(keyed).subscribe(observer);
      });
}
