import type { z } from 'zod';
import {
  type D1BindingName,
  db,
  GATEWAY_BINDINGS,
  type Row,
  type SqlParam,
  type SqlValue,
  type Statement,
} from '../../shared/index.ts';
import { analyzeSql, RESERVED_NAME_PREFIX, reservedName, type StatementInfo } from '../../shared/sql.ts';
import { takeD1Answer, takeD1Row, takeD1Rows, takeD1Value } from '../answer-budget.ts';

/** D1's words for SQL that holds only comments or `;` (the binding's own, from `prepare()`). */
const D1_NO_STATEMENT = 'D1_ERROR: SQL code did not contain a statement.';

import { d1Binding, withD1 } from '../bindings.ts';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { checkCallerWaits, onceInBatch } from '../idempotency.ts';
import { procedure, router } from '../trpc.ts';

/** The D1 binding a call names, or the default one. */
function bindingOf(input: { binding?: D1BindingName | undefined }): D1BindingName {
  return input.binding ?? GATEWAY_BINDINGS.d1[0];
}

/** D1 binds no bigint; one within ±2^53 binds as the same number, any other is refused. */
function toD1Value(param: SqlParam, index: number): unknown {
  if (typeof param !== 'bigint') return param;
  if (param > BigInt(Number.MAX_SAFE_INTEGER) || param < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new GatewayError('BAD_INPUT', `params.${index}: D1 binds integers within ±2^53 only, got ${param}`);
  }
  return Number(param);
}

/** Refuses SQL that names the gateway's own tables (its record of writes), before it runs. */
function checkNames(statements: readonly StatementInfo[]): void {
  const name = reservedName(statements);
  if (name !== undefined) {
    throw new GatewayError(
      'FORBIDDEN',
      `${name}: names starting with ${RESERVED_NAME_PREFIX} are reserved for the gateway's own tables`,
    );
  }
}

/** What a statement's SQL holds, as far as the gateway's checks go. */
interface Checked {
  /** Whether every statement in it only reads. */
  readOnly: boolean;
  /** Whether it holds more than one statement: D1 then runs them all and answers for the last. */
  several: boolean;
}

/**
 * Refuses SQL with no statement (in D1's words), and, where `readOnly` is asked, SQL with a
 * statement that can write; and any that names the gateway's own tables. Several statements run as
 * D1 runs them: all of them, one after the other; the SQL reads only if every one of them reads.
 */
function checkStatement(sql: string, { readOnly }: { readOnly: boolean }): Checked {
  const statements = analyzeSql(sql);
  checkNames(statements);
  if (statements.length === 0) throw new GatewayError('SQL_ERROR', D1_NO_STATEMENT);
  const write = statements.find((statement) => !statement.readOnly);
  if (readOnly && write !== undefined) {
    throw new GatewayError(
      'READ_ONLY',
      `${write.verb || 'this statement'} can change the database, or is not provably a read (shared/sql.ts); use db.run`,
    );
  }
  return { readOnly: write === undefined, several: statements.length > 1 };
}

function prepare(database: D1Database | D1DatabaseSession, { sql, params }: Statement): D1PreparedStatement {
  const statement = database.prepare(sql);
  return params?.length ? statement.bind(...params.map(toD1Value)) : statement;
}

// The binding returns a BLOB as number[]; the contract carries bytes.
function toSqlValue(value: unknown): SqlValue {
  return Array.isArray(value) ? Uint8Array.from(value) : (value as SqlValue);
}

// In place: the row is D1's fresh object, and a copy of each row costs more than the conversion.
function toRow(row: Record<string, unknown>): Row {
  for (const column in row) {
    const value = row[column];
    if (Array.isArray(value)) row[column] = Uint8Array.from(value);
  }
  return row as Row;
}

function toResult(result: D1Result<Record<string, unknown>>) {
  return { results: result.results.map(toRow), success: true as const, meta: result.meta };
}

type Budget = Pick<GatewayContext, 'answer'>;

/** A read's or an unkeyed write's result, counted against the answer's budget before it is converted. */
function boundedResult(ctx: Budget, result: D1Result<Record<string, unknown>>, written: boolean) {
  takeD1Rows(ctx, result.results, { written });
  return toResult(result);
}

/**
 * One method of a prepared statement, as the binding runs it. A single read joins the request's
 * read batch; several statements go to the method itself, which answers for them as D1 does.
 */
function runStatement(ctx: GatewayContext, input: z.output<typeof db.statement.input>, checked: Checked) {
  const { readOnly } = checked;
  const batched = readOnly && !checked.several;
  return withD1(ctx, input.binding, async (database, reads) => {
    const statement = prepare(database, input);
    switch (input.method) {
      case 'all':
        return boundedResult(ctx, await (batched ? reads.all(statement) : statement.all()), !readOnly);
      case 'run':
        return boundedResult(ctx, await statement.run<Record<string, unknown>>(), !readOnly);
      case 'first': {
        if (input.column !== undefined) {
          return toSqlValue(takeD1Value(ctx, await statement.first(input.column), !readOnly));
        }
        if (!batched) {
          const row = await statement.first<Record<string, unknown>>();
          return row === null ? null : toRow(takeD1Row(ctx, row, !readOnly));
        }
        const [row] = (await reads.all(statement)).results;
        return row === undefined ? null : toRow(takeD1Row(ctx, row, !readOnly));
      }
      case 'raw': {
        const rows: unknown[][] = input.columnNames
          ? await statement.raw({ columnNames: true })
          : await statement.raw({ columnNames: false });
        takeD1Rows(ctx, rows, { written: !readOnly });
        return rows.map((row) => row.map(toSqlValue));
      }
    }
  });
}

/**
 * A method's answer made from the statement's result in a batch, for a keyed write: a batch gives
 * every statement's rows as objects, whichever method the caller used.
 */
function fromBatchResult(
  input: z.output<typeof db.statement.input>,
  result: D1Result<Record<string, unknown>>,
) {
  const rows = result.results;
  switch (input.method) {
    case 'all':
    case 'run':
      return toResult(result);
    case 'first': {
      const [row] = rows;
      if (row === undefined) return null;
      return input.column === undefined ? toRow(row) : toSqlValue(row[input.column] ?? null);
    }
    case 'raw': {
      const values = rows.map((row) => Object.values(row).map(toSqlValue));
      const [row] = rows;
      return input.columnNames && row !== undefined ? [Object.keys(row), ...values] : values;
    }
  }
}

/**
 * A keyed script's failure in the words of D1's `exec()`: "D1_EXEC_ERROR: Error in line 1: <line>:
 * <D1's message>". The binding (local D1, checked by the parity suite) names the script's first line
 * whichever statement failed, and so does this.
 */
function asExecError(error: unknown, lines: readonly string[]): unknown {
  const [line] = lines;
  if (line === undefined || !(error instanceof Error)) return error;
  const message = /^D1_ERROR: (.*)$/s.exec(error.message)?.[1];
  if (message === undefined) return error;
  return new Error(`D1_EXEC_ERROR: Error in line 1: ${line}: ${message}`, { cause: error });
}

export const dbRouter = router({
  query: procedure
    .input(db.query.input)
    .output(db.query.output)
    .query(async ({ input, ctx }) => {
      const { several } = checkStatement(input.sql, { readOnly: true });
      return withD1(ctx, input.binding, async (database, reads) => {
        const statement = prepare(database, input);
        return boundedResult(ctx, await (several ? statement.all() : reads.all(statement)), false);
      });
    }),

  first: procedure
    .input(db.first.input)
    .output(db.first.output)
    .query(async ({ input, ctx }) => {
      const { several } = checkStatement(input.sql, { readOnly: true });
      return withD1(ctx, input.binding, async (database, reads) => {
        const statement = prepare(database, input);
        if (input.column === undefined && several) {
          const row = await statement.first<Record<string, unknown>>();
          return row === null ? null : toRow(takeD1Row(ctx, row, false));
        }
        if (input.column === undefined) {
          // first() is all()'s first row; read with the request's other reads.
          const [row] = (await reads.all(statement)).results;
          return row === undefined ? null : toRow(takeD1Row(ctx, row, false));
        }
        return toSqlValue(takeD1Value(ctx, await statement.first(input.column), false));
      });
    }),

  raw: procedure
    .input(db.raw.input)
    .output(db.raw.output)
    .query(async ({ input, ctx }) => {
      checkStatement(input.sql, { readOnly: true });
      return withD1(ctx, input.binding, async (database) => {
        const statement = prepare(database, input);
        const rows: unknown[][] = input.columnNames
          ? await statement.raw({ columnNames: true })
          : await statement.raw({ columnNames: false });
        takeD1Rows(ctx, rows);
        return rows.map((row) => row.map(toSqlValue));
      });
    }),

  run: procedure
    .input(db.run.input)
    .output(db.run.output)
    .mutation(async ({ input, ctx }) => {
      checkStatement(input.sql, { readOnly: false });
      const key = input.idempotencyKey;
      return withD1(ctx, input.binding, async (database) => {
        const statement = prepare(database, input);
        const shape = ([result]: D1Result[]) => ({ success: true as const, meta: (result as D1Result).meta });
        if (key === undefined) {
          checkCallerWaits(ctx);
          return shape([await statement.run()]);
        }
        return onceInBatch(
          ctx,
          database,
          { path: 'db.run', binding: bindingOf(input), input, key },
          [statement],
          shape,
        );
      });
    }),

  batch: procedure
    .input(db.batch.input)
    .output(db.batch.output)
    .mutation(async ({ input, ctx }) => {
      for (const statement of input.statements) checkStatement(statement.sql, { readOnly: false });
      const key = input.idempotencyKey;
      return withD1(ctx, input.binding, async (database) => {
        const statements = input.statements.map((statement) => prepare(database, statement));
        if (key === undefined) {
          checkCallerWaits(ctx);
          const results = await database.batch<Record<string, unknown>>(statements);
          return results.map((result) => boundedResult(ctx, result, true));
        }
        return takeD1Answer(
          ctx,
          await onceInBatch(
            ctx,
            database,
            { path: 'db.batch', binding: bindingOf(input), input, key },
            statements,
            (results) => results.map(toResult),
          ),
        );
      });
    }),

  statement: procedure
    .input(db.statement.input)
    .output(db.statement.output)
    .mutation(async ({ input, ctx }) => {
      const checked = checkStatement(input.sql, { readOnly: false });
      const { readOnly } = checked;
      // A key is dropped only for a statement shared/sql.ts proves a read (SQLite's own tokens,
      // failing closed: anything it cannot prove is claimed, and runs once). A read may run as often
      // as it is sent. Claiming reads too would make every read of the Python client, which sends
      // each statement keyed through here, a write transaction on the primary and a row to record.
      const key = readOnly ? undefined : input.idempotencyKey;
      if (key === undefined) {
        if (!readOnly) checkCallerWaits(ctx);
        return runStatement(ctx, input, checked);
      }
      return withD1(ctx, input.binding, async (database) =>
        takeD1Answer(
          ctx,
          await onceInBatch(
            ctx,
            database,
            { path: 'db.statement', binding: bindingOf(input), input, key },
            [prepare(database, input)],
            ([result]) => fromBatchResult(input, result as D1Result<Record<string, unknown>>),
          ),
        ),
      );
    }),

  exec: procedure
    .input(db.exec.input)
    .output(db.exec.output)
    .mutation(async ({ input, ctx }) => {
      // D1's exec() sends each line as a query of its own, and counts lines: so does a keyed script.
      const lines = input.sql.trim().split('\n');
      const statements = lines.flatMap((line) => analyzeSql(line));
      checkNames(statements);
      // A D1 session has no exec(); a script runs outside any session, as on the binding. A keyed
      // script runs as one batch with its key's claim: all of it, once, or none of it.
      const database = d1Binding(ctx.env, input.binding);
      const key = input.idempotencyKey;
      if (key === undefined) {
        checkCallerWaits(ctx);
        const { count, duration } = await database.exec(input.sql);
        return { count, duration };
      }
      const prepared = statements.map(({ text }) => database.prepare(text));
      return onceInBatch(
        ctx,
        database,
        { path: 'db.exec', binding: bindingOf(input), input, key },
        prepared,
        (results) => ({
          count: lines.length,
          duration: results.reduce((sum, { meta }) => sum + (meta.duration ?? 0), 0),
        }),
      ).catch((error: unknown) => {
        throw asExecError(error, lines);
      });
    }),
});
