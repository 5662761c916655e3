import { D1_MAX_ROW_BYTES, transformer } from '../shared/index.ts';
import { d1Binding } from './bindings.ts';
import type { GatewayContext } from './context.ts';
import { GatewayError } from './errors.ts';

// The record lives in D1, not KV: a repeated key must see the first one at once and everywhere (KV
// is eventually consistent, up to 60 s between locations) and claiming a key must be atomic (KV has
// no compare-and-set; D1 has a primary key). See migrations/0002_gateway_idempotency.sql.
const TABLE = '_gateway_idempotency';
/** How long a key is remembered. */
const KEEP_MS = 24 * 60 * 60 * 1000;
/** A claim this old whose call never finished belongs to a call that died: another may take it over. */
const ABANDONED_MS = 60_000;
/** A result larger than this is not kept (D1 rows hold 2 MB); a repeat of that call runs again. */
const MAX_RESULT_BYTES = D1_MAX_ROW_BYTES / 2;

interface Record {
  path: string;
  state: 'pending' | 'done';
  result: string | null;
  created_at: number;
}

/**
 * Runs a write, unless its caller has gone, at most once per idempotency key and caller: the first call claims the key, runs, and
 * keeps its result; a repeat gets that result without running; a repeat while the first still runs
 * gets a retryable `UNAVAILABLE`. A failed call gives its key back, so that a retry can run.
 * Without a key, the write just runs.
 */
export async function once<T>(
  ctx: Pick<GatewayContext, 'env' | 'caller' | 'signal'>,
  path: string,
  key: string | undefined,
  write: () => Promise<T>,
): Promise<T> {
  // A caller that has gone (its deadline passed, it aborted) gets no write it can no longer see.
  const run = () => {
    if (ctx.signal.aborted)
      throw new GatewayError('CANCELLED', 'the caller went away before the write started');
    return write();
  };
  if (key === undefined) return run();
  const db = d1Binding(ctx.env);
  const caller = `${ctx.caller.transport}:${ctx.caller.id}`;
  const now = Date.now();
  const claimed = await db
    .prepare(`INSERT INTO ${TABLE} (caller, key, path, state, created_at) VALUES (?, ?, ?, 'pending', ?)
              ON CONFLICT (caller, key) DO NOTHING`)
    .bind(caller, key, path, now)
    .run();
  if (claimed.meta.changes === 0) {
    const record = await db
      .prepare(`SELECT path, state, result, created_at FROM ${TABLE} WHERE caller = ? AND key = ?`)
      .bind(caller, key)
      .first<Record>();
    if (record === null) return once(ctx, path, key, run); // expired in between: claim again
    if (record.path !== path) {
      throw new GatewayError(
        'BAD_INPUT',
        `the idempotency key ${key} was used for ${record.path}, not ${path}`,
      );
    }
    if (record.state === 'done' && record.result !== null) {
      return transformer.deserialize(JSON.parse(record.result)) as T;
    }
    const takeOver =
      record.created_at < now - ABANDONED_MS &&
      (
        await db
          .prepare(`UPDATE ${TABLE} SET created_at = ? WHERE caller = ? AND key = ? AND created_at = ?`)
          .bind(now, caller, key, record.created_at)
          .run()
      ).meta.changes === 1;
    if (!takeOver) {
      throw new GatewayError('UNAVAILABLE', `a call with the idempotency key ${key} is still running; retry`);
    }
  }

  let result: T;
  try {
    result = await run();
  } catch (error) {
    await db
      .prepare(`DELETE FROM ${TABLE} WHERE caller = ? AND key = ? AND state = 'pending'`)
      .bind(caller, key)
      .run();
    throw error;
  }
  const text = JSON.stringify(transformer.serialize(result));
  await (text.length > MAX_RESULT_BYTES
    ? db.prepare(`DELETE FROM ${TABLE} WHERE caller = ? AND key = ?`).bind(caller, key)
    : db
        .prepare(`UPDATE ${TABLE} SET state = 'done', result = ? WHERE caller = ? AND key = ?`)
        .bind(text, caller, key)
  ).run();
  // Forget old keys now and then, rather than on a schedule of its own.
  if (Math.random() < 0.01)
    await db
      .prepare(`DELETE FROM ${TABLE} WHERE created_at < ?`)
      .bind(now - KEEP_MS)
      .run();
  return result;
}
