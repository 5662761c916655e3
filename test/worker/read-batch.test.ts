import { env } from 'cloudflare:test';
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../shared/client.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import { GATEWAY_URL, unique } from './helpers.ts';

/** The real D1 binding, counting how it is called. */
function countingEnv() {
  const calls = { batch: 0, all: 0, statements: 0 };
  const DB = new Proxy(env.DB, {
    get(target, property) {
      if (property === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          calls.batch++;
          calls.statements += statements.length;
          return target.batch(statements);
        };
      }
      if (property === 'prepare') return (sql: string) => counted(target.prepare(sql));
      return Reflect.get(target, property);
    },
  });
  // A statement that counts its all() calls, bound or not.
  const counted = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(s, p) {
        if (p === 'bind') return (...values: unknown[]) => counted(s.bind(...values));
        if (p === 'all') {
          return () => {
            calls.all++;
            return s.all();
          };
        }
        return Reflect.get(s, p);
      },
    });
  const client = createGatewayClient({
    url: GATEWAY_URL,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
      handleGatewayRequest(
        new Request(input, init),
        { ...env, DB },
        { transport: 'test', id: 'batch' },
        { log: () => {} },
      )) as typeof fetch,
  });
  return { calls, client };
}

async function table(): Promise<string> {
  const name = unique('rb').replaceAll('-', '_');
  await env.DB.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, v TEXT)`);
  await env.DB.exec(`INSERT INTO ${name} VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`);
  return name;
}

describe('the reads of one HTTP request', () => {
  it('go to D1 as one batch, each caller getting its own rows', async () => {
    const name = await table();
    const { calls, client } = countingEnv();
    const ids = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
    const rows = await Promise.all(
      ids.map((id) => client.db.query.query({ sql: `SELECT v FROM ${name} WHERE id = ?`, params: [id] })),
    );
    expect(rows.map((r) => r.results[0]?.v)).toEqual(['a', 'b', 'c', 'd', 'e', 'a', 'b', 'c', 'd', 'e']);
    expect(calls).toEqual({ batch: 1, all: 0, statements: 10 });
  });

  it('run one by one when one of them fails, so each gets its own result or error', async () => {
    const name = await table();
    const { calls, client } = countingEnv();
    const settled = await Promise.allSettled([
      client.db.first.query({ sql: `SELECT v FROM ${name} WHERE id = ?`, params: [1] }),
      client.db.query.query({ sql: `SELECT nope FROM ${name}` }),
      client.db.first.query({ sql: `SELECT v FROM ${name} WHERE id = ?`, params: [3] }),
    ]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: { v: 'a' } });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: { v: 'c' } });
    const failure = settled[1];
    expect(failure?.status).toBe('rejected');
    const reason = failure?.status === 'rejected' ? (failure.reason as TRPCClientError<never>) : undefined;
    expect(reason).toBeInstanceOf(TRPCClientError);
    expect(reason?.message).toMatch(/no such column: nope/);
    expect(calls).toEqual({ batch: 1, all: 3, statements: 3 });
  });

  it('do not wait for calls that never read: a write and a refused read beside them', async () => {
    const name = await table();
    const { client } = countingEnv();
    const [write, refused, read] = await Promise.allSettled([
      client.db.run.mutate({ sql: `INSERT INTO ${name} VALUES (6, 'f')` }),
      client.db.query.query({ sql: `DELETE FROM ${name}` }),
      client.db.query.query({ sql: `SELECT count(*) AS n FROM ${name}` }),
    ]);
    expect(write?.status).toBe('fulfilled');
    expect(refused?.status).toBe('rejected');
    expect(read?.status).toBe('fulfilled');
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${name}`).first('n')).toBe(6);
  });
});
