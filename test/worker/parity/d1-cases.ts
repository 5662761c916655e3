import type { Bindings, ParityCase } from './harness.ts';

// Shared by the D1 parity files. Sources:
export const SUITE = 'workers-sdk packages/miniflare/test/plugins/d1/suite.ts';
export const PREPARED = 'developers.cloudflare.com/d1/worker-api/prepared-statements/';
export const DATABASE = 'developers.cloudflare.com/d1/worker-api/d1-database/';
export const RESULT = 'developers.cloudflare.com/d1/worker-api/return-object/';
export const TYPES = 'developers.cloudflare.com/d1/worker-api/#type-conversion';
export const ERRORS = 'developers.cloudflare.com/d1/observability/debug-d1/';
export const SESSIONS = 'developers.cloudflare.com/d1/best-practices/read-replication/';
export const SQL = 'developers.cloudflare.com/d1/sql-api/sql-statements/';
export const FOREIGN = 'developers.cloudflare.com/d1/sql-api/foreign-keys/';

/** A table of three rows, made through the bindings under test (as the suite's `beforeEach` does). */
export async function seeded({ DB }: Bindings, table: string): Promise<D1Database> {
  await DB.prepare(
    `CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, buf BLOB, score REAL)`,
  ).run();
  await DB.prepare(
    `INSERT INTO ${table} (id, name, buf, score) VALUES (1, 'one', x'0102ff', 1.5), (2, 'two', NULL, -2), (3, 'three', x'', 0)`,
  ).run();
  return DB;
}

export const c = (name: string, source: string, run: ParityCase['run']): ParityCase => ({
  name,
  source,
  run,
});
