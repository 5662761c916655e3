import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayClient, gatewayCodeOf } from '../../shared/client.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import { dropWaitingResults, WRITES_TABLE } from '../../worker/idempotency.ts';
import {
  expectGatewayError,
  GATEWAY_URL,
  gateway,
  gatewayFetch,
  settled,
  unique,
  waitUntil,
} from './helpers.ts';

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

async function table(database: D1Database = env.DB): Promise<string> {
  const name = unique('once').replaceAll('-', '_');
  await database.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)`);
  return name;
}

const count = (name: string, database: D1Database = env.DB) =>
  database.prepare(`SELECT count(*) AS n FROM ${name}`).first<number>('n');

/** Which D1 call of the write path fails, and how. */
type Fault =
  | 'batch fails before D1 runs it'
  | 'batch commits, then its answer is lost'
  | 'the result record fails';

/**
 * The real local D1, with one fault injected into the write path (D1 cannot be made to fail on cue
 * otherwise). Records the calls that reach D1: `batch`, or a statement's `run`, `all`, `first`, `raw`.
 * The first is the write's own batch; the one after it, the result record.
 */
function faultyD1(fault: Fault | undefined) {
  const calls: string[] = [];
  let faults = 1;
  const lost = () => new Error('D1_ERROR: Network connection lost.');
  /** One D1 call: maybe failing before it reaches D1, or after it has committed. */
  const call = async <T>(method: string, send: () => Promise<T>): Promise<T> => {
    calls.push(method);
    const isRecord = calls.length > 1;
    const failBefore =
      (fault === 'batch fails before D1 runs it' && !isRecord) ||
      (fault === 'the result record fails' && isRecord);
    if (faults > 0 && failBefore) {
      faults--;
      throw lost();
    }
    const result = await send();
    if (faults > 0 && fault === 'batch commits, then its answer is lost' && !isRecord) {
      faults--;
      throw lost();
    }
    return result;
  };
  // D1's batch() takes its own statement objects, not proxies: each proxy knows its statement.
  const real = new WeakMap<object, D1PreparedStatement>();
  const statement = (target: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(target, {
      get(t, property) {
        if (property === 'bind') return (...values: unknown[]) => statement(t.bind(...values));
        if (property === 'run' || property === 'all' || property === 'first' || property === 'raw') {
          return (...args: never[]) =>
            call(property, () => (t[property] as (...a: never[]) => Promise<unknown>).apply(t, args));
        }
        return Reflect.get(t, property);
      },
    });
    real.set(proxy, target);
    return proxy;
  };
  const DB = new Proxy(env.DB, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => statement(target.prepare(sql));
      if (property === 'batch') {
        return (statements: D1PreparedStatement[]) =>
          call('batch', () => target.batch(statements.map((s) => real.get(s) ?? s)));
      }
      return Reflect.get(target, property);
    },
  });
  return { calls, client: clientOver(DB) };
}

/** The typed client, without retries, over the real handler with `DB` in place of the binding. */
function clientOver(DB: D1Database) {
  const fetch: Fetch = (input, init) =>
    handleGatewayRequest(
      new Request(input, init),
      { ...env, DB },
      { transport: 'test', id: 'vitest' },
      { log: () => {}, waitUntil },
    );
  return createGatewayClient({ url: GATEWAY_URL, fetch: fetch as typeof globalThis.fetch, retries: 0 });
}

/** Moves a key's claim into the past, as if `minutes` had gone by since it was made. */
async function age(key: string, minutes: number): Promise<void> {
  await env.DB.prepare(`UPDATE ${WRITES_TABLE} SET created_at = created_at - ? WHERE key = ?`)
    .bind(minutes * 60_000, key)
    .run();
}

describe('a keyed write', () => {
  it('runs once: a repeat of its key gets the first result without running again', async () => {
    const name = await table();
    const write = { sql: `INSERT INTO ${name} (v) VALUES ('once')`, idempotencyKey: unique('key') };
    const first = await gateway.db.run.mutate(write);
    await settled();
    const again = await gateway.db.run.mutate(write);
    expect(again).toEqual(first);
    expect(await count(name)).toBe(1);
  });

  it('costs one D1 call while the caller waits: the claim and the write go in one batch', async () => {
    const name = await table();
    await settled();
    const { calls, client } = faultyD1(undefined);
    await client.db.run.mutate({ sql: `INSERT INTO ${name} (v) VALUES ('one')` });
    expect(calls).toEqual(['batch']);
    // The result is recorded after the answer.
    await settled();
    expect(calls).toEqual(['batch', 'batch']);
  });

  it('records its result in the next keyed write to the same database: one D1 batch a write', async () => {
    const name = await table();
    await settled();
    const { calls, client } = faultyD1(undefined);
    const writes = ['a', 'b', 'c'].map((v) => ({
      sql: `INSERT INTO ${name} (v) VALUES (?)`,
      params: [v],
      idempotencyKey: unique('carried'),
    }));
    const answers = [];
    for (const write of writes) answers.push(await client.db.run.mutate(write));
    await settled();
    // Each result rode with the next write; the last, with no write to carry it, went on its own:
    // four batches, where a record apiece would make six. (A write slower than the wait, on a busy
    // machine, lets a result go on its own: five.)
    expect(calls.every((method) => method === 'batch')).toBe(true);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.length).toBeLessThan(6);
    for (const [i, write] of writes.entries()) expect(await client.db.run.mutate(write)).toEqual(answers[i]);
    expect(await count(name)).toBe(3);
  });

  it('is refused with IDEMPOTENCY_MISMATCH (422) when its key comes again with another input, and runs nothing', async () => {
    const name = await table();
    const idempotencyKey = unique('reuse');
    await gateway.db.run.mutate({
      sql: `INSERT INTO ${name} (v) VALUES (?)`,
      params: ['first'],
      idempotencyKey,
    });
    await settled();
    const error = await expectGatewayError(
      gateway.db.run.mutate({ sql: `DELETE FROM ${name}`, idempotencyKey }),
      'IDEMPOTENCY_MISMATCH',
      /was used for another call/,
    );
    expect(error.data?.httpStatus).toBe(422);
    expect(error.data?.retryable).toBe(false);
    expect(await count(name)).toBe(1);
    // Other parameters are another input too; another procedure is another call.
    await expectGatewayError(
      gateway.db.run.mutate({
        sql: `INSERT INTO ${name} (v) VALUES (?)`,
        params: ['second'],
        idempotencyKey,
      }),
      'IDEMPOTENCY_MISMATCH',
    );
    await expectGatewayError(
      gateway.db.batch.mutate({
        statements: [{ sql: `INSERT INTO ${name} (v) VALUES (?)`, params: ['first'] }],
        idempotencyKey,
      }),
      'IDEMPOTENCY_MISMATCH',
    );
    expect(await count(name)).toBe(1);
  });

  it('gives its key back when the write fails: nothing committed, so a retry may run', async () => {
    const missing = unique('later').replaceAll('-', '_');
    const idempotencyKey = unique('fail');
    const write = { sql: `INSERT INTO ${missing} (v) VALUES ('x')`, idempotencyKey };
    await expectGatewayError(gateway.db.run.mutate(write), 'SQL_ERROR', /no such table/);
    await env.DB.exec(`CREATE TABLE ${missing} (v TEXT)`);
    await gateway.db.run.mutate(write);
    expect(await count(missing)).toBe(1);
  });

  it('runs once when 100 repeats of its key arrive at once; each gets the result or RESULT_PENDING', async () => {
    const name = await table();
    const write = { sql: `INSERT INTO ${name} (v) VALUES ('crowd')`, idempotencyKey: unique('crowd') };
    const client = createGatewayClient({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch, retries: 0 });
    const answers = await Promise.allSettled(Array.from({ length: 100 }, () => client.db.run.mutate(write)));
    expect(await count(name)).toBe(1);
    const codes = new Set(answers.map((a) => (a.status === 'fulfilled' ? 'OK' : gatewayCodeOf(a.reason))));
    expect([...codes].every((code) => code === 'OK' || code === 'RESULT_PENDING')).toBe(true);
    expect(codes.has('OK')).toBe(true);
    await settled();
    // Once recorded, every repeat gets the first result.
    const first = answers.find((a) => a.status === 'fulfilled');
    expect(await client.db.run.mutate(write)).toEqual(
      first?.status === 'fulfilled' ? first.value : undefined,
    );
    expect(await count(name)).toBe(1);
  });

  it('keeps each result of a keyed batch, statement by statement', async () => {
    const name = await table();
    const write = {
      statements: [
        { sql: `INSERT INTO ${name} (v) VALUES (?)`, params: ['a'] },
        { sql: `INSERT INTO ${name} (v) VALUES (?) RETURNING id, v`, params: ['b'] },
      ],
      idempotencyKey: unique('batch'),
    };
    const first = await gateway.db.batch.mutate(write);
    expect(first[1]?.results).toEqual([{ id: 2, v: 'b' }]);
    await settled();
    expect(await gateway.db.batch.mutate(write)).toEqual(first);
    expect(await count(name)).toBe(2);
  });

  it('runs a keyed script (db.exec) all at once or not at all, once', async () => {
    const name = unique('script').replaceAll('-', '_');
    // Counted as D1's exec() counts: by lines.
    const sql = `CREATE TABLE ${name} (v TEXT);\nINSERT INTO ${name} VALUES ('a'); INSERT INTO ${name} VALUES ('b')`;
    const idempotencyKey = unique('exec');
    expect(await gateway.db.exec.mutate({ sql, idempotencyKey })).toMatchObject({ count: 2 });
    await settled();
    expect(await gateway.db.exec.mutate({ sql, idempotencyKey })).toMatchObject({ count: 2 });
    expect(await count(name)).toBe(2);
    // A script that fails part-way leaves nothing behind.
    const broken = unique('broken').replaceAll('-', '_');
    await expectGatewayError(
      gateway.db.exec.mutate({
        sql: `CREATE TABLE ${broken} (v); INSERT INTO nowhere_at_all VALUES (1)`,
        idempotencyKey: unique('exec'),
      }),
      'SQL_ERROR',
    );
    const created = await env.DB.prepare('SELECT count(*) AS n FROM sqlite_master WHERE name = ?')
      .bind(broken)
      .first<number>('n');
    expect(created).toBe(0);
  });

  it('answers a RETURNING statement sent as env.DB does (db.statement) the same way on a repeat', async () => {
    const name = await table();
    const write = {
      sql: `INSERT INTO ${name} (v) VALUES ('r') RETURNING id, v`,
      method: 'raw' as const,
      columnNames: true,
      idempotencyKey: unique('stmt'),
    };
    const unkeyed = await gateway.db.statement.mutate({ ...write, idempotencyKey: undefined });
    const first = await gateway.db.statement.mutate(write);
    // The same shape as the binding's own raw(): column names, then the row.
    expect(first).toEqual([
      ['id', 'v'],
      [2, 'r'],
    ]);
    expect(unkeyed).toEqual([
      ['id', 'v'],
      [1, 'r'],
    ]);
    await settled();
    expect(await gateway.db.statement.mutate(write)).toEqual(first);
    expect(await count(name)).toBe(2);
  });
  it('runs once through db.statement even when it looks like a read (a write SQLite names otherwise)', async () => {
    const name = await table();
    // For SQLite, `éSELECT` and `a\u00a0SELECT` are names; a lexer that split them saw a SELECT.
    for (const sql of [
      `WITH éSELECT AS (SELECT 1) INSERT INTO ${name} (v) VALUES ('x')`,
      `WITH a\u00a0SELECT AS (SELECT 1) INSERT INTO ${name} (v) VALUES ('x') RETURNING id`,
      `WITH a AS (SELECT $x(')) INSERT INTO ${name} (v) VALUES ('))SELECT')`,
    ]) {
      const write = {
        sql,
        params: sql.includes('$x') ? [1] : [],
        method: 'all' as const,
        idempotencyKey: unique('looks-read'),
      };
      const first = await gateway.db.statement.mutate(write);
      await settled();
      expect(await gateway.db.statement.mutate(write)).toEqual(first);
    }
    expect(await count(name)).toBe(3);
  });

  it("is claimed through db.statement unless SQLite's tokens prove it a read", async () => {
    const name = await table();
    const claims = (key: string) =>
      env.DB.prepare(`SELECT count(*) AS n FROM ${WRITES_TABLE} WHERE key = ?`).bind(key).first<number>('n');
    const send = async (sql: string, params: number[] = []) => {
      const idempotencyKey = unique('judged');
      await gateway.db.statement.mutate({ sql, params, method: 'all', idempotencyKey });
      await settled();
      return claims(idempotencyKey);
    };
    // A read runs as a read, its key unused: it may run as often as it is sent.
    expect(await send(`SELECT count(*) AS n FROM ${name}`)).toBe(0);
    expect(await send(`WITH x AS (SELECT v FROM ${name}) SELECT * FROM x`)).toBe(0);
    // What only looks like one is claimed, and runs once.
    expect(await send(`WITH éSELECT AS (SELECT 1) INSERT INTO ${name} (v) VALUES ('x')`)).toBe(1);
    expect(await send(`WITH a AS (SELECT $x(')) INSERT INTO ${name} (v) VALUES ('))SELECT')`, [1])).toBe(1);
    expect(await send(`WITH éSELECT AS (SELECT 1) DELETE FROM ${name} WHERE v = 'x' RETURNING id`)).toBe(1);
  });
});

describe("a keyed write's result record", () => {
  it('is still written when the write that carried it fails, after its own flush found nothing to write', async () => {
    const name = await table();
    await settled();
    // A batch that carries a waiting record (the claim, the statement, the record) reaches D1 only
    // after that record's own flush has come and found nothing to write.
    const DB = new Proxy(env.DB, {
      get(target, property) {
        if (property !== 'batch') return Reflect.get(target, property);
        return async (statements: D1PreparedStatement[]) => {
          if (statements.length > 2) await new Promise((resolve) => setTimeout(resolve, 60));
          return target.batch(statements);
        };
      },
    });
    const client = clientOver(DB);
    const key = unique('carried');
    await client.db.run.mutate({ sql: `INSERT INTO ${name} (v) VALUES ('a')`, idempotencyKey: key });
    // Carries the first result, then fails on its own statement: the result is rolled back with it.
    await expectGatewayError(
      client.db.run.mutate({ sql: 'INSERT INTO no_such_table VALUES (1)', idempotencyKey: unique('fails') }),
      'SQL_ERROR',
    );
    await settled();
    dropWaitingResults();
    const state = await env.DB.prepare(`SELECT state FROM ${WRITES_TABLE} WHERE key = ?`)
      .bind(key)
      .first('state');
    expect(state).toBe('done');
  });
});

describe("a caller's trigger that raises the gateway's own words", () => {
  it.each([
    `UNIQUE constraint failed: ${WRITES_TABLE}.caller, ${WRITES_TABLE}.key`,
    `no such table: ${WRITES_TABLE}`,
  ])('"%s" fails the write with its own error, in one batch: no replay, no second batch', async (raised) => {
    const name = await table();
    await env.DB.exec(
      `CREATE TRIGGER ${name}_raise BEFORE INSERT ON ${name} BEGIN SELECT RAISE(ABORT, '${raised}'); END`,
    );
    await settled();
    const { calls, client } = faultyD1(undefined);
    const error = await client.db.run
      .mutate({ sql: `INSERT INTO ${name} (v) VALUES ('x')`, idempotencyKey: unique('key') })
      .then(
        () => expect.unreachable('the trigger should have failed the write'),
        (e: unknown) => e as Error,
      );
    expect(error.message).toContain(raised);
    expect(calls.filter((call) => call === 'batch')).toEqual(['batch']);
    expect(await count(name)).toBe(0);
  });

  it('still answers a real repeat of a key from its record', async () => {
    const name = await table();
    const write = { sql: `INSERT INTO ${name} (v) VALUES ('once')`, idempotencyKey: unique('key') };
    const { client } = faultyD1(undefined);
    const first = await client.db.run.mutate(write);
    await settled();
    expect(await client.db.run.mutate(write)).toEqual(first);
    expect(await count(name)).toBe(1);
  });
});

describe('a keyed write under faults, retried with the same key', () => {
  it('runs once when the batch fails before D1 runs it', async () => {
    const name = await table();
    const { client } = faultyD1('batch fails before D1 runs it');
    const write = { sql: `INSERT INTO ${name} (v) VALUES ('f')`, idempotencyKey: unique('before') };
    await expectGatewayError(client.db.run.mutate(write), 'UNAVAILABLE');
    await settled();
    expect(await count(name)).toBe(0);
    const answer = await client.db.run.mutate(write);
    expect(answer.meta.changes).toBe(1);
    expect(await count(name)).toBe(1);
  });

  it('never runs again when the batch committed and its answer was lost: the repeat gets ALREADY_APPLIED', async () => {
    const name = await table();
    const { client } = faultyD1('batch commits, then its answer is lost');
    const write = { sql: `INSERT INTO ${name} (v) VALUES ('f')`, idempotencyKey: unique('lost') };
    await expectGatewayError(client.db.run.mutate(write), 'UNAVAILABLE');
    await settled();
    expect(await count(name)).toBe(1);
    const error = await expectGatewayError(client.db.run.mutate(write), 'ALREADY_APPLIED');
    expect(error.data).toMatchObject({ httpStatus: 409, retryable: false });
    expect(await count(name)).toBe(1);
  });

  it('never runs again when recording the result failed: the first result while this isolate holds it, then RESULT_PENDING, then ALREADY_APPLIED', async () => {
    const name = await table();
    await settled();
    const { client } = faultyD1('the result record fails');
    const key = unique('record');
    const write = { sql: `INSERT INTO ${name} (v) VALUES ('f')`, idempotencyKey: key };
    const first = await client.db.run.mutate(write);
    expect(first.meta.changes).toBe(1);
    await settled();
    // The record failed; the result waits in this isolate for the next write to carry it.
    expect(await client.db.run.mutate(write)).toEqual(first);
    // The isolate ends before any write carries it.
    dropWaitingResults();
    const pending = await expectGatewayError(client.db.run.mutate(write), 'RESULT_PENDING');
    expect(pending.data).toMatchObject({ httpStatus: 409, retryable: true });
    await age(key, 1);
    await expectGatewayError(client.db.run.mutate(write), 'ALREADY_APPLIED');
    expect(await count(name)).toBe(1);
  });

  it('gets the first result when the HTTP answer is lost on its way back to the client', async () => {
    const name = await table();
    let deliveries = 0;
    // The gateway answers, and the network drops the answer once; the client retries by itself.
    const dropsFirstAnswer: Fetch = async (input, init) => {
      const response = await gatewayFetch(input, init);
      if (++deliveries === 1) {
        await settled();
        throw new TypeError('fetch failed: connection reset');
      }
      return response;
    };
    const client = createGatewayClient({ url: GATEWAY_URL, fetch: dropsFirstAnswer as typeof fetch });
    const answer = await client.db.run.mutate({ sql: `INSERT INTO ${name} (v) VALUES ('f')` });
    expect(deliveries).toBe(2);
    expect(answer.meta.changes).toBe(1);
    expect(await count(name)).toBe(1);
  });
});

describe("the gateway's bookkeeping", () => {
  it("is out of callers' reach: SQL naming a reserved table is refused with FORBIDDEN before it runs", async () => {
    const attempts = [
      () => gateway.db.query.query({ sql: `SELECT * FROM ${WRITES_TABLE}` }),
      () => gateway.db.run.mutate({ sql: `DROP TABLE ${WRITES_TABLE}` }),
      () => gateway.db.run.mutate({ sql: `DELETE FROM "main"."_GATEWAY_writes"` }),
      () => gateway.db.first.query({ sql: 'SELECT count(*) FROM [_gateway_writes]' }),
      () =>
        gateway.db.batch.mutate({
          statements: [{ sql: 'SELECT 1' }, { sql: `UPDATE \`${WRITES_TABLE}\` SET result = NULL` }],
        }),
      () => gateway.db.exec.mutate({ sql: `SELECT 1; DROP TABLE ${WRITES_TABLE}` }),
      () => gateway.db.statement.mutate({ sql: `SELECT key FROM ${WRITES_TABLE}`, method: 'all' }),
      // SQLite takes a string literal for a name where a name is expected.
      () => gateway.db.run.mutate({ sql: `DELETE FROM '${WRITES_TABLE}'` }),
      () => gateway.db.query.query({ sql: `SELECT count(*) FROM 'main'.'${WRITES_TABLE}'` }),
    ];
    for (const attempt of attempts) {
      await expectGatewayError(attempt(), 'FORBIDDEN', /names starting with _gateway_ are reserved/);
    }
    // The table is still there and still used.
    const name = await table();
    await gateway.db.run.mutate({ sql: `INSERT INTO ${name} (v) VALUES ('ok')` });
    // Which a string is, a name or data, the gateway cannot tell: as data, it is a parameter.
    await expectGatewayError(gateway.db.first.query({ sql: `SELECT '${WRITES_TABLE}' AS s` }), 'FORBIDDEN');
    expect(await gateway.db.first.query({ sql: 'SELECT ? AS s', params: [WRITES_TABLE] })).toEqual({
      s: WRITES_TABLE,
    });
  });

  it('has a schema callers can read (sqlite_master, pragma_table_info), and rows they cannot', async () => {
    const name = await table();
    await gateway.db.run.mutate({
      sql: `INSERT INTO ${name} (v) VALUES ('ok')`,
      idempotencyKey: unique('key'),
    });
    const schema = await gateway.db.query.query({
      sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table'",
    });
    const own = schema.results.find((row) => row.name === WRITES_TABLE);
    expect(own?.sql).toContain('fingerprint TEXT NOT NULL');
    const columns = await gateway.db.raw.query({
      sql: 'SELECT name FROM pragma_table_info(?)',
      params: [WRITES_TABLE],
    });
    expect(columns.flat()).toEqual(['caller', 'key', 'fingerprint', 'state', 'result', 'created_at']);
    await expectGatewayError(gateway.db.query.query({ sql: `SELECT * FROM ${WRITES_TABLE}` }), 'FORBIDDEN');
  });

  it('is created by the gateway where it is missing, on the first keyed write', async () => {
    await env.DB.exec(`DROP TABLE IF EXISTS ${WRITES_TABLE}`);
    const name = await table();
    const write = { sql: `INSERT INTO ${name} (v) VALUES ('fresh')`, idempotencyKey: unique('fresh') };
    const first = await gateway.db.run.mutate(write);
    await settled();
    expect(await gateway.db.run.mutate(write)).toEqual(first);
    expect(await count(name)).toBe(1);
  });

  it('lives in the database the write goes to: a second D1 binding that never ran a migration', async () => {
    const name = await table(env.ARCHIVE);
    const write = {
      binding: 'ARCHIVE' as const,
      sql: `INSERT INTO ${name} (v) VALUES ('a')`,
      idempotencyKey: unique('two'),
    };
    const first = await gateway.db.run.mutate(write);
    await settled();
    expect(await gateway.db.run.mutate(write)).toEqual(first);
    expect(await count(name, env.ARCHIVE)).toBe(1);
    const claims = await env.ARCHIVE.prepare(`SELECT count(*) AS n FROM ${WRITES_TABLE} WHERE key = ?`)
      .bind(write.idempotencyKey)
      .first<number>('n');
    expect(claims).toBe(1);
    const elsewhere = await env.DB.prepare(`SELECT count(*) AS n FROM ${WRITES_TABLE} WHERE key = ?`)
      .bind(write.idempotencyKey)
      .first<number>('n');
    expect(elsewhere).toBe(0);
  });
});

describe('KV and R2 writes', () => {
  it('are idempotent by nature: delivered twice, a put stores the same value and a delete deletes', async () => {
    const twice: Fetch = async (input, init) => {
      await gatewayFetch(input, init);
      return gatewayFetch(input, init);
    };
    const client = createGatewayClient({ url: GATEWAY_URL, fetch: twice as typeof fetch });
    const key = unique('twice');
    await client.kv.put.mutate({ key, value: 'v' });
    expect(await env.KV.get(key)).toBe('v');
    await client.kv.delete.mutate({ key });
    expect(await env.KV.get(key)).toBeNull();
    const stored = await client.r2.put.mutate({ key, body: 'body' });
    expect(stored?.size).toBe(4);
    expect(await (await env.BUCKET.get(key))?.text()).toBe('body');
    await client.r2.delete.mutate({ keys: key });
    expect(await env.BUCKET.head(key)).toBeNull();
  });

  it('are retried by the client without a key, except a conditional R2 put, which a retry could answer wrongly', async () => {
    const bodies: string[] = [];
    let failures = 0;
    // The first attempt of each call is answered with a bare 503, as a restarting gateway would.
    const flaky: Fetch = async (input, init) => {
      bodies.push(String(init?.body));
      if (failures++ % 2 === 0) return new Response('Service Unavailable', { status: 503 });
      return gatewayFetch(input, init);
    };
    const client = createGatewayClient({ url: GATEWAY_URL, fetch: flaky as typeof fetch });
    const key = unique('retry');
    await client.kv.put.mutate({ key, value: 'v' });
    expect(bodies).toHaveLength(2);
    expect(bodies.join()).not.toContain('idempotencyKey');
    expect(await env.KV.get(key)).toBe('v');
    bodies.length = 0;
    failures = 0;
    const conditional = client.r2.put.mutate({ key, body: 'b', onlyIf: { etagDoesNotMatch: '*' } });
    expect(gatewayCodeOf(await conditional.catch((e: unknown) => e))).toBe('UNAVAILABLE');
    expect(bodies).toHaveLength(1);
  });
});
