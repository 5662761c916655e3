import { D1_MAX_ROW_BYTES, transformer } from '../shared/index.ts';
import { RESERVED_NAME_PREFIX } from '../shared/sql.ts';
import type { After } from './after.ts';
import type { GatewayContext } from './context.ts';
import { classifyBindingError, GatewayError } from './errors.ts';

/**
 * Exactly-once D1 writes. A keyed write goes to D1 as one batch (one transaction): first the claim
 * of its key, then its statements. Both commit, or neither does, in the database the write goes to,
 * so a key whose claim exists is a write that committed, whatever failed afterwards. The claim's
 * primary key refuses a second claim, which fails the repeat's whole batch: its statements never
 * run. The result is recorded after the answer (`After`): no extra D1 call while the caller waits.
 *
 * A repeat of a key is answered from the record: the first result; `RESULT_PENDING` while the
 * result is being recorded; `ALREADY_APPLIED` when it was never recorded; `IDEMPOTENCY_MISMATCH`
 * when the key was used for another call. The record lives in D1, not KV: a repeat must see the
 * claim at once and everywhere, and KV is eventually consistent and has no compare-and-set.
 */

/** The gateway's own table (callers' SQL may not name it: `RESERVED_NAME_PREFIX`). */
export const WRITES_TABLE = `${RESERVED_NAME_PREFIX}writes`;

// The gateway creates its table itself, the first time a keyed write finds it missing: a database
// that never ran this project's migrations (one a user points the gateway at) works as it is.
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${WRITES_TABLE} (
  caller TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('claimed', 'done', 'unkept')),
  result TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (caller, key)
)`;
const CREATE_INDEX = `CREATE INDEX IF NOT EXISTS ${WRITES_TABLE}_created ON ${WRITES_TABLE} (created_at)`;

/** How long a key is remembered. */
const KEEP_MS = 24 * 60 * 60 * 1000;
/**
 * A claim with no result yet, younger than this, belongs to a write whose result is on its way
 * (recorded just after its answer). Older, the result is lost: D1 ends any batch within 30 s
 * (developers.cloudflare.com/d1/platform/limits), and recording takes milliseconds after that.
 */
const PENDING_MS = 35_000;
/** A result larger than this is not kept (D1 rows hold 2 MB): a repeat gets `ALREADY_APPLIED`. */
const MAX_RESULT_BYTES = D1_MAX_ROW_BYTES / 2;

const CONFLICT = new RegExp(`UNIQUE constraint failed: ${WRITES_TABLE}\\.`);
const MISSING = new RegExp(`no such table: (main\\.)?${WRITES_TABLE}\\b`);

type Database = D1Database | D1DatabaseSession;
type Context = Pick<GatewayContext, 'caller' | 'signal' | 'after'>;

/** What identifies one keyed call: the caller, its key, and a hash of its procedure and input. */
interface Claim {
  caller: string;
  key: string;
  fingerprint: string;
}

interface WriteRecord {
  fingerprint: string;
  state: 'claimed' | 'done' | 'unkept';
  result: string | null;
  created_at: number;
}

async function claimOf(ctx: Context, path: string, key: string, input: object): Promise<Claim> {
  const { idempotencyKey: _, ...call } = input as { idempotencyKey?: string };
  // The input as validated (zod builds it in the schema's key order), in the transformer's JSON:
  // the same call gives the same bytes, whichever client sent it.
  const text = `${path}\n${JSON.stringify(transformer.serialize(call))}`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  const fingerprint = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { caller: `${ctx.caller.transport}:${ctx.caller.id}`, key, fingerprint };
}

/** A caller that has gone (its deadline passed, it aborted) gets no write it can no longer see. */
export function checkCallerWaits(ctx: Context): void {
  if (ctx.signal.aborted)
    throw new GatewayError('CANCELLED', 'the caller went away before the write started');
}

async function ensureTable(database: Database): Promise<void> {
  await database.batch([database.prepare(CREATE_TABLE), database.prepare(CREATE_INDEX)]);
}

/** The first call's answer to a repeat of its key, from the record. */
async function replay<T>(database: Database, claim: Claim): Promise<T | undefined> {
  const record = await database
    .prepare(
      `SELECT fingerprint, state, result, created_at FROM ${WRITES_TABLE} WHERE caller = ? AND key = ?`,
    )
    .bind(claim.caller, claim.key)
    .first<WriteRecord>();
  if (record === null) return undefined; // forgotten in between: the write may run
  if (record.fingerprint !== claim.fingerprint) {
    throw new GatewayError(
      'IDEMPOTENCY_MISMATCH',
      `the idempotency key ${claim.key} was used for another call (another procedure or input); a new write needs a new key`,
    );
  }
  if (record.state === 'done' && record.result !== null) {
    return transformer.deserialize(JSON.parse(record.result)) as T;
  }
  if (record.state === 'claimed' && Date.now() - record.created_at < PENDING_MS) {
    throw new GatewayError(
      'RESULT_PENDING',
      `the write with the idempotency key ${claim.key} has committed and its result is being recorded; retry shortly`,
    );
  }
  throw new GatewayError(
    'ALREADY_APPLIED',
    `the write with the idempotency key ${claim.key} committed earlier, but its result was not kept; it will not run again`,
  );
}

/** Keeps the result for repeats; after the answer, so off the caller's path. */
function record(after: After, database: Database, claim: Claim, result: unknown): void {
  after(async () => {
    const text = JSON.stringify(transformer.serialize(result));
    const kept = text.length <= MAX_RESULT_BYTES;
    const now = Date.now();
    await database.batch([
      database
        .prepare(`UPDATE ${WRITES_TABLE} SET state = ?, result = ? WHERE caller = ? AND key = ?`)
        .bind(kept ? 'done' : 'unkept', kept ? text : null, claim.caller, claim.key),
      // Old keys are forgotten on the way, rather than on a schedule of their own.
      database.prepare(`DELETE FROM ${WRITES_TABLE} WHERE created_at < ?`).bind(now - KEEP_MS),
    ]);
  });
}

/**
 * After a failure that may have come after the commit (a connection lost on the way back, D1 reset):
 * if the claim did commit, its result is lost, and a repeat learns it at once (`ALREADY_APPLIED`)
 * instead of waiting out `PENDING_MS`. If it did not commit, there is nothing to mark.
 */
function markIfCommitted(after: After, database: Database, claim: Claim): void {
  after(() =>
    database
      .prepare(
        `UPDATE ${WRITES_TABLE} SET state = 'unkept' WHERE caller = ? AND key = ? AND fingerprint = ? AND state = 'claimed'`,
      )
      .bind(claim.caller, claim.key, claim.fingerprint)
      .run(),
  );
}

/** Failures of a statement that D1 reports before anything commits; any other may have committed. */
const DEFINITE_FAILURES = new Set(['SQL_ERROR', 'CONSTRAINT', 'LIMIT_EXCEEDED', 'BAD_INPUT', 'READ_ONLY']);

type Results = D1Result<Record<string, unknown>>[];

/**
 * Runs a keyed write's `statements` once per idempotency key and caller, as one D1 batch with the
 * key's claim (see above); `shape` turns the statements' results into the procedure's result, which
 * is what a repeat of the key gets.
 *
 * @example
 * const shape = ([result]: Results) => ({ success: true, meta: result.meta });
 * return key === undefined
 *   ? shape([await statement.run()])
 *   : onceInBatch(ctx, database, { path: 'db.run', input, key }, [statement], shape);
 */
export async function onceInBatch<T>(
  ctx: Context,
  database: Database,
  call: { path: string; input: object; key: string },
  statements: D1PreparedStatement[],
  shape: (results: Results) => T,
): Promise<T> {
  checkCallerWaits(ctx);
  const claim = await claimOf(ctx, call.path, call.key, call.input);
  const claimStatement = database
    .prepare(
      `INSERT INTO ${WRITES_TABLE} (caller, key, fingerprint, state, created_at) VALUES (?, ?, ?, 'claimed', ?)`,
    )
    .bind(claim.caller, claim.key, claim.fingerprint, Date.now());
  // A second attempt follows a key forgotten between the claim and the replay, or a table created.
  for (let attempt = 0; ; attempt++) {
    let results: Results;
    try {
      results = await database.batch<Record<string, unknown>>([claimStatement, ...statements]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt < 2 && CONFLICT.test(message)) {
        const first = await replay<T>(database, claim);
        if (first !== undefined) return first;
        continue;
      }
      if (attempt < 2 && MISSING.test(message)) {
        await ensureTable(database);
        continue;
      }
      if (!DEFINITE_FAILURES.has(classifyBindingError(error))) markIfCommitted(ctx.after, database, claim);
      throw error;
    }
    const result = shape(results.slice(1));
    record(ctx.after, database, claim, result);
    return result;
  }
}
