import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayEnv, GatewayBindingError } from '../../shared/env/index.ts';
import { GATEWAY_MAX_ANSWER_INLINE_BYTES } from '../../shared/limits.ts';
import {
  expectGatewayError,
  failure,
  GATEWAY_URL,
  gateway,
  gatewayFetch,
  rawBatch,
  unique,
} from './helpers.ts';

// A D1 result travels whole in one JSON answer, and D1 has no cursor to stream it from: results count
// against the answer's budget (answer-budget.ts), and past it the caller is told to page.

const PAGE = /page the query: LIMIT\/OFFSET, or keyset/;

/** `count` rows of 200 characters each: 44 MB as JSON for 200,000. */
const textRows = (count: number) =>
  `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r LIMIT ${count}) SELECT i, printf('%0200d', i) AS pad FROM r`;
/** `count` rows of a 1,000,000-byte BLOB each (1.33 MB each as base64). */
const blobRows = (count: number) =>
  `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r LIMIT ${count}) SELECT i, zeroblob(1000000) AS b FROM r`;

// Results of tens of MB take seconds in miniflare's D1 (a BLOB arrives as an array of numbers).
describe('D1 results within the answer budget', { timeout: 120_000 }, () => {
  it(`refuses 200,000 rows of 200 bytes with LIMIT_EXCEEDED, telling to page`, async () => {
    const error = await expectGatewayError(
      gateway.db.query.query({ sql: textRows(200_000) }),
      'LIMIT_EXCEEDED',
      PAGE,
    );
    expect(error.message).toContain(String(GATEWAY_MAX_ANSWER_INLINE_BYTES));
  });

  it('refuses 20 rows of zeroblob(1000000)', async () => {
    await expectGatewayError(gateway.db.query.query({ sql: blobRows(20) }), 'LIMIT_EXCEEDED', PAGE);
  });

  it('refuses it through db.raw, db.first and db.statement too', async () => {
    await expectGatewayError(gateway.db.raw.query({ sql: textRows(100_000) }), 'LIMIT_EXCEEDED', PAGE);
    for (const method of ['all', 'raw', 'run'] as const) {
      await expectGatewayError(
        gateway.db.statement.mutate({ sql: textRows(100_000), method }),
        'LIMIT_EXCEEDED',
        PAGE,
      );
    }
    // One row is within D1's 2 MB, but the calls of one answer share the budget.
    const first = `SELECT zeroblob(1900000) AS b`;
    const calls = Array.from({ length: 9 }, () => ({ sql: first, column: 'b' }));
    const response = await rawBatch(
      calls.map(() => 'db.first'),
      calls,
    );
    const answers = (await response.json()) as { error?: { json: { message: string } } }[];
    // 2,533,336 bytes of base64 each: six fit in 16 MiB, the seventh does not.
    expect(answers.slice(0, 6).map((answer) => answer.error)).toEqual(Array(6).fill(undefined));
    expect(answers[6]?.error?.json.message).toMatch(PAGE);
  });

  it('serves a result under the bound, and the same query paged', async () => {
    // About 225 bytes a row as they travel: 60,000 rows are 13.5 MB.
    const under = await gateway.db.raw.query({ sql: textRows(60_000) });
    expect(under).toHaveLength(60_000);
    const page = await gateway.db.query.query({ sql: `${textRows(200_000)} LIMIT 1000 OFFSET 1000` });
    expect(page.results).toHaveLength(1000);
    expect(page.results[0]?.i).toBe(1001);
  });

  it('counts the calls of one answer together', async () => {
    // About 210 bytes a row as arrays: 45,000 rows are 9.5 MB, two of them over 16 MiB.
    const response = await rawBatch(
      ['db.raw', 'db.raw'],
      [{ sql: textRows(45_000) }, { sql: textRows(45_000) }],
    );
    const answers = (await response.json()) as { result?: unknown; error?: { json: { message: string } } }[];
    expect(answers[0]?.result).toBeDefined();
    expect(answers[1]?.error?.json.message).toMatch(PAGE);
  });

  it('refuses a write whose RETURNING rows are over the bound, saying the write stands', async () => {
    const table = `budget_${crypto.randomUUID().replaceAll('-', '')}`;
    await env.DB.exec(`CREATE TABLE ${table} (i INTEGER, b BLOB)`);
    const insert = `INSERT INTO ${table} (i, b) ${textRows(100_000)} RETURNING *`;
    for (const idempotencyKey of [undefined, unique('key')]) {
      await expectGatewayError(
        gateway.db.statement.mutate({ sql: insert, method: 'run', idempotencyKey }),
        'LIMIT_EXCEEDED',
        /The write itself ran and stands/,
      );
    }
    // Its result was too large to keep: a repeat of the key is told the write ran, and runs nothing.
    const key = unique('key');
    const keyed = { sql: insert, method: 'run' as const, idempotencyKey: key };
    await expectGatewayError(gateway.db.statement.mutate(keyed), 'LIMIT_EXCEEDED');
    await expectGatewayError(gateway.db.statement.mutate(keyed), 'ALREADY_APPLIED');
    await expectGatewayError(
      gateway.db.batch.mutate({ statements: [{ sql: insert }] }),
      'LIMIT_EXCEEDED',
      /The write itself ran and stands/,
    );
    const { n } = (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>()) ?? {};
    expect(n).toBe(400_000);
  });

  it('env.DB surfaces it as the gateway error LIMIT_EXCEEDED, telling to page', async () => {
    const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });
    const error = await failure(() => gw.DB.prepare(textRows(100_000)).all());
    expect(error).toBeInstanceOf(GatewayBindingError);
    expect((error as GatewayBindingError).gatewayCode).toBe('LIMIT_EXCEEDED');
    expect(error.message).toMatch(PAGE);
  });
});
