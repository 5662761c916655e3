import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayEnv, GatewayBindingError } from '../../shared/env/index.ts';
import { failure, GATEWAY_URL, gatewayFetch, randomBytes, unique } from './helpers.ts';

// env.DB through the gateway against env.DB itself: the same calls, the same results and errors.

const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });

async function freshTable(): Promise<string> {
  const table = unique('d1').replaceAll('-', '_');
  await env.DB.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB)`);
  await env.DB.prepare(`INSERT INTO ${table} (id, name, data) VALUES (1, 'one', ?), (2, 'two', NULL)`)
    .bind(new Uint8Array([1, 2, 255]))
    .run();
  return table;
}

const stable = <T extends { meta: object }>(result: T) => ({ ...result, meta: undefined });

describe('env.DB through the gateway', () => {
  it('gives all() the same rows as the binding, BLOBs as number[] included', async () => {
    const table = await freshTable();
    const sql = `SELECT id, name, data FROM ${table} WHERE id >= ? ORDER BY id`;
    const ours = await gw.DB.prepare(sql).bind(1).all();
    const theirs = await env.DB.prepare(sql).bind(1).all();
    expect(stable(ours)).toEqual(stable(theirs));
    expect(ours.results[0]).toEqual({ id: 1, name: 'one', data: [1, 2, 255] });
    expect(Object.keys(ours.meta).sort()).toEqual(
      expect.arrayContaining(['changes', 'last_row_id', 'rows_read']),
    );
  });

  it('gives first() the same row, column value and null as the binding', async () => {
    const table = await freshTable();
    const sql = `SELECT id, name FROM ${table} ORDER BY id`;
    expect(await gw.DB.prepare(sql).first()).toEqual(await env.DB.prepare(sql).first());
    expect(await gw.DB.prepare(sql).first('name')).toBe(await env.DB.prepare(sql).first('name'));
    const none = `SELECT * FROM ${table} WHERE id = 99`;
    expect(await gw.DB.prepare(none).first()).toBeNull();
    expect(await gw.DB.prepare(none).first('id')).toBeNull();
    const ourError = await failure(() => gw.DB.prepare(sql).first('nope'));
    const theirError = await failure(() => env.DB.prepare(sql).first('nope'));
    expect(ourError.message).toBe(theirError.message);
  });

  it('gives raw() the same arrays, with duplicate column names kept', async () => {
    const sql = 'SELECT 1 AS a, 2 AS a';
    expect(await gw.DB.prepare(sql).raw()).toEqual(await env.DB.prepare(sql).raw());
    expect(await gw.DB.prepare(sql).raw({ columnNames: true })).toEqual([
      ['a', 'a'],
      [1, 2],
    ]);
  });

  it('runs writes through run(), all(), first() and raw() as the binding does, RETURNING included', async () => {
    const table = await freshTable();
    const run = await gw.DB.prepare(`INSERT INTO ${table} (id, name) VALUES (?, ?)`).bind(3, 'three').run();
    expect(run.success).toBe(true);
    expect(run.meta.changes).toBe(1);
    expect(run.results).toEqual([]);
    const returning = await gw.DB.prepare(
      `INSERT INTO ${table} (id, name) VALUES (4, 'four') RETURNING id, name`,
    ).first();
    expect(returning).toEqual({ id: 4, name: 'four' });
    const rawReturning = await gw.DB.prepare(
      `UPDATE ${table} SET name = 'FOUR' WHERE id = 4 RETURNING name`,
    ).raw();
    expect(rawReturning).toEqual([['FOUR']]);
    const all = await gw.DB.prepare(`DELETE FROM ${table} WHERE id = 3 RETURNING id`).all();
    expect(all.results).toEqual([{ id: 3 }]);
    expect(await env.DB.prepare(`SELECT id FROM ${table} ORDER BY id`).raw()).toEqual([[1], [2], [4]]);
  });

  it('fails with the binding message for a UNIQUE violation and for bad SQL, carrying the gateway code', async () => {
    const table = await freshTable();
    const duplicate = `INSERT INTO ${table} (name) VALUES ('one')`;
    const ours = await failure(() => gw.DB.prepare(duplicate).run());
    const theirs = await failure(() => env.DB.prepare(duplicate).run());
    expect(ours).toBeInstanceOf(GatewayBindingError);
    expect(ours.message).toBe(theirs.message);
    expect((ours as GatewayBindingError).gatewayCode).toBe('CONSTRAINT');

    const bad = 'SELEC nothing';
    expect((await failure(() => gw.DB.prepare(bad).all())).message).toBe(
      (await failure(() => env.DB.prepare(bad).all())).message,
    );
  });

  it('refuses undefined in bind() like the binding', async () => {
    expect(() => gw.DB.prepare('SELECT ?').bind(undefined)).toThrow(/D1_TYPE_ERROR/);
    expect(() => env.DB.prepare('SELECT ?').bind(undefined)).toThrow(/D1_TYPE_ERROR/);
  });

  it('binds ArrayBuffers and typed arrays as BLOBs', async () => {
    const table = await freshTable();
    const bytes = randomBytes(1000);
    await gw.DB.prepare(`INSERT INTO ${table} (id, data) VALUES (10, ?), (11, ?)`)
      .bind(bytes.buffer, new Uint16Array(bytes.buffer, 0, 8))
      .run();
    const rows = await env.DB.prepare(`SELECT data FROM ${table} WHERE id >= 10 ORDER BY id`).raw<
      [number[]]
    >();
    expect(rows[0]?.[0]).toEqual(Array.from(bytes));
    expect(rows[1]?.[0]).toEqual(Array.from(bytes.subarray(0, 16)));
  });

  it('runs batch() as one transaction, like the binding', async () => {
    const table = await freshTable();
    const results = await gw.DB.batch([
      gw.DB.prepare(`INSERT INTO ${table} (id, name) VALUES (?, ?)`).bind(5, 'five'),
      gw.DB.prepare(`SELECT name FROM ${table} WHERE id = ?`).bind(5),
    ]);
    expect(results.map((r) => r.results)).toEqual([[], [{ name: 'five' }]]);

    const ours = await failure(() =>
      gw.DB.batch([
        gw.DB.prepare(`INSERT INTO ${table} (id, name) VALUES (6, 'six')`),
        gw.DB.prepare(`INSERT INTO ${table} (id, name) VALUES (7, 'one')`),
      ]),
    );
    expect((ours as GatewayBindingError).gatewayCode).toBe('CONSTRAINT');
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE id = 6`).first('n')).toBe(0);
    await expect(gw.DB.batch([env.DB.prepare('SELECT 1')])).rejects.toThrow(TypeError);
  });

  it('runs exec() scripts and counts their statements like the binding', async () => {
    const table = unique('exec').replaceAll('-', '_');
    const script = `CREATE TABLE ${table} (x); INSERT INTO ${table} VALUES (1); INSERT INTO ${table} VALUES (2)`;
    const ours = await gw.DB.exec(script);
    const theirs = await env.DB.exec(script.replaceAll(table, `${table}_b`));
    expect(ours.count).toBe(theirs.count);
  });

  it('keeps a session: a bookmark after the first query, carried into the next session', async () => {
    const table = await freshTable();
    const session = gw.DB.withSession('first-primary');
    expect(session.getBookmark()).toBeNull();
    await session.prepare(`INSERT INTO ${table} (id, name) VALUES (20, 'twenty')`).run();
    const first = session.getBookmark();
    expect(first).toMatch(/^[0-9a-f-]+$/);
    expect(await session.prepare(`SELECT name FROM ${table} WHERE id = 20`).first('name')).toBe('twenty');
    const later = session.getBookmark();
    expect(later && first && later >= first).toBe(true);

    const resumed = gw.DB.withSession(later ?? undefined);
    const [row] = await resumed.batch([resumed.prepare(`SELECT id FROM ${table} WHERE id = 20`)]);
    expect(row?.results).toEqual([{ id: 20 }]);
    expect(resumed.getBookmark()).not.toBeNull();
  });

  it('sends calls made in the same tick, on any binding, in one HTTP request', async () => {
    let requests = 0;
    const counted = createGatewayEnv({
      url: GATEWAY_URL,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
        requests++;
        return gatewayFetch(input, init);
      }) as typeof fetch,
    });
    const values = await Promise.all(
      [1, 2, 3, 4].map((n) => counted.DB.prepare('SELECT ? AS n').bind(n).first('n')),
    );
    expect(values).toEqual([1, 2, 3, 4]);
    expect(requests).toBe(1);
    // Across bindings too: the reads of one tick go together (tRPC's batch link sends a tick's
    // writes in a request of their own).
    const [row, value, object] = await Promise.all([
      counted.DB.prepare('SELECT 1 AS one').first(),
      counted.KV.get(unique('none')),
      counted.BUCKET.head(unique('none')),
    ]);
    expect([row, value, object]).toEqual([{ one: 1 }, null, null]);
    expect(requests).toBe(2);
    await Promise.all([
      counted.KV.put(unique('w'), 'v'),
      counted.DB.prepare('SELECT 1').run(),
      counted.KV.get('x'),
    ]);
    expect(requests).toBe(4);
  });

  it('sends a write that looks like a read as a keyed write: a retry after a lost answer does not run it twice', async () => {
    const table = await freshTable();
    const paths: string[] = [];
    let lost = 0;
    const lossy = createGatewayEnv({
      url: GATEWAY_URL,
      // Every first attempt reaches the gateway, and its answer is lost on the way back.
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        paths.push(new URL(String(input)).pathname.split('/').pop() ?? '');
        const response = await gatewayFetch(input, init);
        if (paths.length % 2 === 1) {
          lost++;
          return new Response('Service Unavailable', { status: 503 });
        }
        return response;
      }) as typeof fetch,
    });
    const tricks = [
      () => lossy.DB.prepare(`WITH éSELECT AS (SELECT 1) INSERT INTO ${table} (name) VALUES ('a')`).all(),
      () =>
        lossy.DB.prepare(
          `WITH a\u00a0SELECT AS (SELECT 1) INSERT INTO ${table} (name) VALUES ('b') RETURNING name`,
        ).first('name'),
      () =>
        lossy.DB.prepare(`WITH a AS (SELECT $x(')) INSERT INTO ${table} (name) VALUES ('))SELECT')`)
          .bind(1)
          .raw(),
      () =>
        lossy.DB.prepare(`WITH éSELECT AS (SELECT 1) DELETE FROM ${table} WHERE id = 2 RETURNING id`).all(),
    ];
    for (const trick of tricks) await trick();
    expect(lost).toBe(tricks.length);
    // Each went as db.statement (a keyed write), never as a read.
    expect(new Set(paths)).toEqual(new Set(['db.statement']));
    expect(await env.DB.prepare(`SELECT name FROM ${table} ORDER BY id`).raw()).toEqual([
      ['one'],
      ['a'],
      ['b'],
      ['))SELECT'],
    ]);
  });

  it('names the bindings there are when code asks for one that is not', () => {
    const loose = gw as unknown as Record<string, unknown>;
    expect(() => loose.ANALYTICS).toThrow(
      /no binding named ANALYTICS; it has DB, ARCHIVE, KV, CACHE, BUCKET/,
    );
    expect(loose.then).toBeUndefined();
  });
});
