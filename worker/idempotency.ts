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

/**
 * Where a claim is inserted: a view whose trigger inserts the row into the table. An insert made by a
 * trigger leaves the connection's last insert as it was once the trigger ends (sqlite.org/c3ref/
 * last_insert_rowid.html), so the write's own statements report D1's `last_row_id`, not the claim's
 * (a statement that inserts nothing reports the last insert before it).
 */
export const CLAIMS_VIEW = `${RESERVED_NAME_PREFIX}claims`;
const CREATE_CLAIMS = [
  `CREATE VIEW IF NOT EXISTS ${CLAIMS_VIEW} AS SELECT caller, key, fingerprint, state, created_at FROM ${WRITES_TABLE}`,
  `CREATE TRIGGER IF NOT EXISTS ${RESERVED_NAME_PREFIX}claim INSTEAD OF INSERT ON ${CLAIMS_VIEW} BEGIN
  INSERT INTO ${WRITES_TABLE} (caller, key, fingerprint, state, created_at)
  VALUES (NEW.caller, NEW.key, NEW.fingerprint, NEW.state, NEW.created_at);
END`,
];

/** How long a key is remembered (at least: old keys are deleted by one record in `1 / FORGET_SHARE`). */
const KEEP_MS = 24 * 60 * 60 * 1000;
const FORGET_SHARE = 0.01;
/**
 * Forgets the oldest claims, up to 1,000 at a time (ten times what was claimed since the last time, on
 * average), in rowid order, which is the order they were made in. So there is no index on
 * `created_at`, which every claim, on every keyed write's path, would have to write as well.
 */
const FORGET = `DELETE FROM ${WRITES_TABLE} WHERE rowid IN (SELECT rowid FROM ${WRITES_TABLE} ORDER BY rowid LIMIT 1000) AND created_at < ?`;
/**
 * A claim with no result yet, younger than this, belongs to a write whose result is on its way
 * (recorded just after its answer). Older, the result is lost: D1 ends any batch within 30 s
 * (developers.cloudflare.com/d1/platform/limits), and recording takes milliseconds after that.
 */
const PENDING_MS = 35_000;
/** A result larger than this is not kept (D1 rows hold 2 MB): a repeat gets `ALREADY_APPLIED`. */
const MAX_RESULT_BYTES = D1_MAX_ROW_BYTES / 2;

const MISSING = new RegExp(`no such table: (main\\.)?(${WRITES_TABLE}|${CLAIMS_VIEW})\\b`);

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
  // One batch: the view is never there without the trigger that makes it take an insert.
  await database.batch([CREATE_TABLE, ...CREATE_CLAIMS].map((sql) => database.prepare(sql)));
}

/** Whether the gateway's table exists: a caller's trigger can raise "no such table" word for word. */
async function tableExists(database: Database): Promise<boolean> {
  const found = await database
    .prepare(`SELECT count(*) AS found FROM sqlite_master WHERE (type, name) IN (('table', ?), ('view', ?))`)
    .bind(WRITES_TABLE, CLAIMS_VIEW)
    .first<number>('found');
  return found === 2;
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
  // A record still waiting in this isolate to be written is as good as written.
  const [state, result] =
    record.state === 'claimed'
      ? (waitingRecord(claim) ?? [record.state, null])
      : [record.state, record.result];
  if (state === 'done' && result !== null) return transformer.deserialize(JSON.parse(result)) as T;
  if (state === 'claimed' && Date.now() - record.created_at < PENDING_MS) {
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

/** A result waiting to be recorded: the parameters of its `RECORD` statement. */
type Pending = readonly [state: 'done' | 'unkept', result: string | null, caller: string, key: string];

const RECORD = `UPDATE ${WRITES_TABLE} SET state = ?, result = ? WHERE caller = ? AND key = ?`;

/**
 * Results waiting to be recorded, per D1 binding, in this isolate. The next keyed write to that
 * database carries them in its own batch; if none comes within `RECORD_WAIT_MS`, they go on their
 * own. So keyed writes one after another cost D1 one batch each, not a batch and a record.
 */
const waiting = new Map<string, Pending[]>();
/**
 * How long a result waits for a write to carry it. A repeat of its key meanwhile gets it from here,
 * in this isolate; in another, `RESULT_PENDING`.
 */
const RECORD_WAIT_MS = 20;
/** The most results that wait in one isolate; past it, the oldest are dropped (their repeats: ALREADY_APPLIED). */
const MAX_WAITING = 1_000;

/**
 * Drops the results waiting in this isolate, as the isolate's end would (tests: a record that never
 * reaches D1).
 */
export function dropWaitingResults(): void {
  waiting.clear();
}

/** The record of a claim still waiting in this isolate to be written, if it is. */
function waitingRecord(claim: Claim): Pending | undefined {
  for (const pending of waiting.values()) {
    const found = pending.find(([, , caller, key]) => caller === claim.caller && key === claim.key);
    if (found) return found;
  }
  return undefined;
}

function take(binding: string): Pending[] {
  const pending = waiting.get(binding) ?? [];
  waiting.delete(binding);
  return pending;
}

function putBack(binding: string, pending: readonly Pending[]): void {
  if (pending.length === 0) return;
  const list = [...pending, ...(waiting.get(binding) ?? [])];
  waiting.set(binding, list.slice(-MAX_WAITING));
}

function recordStatements(database: Database, pending: readonly Pending[]): D1PreparedStatement[] {
  const statements = pending.map((values) => database.prepare(RECORD).bind(...values));
  // Old keys are forgotten now and then, on the way, rather than on a schedule of their own.
  if (statements.length > 0 && Math.random() < FORGET_SHARE) {
    statements.push(database.prepare(FORGET).bind(Date.now() - KEEP_MS));
  }
  return statements;
}

/** Databases (by binding) whose waiting records have a flush scheduled in this isolate. */
const flushing = new Set<string>();

/**
 * Writes the database's waiting records `RECORD_WAIT_MS` from now, unless a keyed write has carried
 * them by then: one flush scheduled per database at a time, however many writes wait on it. A failed
 * flush leaves them waiting for the next write (D1 is failing: no retry loop).
 */
function flushLater(after: After, database: Database, binding: string): void {
  if (flushing.has(binding)) return;
  flushing.add(binding);
  after(
    async () => {
      flushing.delete(binding);
      const pending = take(binding);
      if (pending.length === 0) return; // a write carried them
      try {
        await database.batch(recordStatements(database, pending));
      } catch (error) {
        putBack(binding, pending);
        throw error;
      }
    },
    { delayMs: RECORD_WAIT_MS },
  );
}

/**
 * Whether a value's JSON is surely over `limit` bytes, from a lower bound of its size (characters
 * of its strings, bytes of its BLOBs) counted until it passes: a result of many MB (RETURNING rows)
 * is then known too large to keep without serializing it all.
 */
function surelyOver(value: unknown, limit: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= limit) {
    const item = stack.pop();
    if (typeof item === 'string') size += item.length;
    else if (item instanceof Uint8Array) size += item.byteLength;
    else if (typeof item === 'object' && item !== null)
      for (const inner of Object.values(item)) stack.push(inner);
    else size += 1;
  }
  return size > limit;
}

/** Keeps the result for repeats: off the caller's path, carried by the next write or on its own. */
function record(after: After, database: Database, binding: string, claim: Claim, result: unknown): void {
  const text = surelyOver(result, MAX_RESULT_BYTES) ? null : JSON.stringify(transformer.serialize(result));
  const kept = text !== null && text.length <= MAX_RESULT_BYTES;
  putBack(binding, [[kept ? 'done' : 'unkept', kept ? text : null, claim.caller, claim.key]]);
  flushLater(after, database, binding);
}

/**
 * After a failure that may have come after the commit (a connection lost on the way back, D1 reset):
 * if the claim did commit, its result is lost, and a repeat learns it at once (`ALREADY_APPLIED`)
 * instead of waiting out `PENDING_MS`. If it did not commit, there is nothing to mark.
 */
function markIfCommitted(after: After, database: Database, claim: Claim): void {
  after(
    () =>
      database
        .prepare(
          `UPDATE ${WRITES_TABLE} SET state = 'unkept' WHERE caller = ? AND key = ? AND fingerprint = ? AND state = 'claimed'`,
        )
        .bind(claim.caller, claim.key, claim.fingerprint)
        .run(),
    { delayMs: 0 },
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
 *   : onceInBatch(ctx, database, { path: 'db.run', binding: 'DB', input, key }, [statement], shape);
 */
export async function onceInBatch<T>(
  ctx: Context,
  database: Database,
  call: { path: string; binding: string; input: object; key: string },
  statements: D1PreparedStatement[],
  shape: (results: Results) => T,
): Promise<T> {
  checkCallerWaits(ctx);
  const claim = await claimOf(ctx, call.path, call.key, call.input);
  const claimStatement = database
    .prepare(
      `INSERT INTO ${CLAIMS_VIEW} (caller, key, fingerprint, state, created_at) VALUES (?, ?, ?, 'claimed', ?)`,
    )
    .bind(claim.caller, claim.key, claim.fingerprint, Date.now());
  // A second attempt follows the creation of the table, found missing.
  for (let attempt = 0; ; attempt++) {
    let results: Results;
    // Other writes' results ride along, after the statements: they commit with this write or, if it
    // fails, wait for the next.
    const carried = take(call.binding);
    try {
      results = await database.batch<Record<string, unknown>>([
        claimStatement,
        ...statements,
        ...recordStatements(database, carried),
      ]);
    } catch (error) {
      // Rolled back with this batch: they wait again, and the flush that left them to a write may
      // already have run and found nothing.
      if (carried.length > 0) {
        putBack(call.binding, carried);
        flushLater(ctx.after, database, call.binding);
      }
      const message = error instanceof Error ? error.message : String(error);
      const code = classifyBindingError(error);
      if (code === 'CONSTRAINT') {
        // Whether the claim conflicted is told by the key's record, which only the gateway writes
        // (callers' SQL cannot name its table), never by the message: a caller's trigger can raise
        // "UNIQUE constraint failed: _gateway_writes.…" word for word. The claim runs first, so a
        // record for the key means the claim is what failed. No record: the failure is the
        // statements' own (or the key was forgotten in between, ~24 h after its claim).
        const first = await replay<T>(database, claim).catch((lookup: unknown) => {
          if (lookup instanceof Error && MISSING.test(lookup.message)) return undefined;
          throw lookup;
        });
        if (first !== undefined) return first;
        throw error;
      }
      if (attempt < 2 && MISSING.test(message) && !(await tableExists(database))) {
        await ensureTable(database);
        continue;
      }
      if (!DEFINITE_FAILURES.has(code)) markIfCommitted(ctx.after, database, claim);
      throw error;
    }
    const result = shape(results.slice(1, 1 + statements.length));
    record(ctx.after, database, call.binding, claim, result);
    return result;
  }
}
