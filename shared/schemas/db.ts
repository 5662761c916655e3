import { z } from 'zod';
import { D1Binding } from '../bindings.ts';
import {
  D1_MAX_BATCH_STATEMENTS,
  D1_MAX_BOUND_PARAMS,
  D1_MAX_ROW_BYTES,
  D1_MAX_SQL_BYTES,
} from '../limits.ts';
import { sqlVariableOverflow } from '../sql.ts';
import { asBinding, Bytes, bodyBytes, IdempotencyKey, limit, utf8Bytes } from './common.ts';

/**
 * One bound parameter. D1 itself binds no bigint: the gateway binds one within ±2^53 as a number
 * and refuses any other with `BAD_INPUT`. Booleans bind as 1 and 0, as on D1.
 */
export const SqlParam = z
  .union([z.null(), z.number(), z.bigint(), z.string(), z.boolean(), Bytes])
  .refine(
    (value) =>
      !(typeof value === 'string' || value instanceof Uint8Array) || bodyBytes(value) <= D1_MAX_ROW_BYTES,
    limit(`a string or BLOB parameter is over D1's ${D1_MAX_ROW_BYTES} bytes`),
  );
export type SqlParam = z.infer<typeof SqlParam>;

/** One column value of a result row. BLOBs arrive as `Uint8Array` (the binding gives `number[]`). */
export const SqlValue = z.union([z.null(), z.number(), z.string(), Bytes]);
export type SqlValue = z.infer<typeof SqlValue>;

function isSqlValue(value: unknown): value is SqlValue {
  return (
    value === null || typeof value === 'number' || typeof value === 'string' || value instanceof Uint8Array
  );
}

// Rows are checked with one function rather than a record of unions: the same check, several times
// faster on a large result, and it is on every query's path.
/** One result row: column name → value. */
export const Row = z.custom<Record<string, SqlValue>>((row) => {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false;
  for (const column in row) if (!isSqlValue((row as Record<string, unknown>)[column])) return false;
  return true;
}, 'expected a row of SQL values (null, number, string or bytes)');
export type Row = z.infer<typeof Row>;

/** One result row as an array (`raw()`). */
export const RawRow = z.custom<SqlValue[]>(
  (row) => Array.isArray(row) && row.every(isSqlValue),
  'expected an array of SQL values (null, number, string or bytes)',
);

/** D1's words for an empty statement, or a batch of none. */
const D1_NOTHING = 'D1_ERROR: No SQL statements detected.';

/** SQL within D1's statement length; empty, it is refused in D1's words (`nothing`). */
function sqlText(nothing: string) {
  return z
    .string()
    .refine(
      (sql) => sql.length > 0,
      asBinding('SQL_ERROR', () => nothing),
    )
    .min(1, 'sql is empty')
    .refine(
      (sql) => utf8Bytes(sql) <= D1_MAX_SQL_BYTES,
      asBinding('LIMIT_EXCEEDED', () => 'D1_ERROR: statement too long: SQLITE_TOOBIG'),
    );
}

/**
 * A single SQL statement, within D1's statement length and its bound parameters: SQL with more
 * variables than D1 binds is refused in D1's words, which name where the first one too many stands.
 */
export const Sql = sqlText(D1_NOTHING).refine(
  (sql) => sqlVariableOverflow(sql, D1_MAX_BOUND_PARAMS) === undefined,
  asBinding(
    'LIMIT_EXCEEDED',
    (sql: string) =>
      `D1_ERROR: too many SQL variables at offset ${sqlVariableOverflow(sql, D1_MAX_BOUND_PARAMS)}: SQLITE_ERROR`,
  ),
);

export const Params = z
  .array(SqlParam)
  .max(D1_MAX_BOUND_PARAMS, `D1 binds at most ${D1_MAX_BOUND_PARAMS} parameters per statement`);

export const Statement = z.strictObject({ sql: Sql, params: Params.optional() });
export type Statement = z.infer<typeof Statement>;

/** `D1Result['meta']`; further fields D1 adds pass through. */
export const D1Meta = z.looseObject({
  duration: z.number(),
  size_after: z.number(),
  rows_read: z.number(),
  rows_written: z.number(),
  last_row_id: z.number(),
  changed_db: z.boolean(),
  changes: z.number(),
  served_by: z.string().optional(),
  served_by_region: z.string().optional(),
  served_by_primary: z.boolean().optional(),
  timings: z.looseObject({ sql_duration_ms: z.number() }).optional(),
});
export type D1Meta = z.infer<typeof D1Meta>;

export const D1Result = z.object({ results: z.array(Row), success: z.literal(true), meta: D1Meta });
export type D1Result = z.infer<typeof D1Result>;

/** A statement sent on its own, to a named D1 binding. */
const Call = Statement.extend({ binding: D1Binding });

export const db = {
  /** `stmt.all()`. Read-only: a statement that writes is refused with `READ_ONLY` before it runs. */
  query: { input: Call, output: D1Result },
  /** `stmt.first(column?)`: the first row, one column of it, or `null`. Read-only. */
  first: {
    input: Call.extend({ column: z.string().min(1).optional() }),
    output: z.union([Row, SqlValue]),
  },
  /** `stmt.raw({ columnNames })`: rows as arrays, the column names first if asked. Read-only. */
  raw: {
    input: Call.extend({ columnNames: z.boolean().optional() }),
    output: z.array(RawRow),
  },
  /** `stmt.run()`: any single statement. */
  run: {
    input: Call.extend({ idempotencyKey: IdempotencyKey }),
    output: z.object({ success: z.literal(true), meta: D1Meta }),
  },
  /** `db.batch(statements)`: one transaction; if one statement fails, none of them stays. */
  batch: {
    input: z.strictObject({
      statements: z
        .array(Statement)
        .refine(
          (statements) => statements.length > 0,
          asBinding('SQL_ERROR', () => D1_NOTHING),
        )
        .min(1, 'a batch needs at least one statement')
        .max(D1_MAX_BATCH_STATEMENTS, `a batch holds at most ${D1_MAX_BATCH_STATEMENTS} statements`),
      binding: D1Binding,
      idempotencyKey: IdempotencyKey,
    }),
    output: z.array(D1Result),
  },
  /**
   * One method of a prepared statement, run as the binding runs it, writes included: what the
   * binding-shaped `env.DB` (shared/env/d1.ts) sends, so that `prepare(sql).bind(..).raw()` on an
   * `INSERT ... RETURNING` behaves as on D1. Returns that method's result.
   */
  statement: {
    input: Call.extend({
      method: z.enum(['all', 'first', 'raw', 'run']),
      idempotencyKey: IdempotencyKey,
      column: z.string().min(1).optional(),
      columnNames: z.boolean().optional(),
    }),
    output: z.union([D1Result, z.array(RawRow), Row, SqlValue]),
  },
  /** `db.exec(sql)`: several statements separated by `;`, no parameters. */
  exec: {
    input: z.strictObject({
      // exec() names the line that failed, even the empty one.
      sql: sqlText(`D1_EXEC_ERROR: Error in line 1: : ${D1_NOTHING.slice('D1_ERROR: '.length)}`),
      binding: D1Binding,
      idempotencyKey: IdempotencyKey,
    }),
    output: z.object({ count: z.number(), duration: z.number() }),
  },
} as const;
