import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { pathsWhere } from '../procedures.ts';
import type { AppRouter } from '../router-type.ts';

/** The writes the gateway runs once per idempotency key: every D1 write (docs/exactly-once.md). */
export const KEYED_WRITES: ReadonlySet<string> = new Set(
  pathsWhere((p) => p.kind !== 'stream' && p.retry === 'keyed'),
);

/**
 * Writes that leave the same state however often they run, so a retry needs no key: a KV put of
 * the same value, a delete, an R2 put without a condition (a conditional one would answer its own
 * retry with `null`, the condition having failed), an abort of a multipart upload.
 */
export const IDEMPOTENT_WRITES: ReadonlySet<string> = new Set(
  pathsWhere((p) => p.kind === 'mutation' && p.retry === 'idempotent'),
);

function field(input: unknown, name: string): unknown {
  return typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[name] : undefined;
}

/**
 * Whether a write may be sent again after a retryable failure without running twice: a D1 write
 * with its key (unless the caller opted out with `idempotencyKey: undefined`), or a write that is
 * idempotent by nature.
 */
export function mayRetryWrite(path: string, input: unknown): boolean {
  if (KEYED_WRITES.has(path)) return typeof field(input, 'idempotencyKey') === 'string';
  return IDEMPOTENT_WRITES.has(path) && field(input, 'onlyIf') === undefined;
}

/**
 * Gives every D1 write an idempotency key, unless the caller chose one, before any retry: all
 * attempts of a call carry the same key, and the gateway runs it once.
 */
export function idempotencyLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const input = op.input;
        const keyed =
          op.type === 'mutation' &&
          KEYED_WRITES.has(op.path) &&
          typeof input === 'object' &&
          input !== null &&
          !('idempotencyKey' in input)
            ? { ...op, input: { ...input, idempotencyKey: crypto.randomUUID() } }
            : op;
        return next(keyed).subscribe(observer);
      });
}
