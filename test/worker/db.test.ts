import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { D1_MAX_BATCH_STATEMENTS, D1_MAX_BOUND_PARAMS, D1_MAX_SQL_BYTES } from '../../shared/index.ts';
import { expectGatewayError, gateway, randomBytes, unique } from './helpers.ts';

/** A table of its own for one test: storage is shared by the tests of a file. */
async function freshTable(): Promise<string> {
  const table = unique('t').replaceAll('-', '_');
  await env.DB.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB)`);
  return table;
}

describe('db.query', () => {
  it('returns rows, success and meta like stmt.all()', async () => {
    const email = `${unique('q')}@example.com`;
    await env.DB.prepare('INSERT INTO users (email, name) VALUES (?, ?)').bind(email, 'Ada').run();
    const result = await gateway.db.query.query({
      sql: 'SELECT email, name FROM users WHERE email = ?',
      params: [email],
    });
    expect(result.success).toBe(true);
    expect(result.results).toEqual([{ email, name: 'Ada' }]);
    expect(result.meta.rows_read).toBeGreaterThanOrEqual(1);
    expect(result.meta.changed_db).toBe(false);
  });

  it('binds SQL-looking strings as data, never as SQL', async () => {
    const table = await freshTable();
    const hostile = `x'); DROP TABLE ${table}; --`;
    await gateway.db.run.mutate({ sql: `INSERT INTO ${table} (name) VALUES (?)`, params: [hostile] });
    const { results } = await gateway.db.query.query({
      sql: `SELECT name FROM ${table} WHERE name = ?`,
      params: [hostile],
    });
    expect(results).toEqual([{ name: hostile }]);
  });

  it('refuses a statement that writes with READ_ONLY, before it runs', async () => {
    const table = await freshTable();
    await expectGatewayError(
      gateway.db.query.query({ sql: `INSERT INTO ${table} (name) VALUES ('a')` }),
      'READ_ONLY',
      /db\.run/,
    );
    await expectGatewayError(
      gateway.db.query.query({ sql: `WITH doomed AS (SELECT id FROM ${table}) DELETE FROM ${table}` }),
      'READ_ONLY',
    );
    await expectGatewayError(gateway.db.query.query({ sql: `DROP TABLE ${table}` }), 'READ_ONLY');
    const { results } = await gateway.db.query.query({ sql: `SELECT count(*) AS n FROM ${table}` });
    expect(results).toEqual([{ n: 0 }]);
  });

  it('runs every statement of one call, as D1 does, and refuses a write among reads in db.query', async () => {
    const table = await freshTable();
    await gateway.db.run.mutate({
      sql: `INSERT INTO ${table} (name) VALUES ('a'); INSERT INTO ${table} (name) VALUES ('b')`,
    });
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first('n')).toBe(2);
    const { results } = await gateway.db.query.query({
      sql: `SELECT 1 AS a; SELECT count(*) AS n FROM ${table}`,
    });
    expect(results).toEqual([{ n: 2 }]);
    await expectGatewayError(
      gateway.db.query.query({ sql: `SELECT 1; DELETE FROM ${table}` }),
      'READ_ONLY',
      /DELETE can change the database/,
    );
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first('n')).toBe(2);
  });

  it('creates a trigger with db.run: its BEGIN … END is one statement', async () => {
    const table = await freshTable();
    await gateway.db.run.mutate({
      sql: `CREATE TRIGGER ${table}_t AFTER INSERT ON ${table} BEGIN UPDATE ${table} SET name = upper(new.name) WHERE id = new.id; END`,
    });
    await gateway.db.run.mutate({ sql: `INSERT INTO ${table} (name) VALUES ('lower')` });
    expect(await env.DB.prepare(`SELECT name FROM ${table}`).raw()).toEqual([['LOWER']]);
    await expectGatewayError(
      gateway.db.run.mutate({
        sql: `CREATE TRIGGER ${table}_u AFTER INSERT ON ${table} BEGIN DELETE FROM _gateway_writes; END`,
      }),
      'FORBIDDEN',
    );
  });

  it('answers bad SQL with SQL_ERROR and D1 message', async () => {
    const error = await expectGatewayError(
      gateway.db.query.query({ sql: 'SELEC 1' }),
      'SQL_ERROR',
      /syntax error/,
    );
    expect(error.data?.httpStatus).toBe(400);
    await expectGatewayError(
      gateway.db.query.query({ sql: 'SELECT * FROM no_such_table' }),
      'SQL_ERROR',
      /no such table/,
    );
  });

  it(`refuses ${D1_MAX_BOUND_PARAMS + 1} parameters with LIMIT_EXCEEDED, and accepts ${D1_MAX_BOUND_PARAMS}`, async () => {
    const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
    const error = await expectGatewayError(
      gateway.db.query.query({
        sql: `SELECT ${placeholders(D1_MAX_BOUND_PARAMS + 1)}`,
        params: Array.from({ length: D1_MAX_BOUND_PARAMS + 1 }, (_, i) => i),
      }),
      'LIMIT_EXCEEDED',
      // D1's own words, naming where the 101st variable stands.
      /^D1_ERROR: too many SQL variables at offset 307: SQLITE_ERROR$/,
    );
    expect(error.data?.httpStatus).toBe(413);
    // More values than the SQL has variables: the gateway's words (D1 has no count to name).
    await expectGatewayError(
      gateway.db.query.query({
        sql: 'SELECT ?',
        params: Array.from({ length: D1_MAX_BOUND_PARAMS + 1 }, (_, i) => i),
      }),
      'LIMIT_EXCEEDED',
      /at most 100 parameters/,
    );
    const ok = await gateway.db.raw.query({
      sql: `SELECT ${placeholders(D1_MAX_BOUND_PARAMS)}`,
      params: Array.from({ length: D1_MAX_BOUND_PARAMS }, (_, i) => i),
    });
    expect(ok[0]).toHaveLength(D1_MAX_BOUND_PARAMS);
  });

  it('refuses a statement over 100 KB with LIMIT_EXCEEDED', async () => {
    const sql = `SELECT '${'x'.repeat(D1_MAX_SQL_BYTES)}'`;
    await expectGatewayError(
      gateway.db.query.query({ sql }),
      'LIMIT_EXCEEDED',
      /^D1_ERROR: statement too long: SQLITE_TOOBIG$/,
    );
  });

  it('validates input against the contract with BAD_INPUT', async () => {
    // @ts-expect-error an object is not a SQL parameter
    await expectGatewayError(gateway.db.query.query({ sql: 'SELECT ?', params: [{ a: 1 }] }), 'BAD_INPUT');
    await expectGatewayError(
      gateway.db.query.query({ sql: '' }),
      'SQL_ERROR',
      /^D1_ERROR: No SQL statements detected\.$/,
    );
  });
});

describe('db.first and db.raw', () => {
  it('returns the first row, a column of it, or null', async () => {
    const table = await freshTable();
    await env.DB.exec(`INSERT INTO ${table} (id, name) VALUES (1, 'one'), (2, 'two')`);
    const sql = `SELECT id, name FROM ${table} ORDER BY id`;
    expect(await gateway.db.first.query({ sql })).toEqual({ id: 1, name: 'one' });
    expect(await gateway.db.first.query({ sql, column: 'name' })).toBe('one');
    expect(
      await gateway.db.first.query({ sql: `SELECT * FROM ${table} WHERE id = ?`, params: [99] }),
    ).toBeNull();
    await expectGatewayError(gateway.db.first.query({ sql, column: 'nope' }), 'SQL_ERROR');
    await expectGatewayError(gateway.db.first.query({ sql: `DELETE FROM ${table}` }), 'READ_ONLY');
  });

  it('returns rows as arrays, with the column names first when asked', async () => {
    const table = await freshTable();
    await env.DB.exec(`INSERT INTO ${table} (id, name) VALUES (1, 'one'), (2, 'two')`);
    const sql = `SELECT id, name FROM ${table} ORDER BY id`;
    expect(await gateway.db.raw.query({ sql })).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(await gateway.db.raw.query({ sql, columnNames: true })).toEqual([
      ['id', 'name'],
      [1, 'one'],
      [2, 'two'],
    ]);
    await expectGatewayError(gateway.db.raw.query({ sql: `UPDATE ${table} SET name = 'x'` }), 'READ_ONLY');
  });
});

describe('db.run', () => {
  it('writes and returns meta like stmt.run()', async () => {
    const email = `${unique('run')}@example.com`;
    const { success, meta } = await gateway.db.run.mutate({
      sql: 'INSERT INTO users (email, name) VALUES (?, ?)',
      params: [email, 'Grace'],
    });
    expect(success).toBe(true);
    expect(meta.changes).toBe(1);
    expect(meta.last_row_id).toBeGreaterThan(0);
    expect(await env.DB.prepare('SELECT name FROM users WHERE email = ?').bind(email).first('name')).toBe(
      'Grace',
    );
  });

  it('answers a UNIQUE violation with CONSTRAINT (409), keeping the first row', async () => {
    const email = `${unique('dup')}@example.com`;
    const insert = { sql: 'INSERT INTO users (email, name) VALUES (?, ?)', params: [email, 'first'] };
    await gateway.db.run.mutate(insert);
    const error = await expectGatewayError(
      gateway.db.run.mutate({ ...insert, params: [email, 'second'] }),
      'CONSTRAINT',
      /UNIQUE constraint failed: users\.email/,
    );
    expect(error.data?.httpStatus).toBe(409);
    expect(error.data?.retryable).toBe(false);
    const rows = await env.DB.prepare('SELECT name FROM users WHERE email = ?').bind(email).all();
    expect(rows.results).toEqual([{ name: 'first' }]);
  });

  it('binds a bigint within ±2^53 and refuses one outside', async () => {
    const table = await freshTable();
    await gateway.db.run.mutate({ sql: `INSERT INTO ${table} (id) VALUES (?)`, params: [2n ** 53n - 1n] });
    expect(await gateway.db.first.query({ sql: `SELECT id FROM ${table}`, column: 'id' })).toBe(2 ** 53 - 1);
    await expectGatewayError(
      gateway.db.run.mutate({ sql: `INSERT INTO ${table} (id) VALUES (?)`, params: [2n ** 63n - 1n] }),
      'BAD_INPUT',
      // The exact value in the message: the bigint crossed the wire as a bigint, not a rounded number.
      /within ±2\^53 only, got 9223372036854775807/,
    );
  });

  it('stores bytes and reads them back byte-exact', async () => {
    const table = await freshTable();
    const bytes = randomBytes(4096);
    bytes.set([0, 255, 0x80, 0x7f], 0);
    await gateway.db.run.mutate({ sql: `INSERT INTO ${table} (id, data) VALUES (1, ?)`, params: [bytes] });
    const data = await gateway.db.first.query({ sql: `SELECT data FROM ${table}`, column: 'data' });
    expect(data).toBeInstanceOf(Uint8Array);
    expect(data).toEqual(bytes);
    const [row] = await gateway.db.raw.query({ sql: `SELECT data, typeof(data) FROM ${table}` });
    expect(row).toEqual([bytes, 'blob']);
  });

  it('binds booleans as 1 and 0, as D1 does', async () => {
    const row = await gateway.db.first.query({ sql: 'SELECT ? AS yes, ? AS no', params: [true, false] });
    expect(row).toEqual({ yes: 1, no: 0 });
  });
});

describe('db.batch', () => {
  it('runs statements in order in one transaction and returns a result each', async () => {
    const table = await freshTable();
    const results = await gateway.db.batch.mutate({
      statements: [
        { sql: `INSERT INTO ${table} (id, name) VALUES (?, ?)`, params: [1, 'a'] },
        { sql: `INSERT INTO ${table} (id, name) VALUES (?, ?)`, params: [2, 'b'] },
        { sql: `SELECT name FROM ${table} ORDER BY id` },
      ],
    });
    expect(results).toHaveLength(3);
    expect(results[0]?.meta.changes).toBe(1);
    expect(results[2]?.results).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it('rolls back every statement when one in the middle fails', async () => {
    const table = await freshTable();
    await expectGatewayError(
      gateway.db.batch.mutate({
        statements: [
          { sql: `INSERT INTO ${table} (id, name) VALUES (1, 'kept?')` },
          { sql: `INSERT INTO ${table} (id, name) VALUES (2, 'kept?')` },
          { sql: `INSERT INTO ${table} (id, name) VALUES (3, 'kept?')` },
          { sql: `INSERT INTO ${table} (id, name) VALUES (1, 'duplicate id')` },
          { sql: `INSERT INTO ${table} (id, name) VALUES (5, 'after')` },
        ],
      }),
      'CONSTRAINT',
    );
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first('n')).toBe(0);
  });

  it('checks every statement against the limits before running any', async () => {
    const table = await freshTable();
    await expectGatewayError(
      gateway.db.batch.mutate({
        statements: [
          { sql: `INSERT INTO ${table} (id) VALUES (1)` },
          { sql: `SELECT '${'x'.repeat(D1_MAX_SQL_BYTES)}'` },
        ],
      }),
      'LIMIT_EXCEEDED',
      /^D1_ERROR: statement too long: SQLITE_TOOBIG$/,
    );
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first('n')).toBe(0);
  });

  it(`refuses a batch of ${D1_MAX_BATCH_STATEMENTS + 1} statements with LIMIT_EXCEEDED, running none, and runs ${D1_MAX_BATCH_STATEMENTS}`, async () => {
    const table = await freshTable();
    const insert = { sql: `INSERT INTO ${table} (name) VALUES (?)`, params: ['x'] };
    const statements = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ ...insert, params: [`row ${i}`] }));
    const refused = await expectGatewayError(
      gateway.db.batch.mutate({ statements: statements(D1_MAX_BATCH_STATEMENTS + 1) }),
      'LIMIT_EXCEEDED',
      /statements: a batch holds at most 1000 statements/,
    );
    expect(refused.data?.httpStatus).toBe(413);
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first('n')).toBe(0);
    const results = await gateway.db.batch.mutate({ statements: statements(D1_MAX_BATCH_STATEMENTS) });
    expect(results).toHaveLength(D1_MAX_BATCH_STATEMENTS);
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first('n')).toBe(
      D1_MAX_BATCH_STATEMENTS,
    );
  });
});

describe('db.exec', () => {
  it('runs a script of several statements and counts them', async () => {
    const table = unique('exec').replaceAll('-', '_');
    const result = await gateway.db.exec.mutate({
      sql: `CREATE TABLE ${table} (x);\nINSERT INTO ${table} VALUES (1);\nINSERT INTO ${table} VALUES (2);`,
    });
    expect(result.count).toBe(3);
    expect(result.duration).toBeGreaterThanOrEqual(0);
    expect(await env.DB.prepare(`SELECT sum(x) AS s FROM ${table}`).first('s')).toBe(3);
  });

  it('answers a bad script with SQL_ERROR', async () => {
    await expectGatewayError(gateway.db.exec.mutate({ sql: 'CREATE TABLOID nope (x)' }), 'SQL_ERROR');
  });
});

/**
 * Writes that a lexer not SQLite's took for reads (issue 15, finding 2), for a table with a row
 * (id 1, 'one'). Each is a write for D1: the last test runs them on the binding and sees them write.
 */
function tricks(table: string): { name: string; sql: string; params?: number[] }[] {
  return [
    {
      name: 'a non-ASCII CTE name',
      sql: `WITH éSELECT AS (SELECT 1) INSERT INTO ${table} (name) VALUES ('x')`,
    },
    {
      name: 'a no-break space',
      sql: `WITH a\u00a0SELECT AS (SELECT 1) INSERT INTO ${table} (name) VALUES ('y')`,
    },
    { name: 'a BOM', sql: `WITH a\ufeffSELECT AS (SELECT 1) INSERT INTO ${table} (name) VALUES ('z')` },
    {
      name: "a $x(') variable",
      sql: `WITH a AS (SELECT $x(')) INSERT INTO ${table} (name) VALUES ('))SELECT')`,
      params: [1],
    },
    { name: 'DELETE … RETURNING', sql: `WITH éSELECT AS (SELECT 1) DELETE FROM ${table} RETURNING *` },
    {
      name: 'UPDATE … RETURNING',
      sql: `WITH a\u00a0SELECT AS (SELECT 1) UPDATE ${table} SET name = name || '!' RETURNING name`,
    },
    { name: 'a bare RETURNING', sql: `DELETE FROM ${table} RETURNING id` },
  ];
}

describe('the read-only check', () => {
  const rows = (table: string) => env.DB.prepare(`SELECT id, name FROM ${table} ORDER BY id`).raw();

  it('refuses every write disguised as a read, in db.query, db.first and db.raw, writing nothing', async () => {
    const table = await freshTable();
    await env.DB.exec(`INSERT INTO ${table} (id, name) VALUES (1, 'one')`);
    const before = await rows(table);
    for (const { name, sql, params } of tricks(table)) {
      const input = { sql, ...(params ? { params } : {}) };
      for (const call of [
        () => gateway.db.query.query(input),
        () => gateway.db.first.query(input),
        () => gateway.db.first.query({ ...input, column: 'name' }),
        () => gateway.db.raw.query(input),
        () => gateway.db.raw.query({ ...input, columnNames: true }),
      ]) {
        const error = await call().then(
          () => expect.unreachable(`${name}: the gateway ran it as a read`),
          (e: unknown) => e as { data?: { gatewayCode?: string } },
        );
        expect(error.data?.gatewayCode, name).toBe('READ_ONLY');
      }
      expect(await rows(table), name).toEqual(before);
    }
  });

  it('runs legitimate reads that look like writes', async () => {
    const table = await freshTable();
    await env.DB.exec(`INSERT INTO ${table} (id, name) VALUES (1, 'one')`);
    expect(await gateway.db.first.query({ sql: "SELECT 'INSERT' AS s" })).toEqual({ s: 'INSERT' });
    expect(
      await gateway.db.query.query({ sql: `WITH x AS (SELECT name FROM ${table}) SELECT * FROM x` }),
    ).toMatchObject({ results: [{ name: 'one' }] });
    const columns = await gateway.db.raw.query({ sql: `PRAGMA table_info(${table})` });
    expect(columns.map((column) => column[1])).toEqual(['id', 'name', 'data']);
    expect(
      await gateway.db.first.query({ sql: `SELECT $x(') AS v, :y::z AS w FROM ${table}`, params: [7, 8] }),
    ).toEqual({ v: 7, w: 8 });
  });

  it('lets db.run and db.statement run the same statements as the writes they are', async () => {
    const table = await freshTable();
    await env.DB.exec(`INSERT INTO ${table} (id, name) VALUES (1, 'one')`);
    const [insert, , , , , update] = tricks(table);
    await gateway.db.run.mutate({ sql: insert?.sql ?? '' });
    expect(
      await gateway.db.statement.mutate({
        sql: update?.sql ?? '',
        method: 'raw',
        idempotencyKey: unique('k'),
      }),
    ).toEqual([['one!'], ['x!']]);
    expect(await rows(table)).toEqual([
      [1, 'one!'],
      [2, 'x!'],
    ]);
  });

  it('is tested with writes: each of these statements writes when D1 runs it', async () => {
    for (const index of tricks('').keys()) {
      const table = await freshTable();
      await env.DB.exec(`INSERT INTO ${table} (id, name) VALUES (1, 'one')`);
      const before = await rows(table);
      const { name, sql, params } = tricks(table)[index] as { name: string; sql: string; params?: number[] };
      const statement = env.DB.prepare(sql);
      await (params ? statement.bind(...params) : statement).all();
      expect(await rows(table), name).not.toEqual(before);
    }
  });
});
