import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GATEWAY_MAX_ANSWER_INLINE_BYTES, transformer } from '../../shared/index.ts';
import { PROCEDURES, type ProcedurePath, pathsWhere } from '../../shared/procedures.ts';
import { isReadOnlySql } from '../../shared/sql.ts';
import { GATEWAY_URL, gateway, gatewayFetch } from './helpers.ts';

// Property: whatever input any procedure gets, the gateway answers with a typed error or a result,
// never INTERNAL, and goes on serving. `npm test` runs a few cases per procedure; `npm run fuzz` runs
// 11,676 calls in all (FUZZ_RUNS is the count per procedure).

const RUNS = Number(env.FUZZ_RUNS ?? '8');

// Every tRPC procedure of the contract (SHAPES below gives each its near-valid inputs).
const RPC_PATHS = pathsWhere((entry) => entry.kind !== 'stream');

const FIELDS = [
  'sql',
  'params',
  'column',
  'columnNames',
  'statements',
  'method',
  'binding',
  'idempotencyKey',
  'key',
  'type',
  'cacheTtl',
  'value',
  'expiration',
  'expirationTtl',
  'metadata',
  'prefix',
  'limit',
  'cursor',
  'range',
  'onlyIf',
  'body',
  'httpMetadata',
  'customMetadata',
  'keys',
  'delimiter',
  'startAfter',
  'include',
  'md5',
  'sha256',
  'uploadId',
  'parts',
  'partNumber',
  '__proto__',
  'constructor',
  'x',
];

const SQL = [
  'SELECT 1',
  'SELECT * FROM fuzz WHERE v = ?',
  'INSERT INTO fuzz (v) VALUES (?)',
  'UPDATE fuzz SET v = ? WHERE rowid = 1',
  'DELETE FROM fuzz WHERE v = ?',
  'WITH t AS (SELECT 1) DELETE FROM fuzz',
  'SELECT ?; DROP TABLE fuzz',
  "SELECT '",
  'PRAGMA table_info(fuzz)',
  "WITH éSELECT AS (SELECT 1) INSERT INTO fuzz (v) VALUES ('x')",
  "WITH a AS (SELECT $x(')) DELETE FROM fuzz WHERE v = '))SELECT' RETURNING *",
  'CREATE TRIGGER IF NOT EXISTS fuzz_t AFTER INSERT ON fuzz BEGIN SELECT ?; UPDATE fuzz SET v = v; END',
  'CREATE TRIGGER IF NOT EXISTS fuzz_g AFTER INSERT ON fuzz BEGIN DELETE FROM _gateway_writes; END; SELECT 1',
  '',
];

const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom(...SQL),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom('DB', 'KV', 'CACHE', 'BUCKET', 'text', 'json', 'bytes', 'all', 'first', 'raw', 'run'),
);
const value = fc.oneof(
  { weight: 3, arbitrary: scalar },
  fc.array(scalar, { maxLength: 8 }),
  fc.dictionary(fc.constantFrom(...FIELDS), scalar, { maxKeys: 4 }),
  fc.array(fc.dictionary(fc.constantFrom('sql', 'params', 'offset', 'length', 'suffix'), scalar), {
    maxLength: 4,
  }),
  fc.jsonValue({ maxDepth: 4 }),
);
const garbage = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }) },
  fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
  }),
);

// Inputs near the contract, so that most cases reach the bindings: each field is a plausible value
// (valid or just off: empty, negative, too long) or, now and then, anything at all.
const param = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 16 }),
);
const params = fc.array(param, { maxLength: 4 });
const sql = fc.constantFrom(...SQL);
const key = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  fc.constantFrom('fuzz/a', 'fuzz/b', '.', '..', '', 'k'.repeat(1100)),
);
const date = fc.date({ noInvalidDate: false });
const onlyIf = fc.record(
  { etagMatches: fc.string(), etagDoesNotMatch: fc.string(), uploadedBefore: date, uploadedAfter: date },
  { requiredKeys: [] },
);
// Objects that exist, so that a range reaches R2's own checks (a missing key is null before any):
// ranges of 0 bytes, and ones that start at or past the end, are what R2 refuses.
const RANGE_KEYS = { 'fuzz/range-empty': '', 'fuzz/range-5': 'hello' };
beforeAll(async () => {
  for (const [name, body] of Object.entries(RANGE_KEYS)) await env.BUCKET.put(name, body);
});
const rangeKey = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...Object.keys(RANGE_KEYS)) }, key);
const rangeBytes = fc.oneof(fc.integer({ min: -1, max: 8 }), fc.constantFrom(0, 5, 6, 2 ** 31));
const range = fc.oneof(
  fc.record({ offset: rangeBytes, length: rangeBytes }, { requiredKeys: [] }),
  fc.record({ suffix: rangeBytes }),
);
// KV reads and writes take seconds as 32-bit integers; list prefixes are key-sized.
const seconds = fc.oneof(
  fc.integer({ min: -1, max: 100_000 }),
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 0, max: 2 ** 40 }),
);
const kvRead = {
  key,
  type: fc.constantFrom('text', 'json', 'bytes', 'stream'),
  cacheTtl: seconds,
};
const prefix = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  fc.string({ minLength: 500, maxLength: 600 }),
  fc.constantFrom('p'.repeat(512), 'p'.repeat(513), '€'.repeat(171)),
);
const list = { prefix, limit: fc.integer({ min: -1, max: 1200 }), cursor: fc.string() };

const SHAPES: Partial<Record<ProcedurePath, Record<string, fc.Arbitrary<unknown>>>> = {
  'db.query': { sql, params, binding: fc.constantFrom('DB', 'NOPE') },
  'db.first': { sql, params, column: fc.constantFrom('v', 'nope', '') },
  'db.raw': { sql, params, columnNames: fc.boolean() },
  'db.run': { sql, params, idempotencyKey: fc.string({ maxLength: 40 }) },
  'db.batch': { statements: fc.array(fc.record({ sql, params }, { requiredKeys: [] }), { maxLength: 4 }) },
  'db.exec': { sql },
  'db.statement': {
    sql,
    params,
    method: fc.constantFrom('all', 'first', 'raw', 'run', 'nope'),
    column: fc.string(),
  },
  'kv.get': kvRead,
  'kv.getWithMetadata': kvRead,
  'kv.put': {
    key,
    value: fc.oneof(fc.string(), fc.uint8Array(), fc.jsonValue({ maxDepth: 3 })),
    expiration: fc.oneof(fc.integer(), seconds),
    expirationTtl: seconds,
    metadata: fc.jsonValue({ maxDepth: 2 }),
  },
  'kv.delete': { key },
  'kv.list': list,
  'r2.get': { key: rangeKey, range, onlyIf },
  'r2.head': { key },
  'r2.put': {
    key,
    body: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 })),
    httpMetadata: fc.record({ contentType: fc.string(), cacheExpiry: date }, { requiredKeys: [] }),
    customMetadata: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
    onlyIf,
    md5: fc.oneof(fc.string(), fc.constant('0123456789abcdef0123456789abcdef')),
    sha256: fc.oneof(fc.string(), fc.constant('0123456789abcdef'.repeat(4))),
  },
  'r2.delete': {
    keys: fc.oneof(
      { weight: 3, arbitrary: fc.oneof(key, fc.array(key, { maxLength: 5 })) },
      fc.constant(Array.from({ length: 1001 }, (_, i) => `fuzz/many-${i}`)),
    ),
  },
  'r2.list': {
    ...list,
    delimiter: fc.string(),
    include: fc.array(fc.constantFrom('httpMetadata', 'customMetadata', 'x')),
  },
  'r2.createMultipartUpload': {
    key,
    customMetadata: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  },
  'r2.completeMultipartUpload': {
    key,
    uploadId: fc.string(),
    parts: fc.array(fc.record({ partNumber: fc.integer({ min: -1, max: 10_001 }), etag: fc.string() }), {
      maxLength: 3,
    }),
  },
  'r2.abortMultipartUpload': { key, uploadId: fc.string() },
  'gateway.info': {},
};

function inputFor(path: ProcedurePath): fc.Arbitrary<unknown> {
  const shape = SHAPES[path] ?? {};
  const fields = Object.fromEntries(
    Object.entries(shape).map(([name, arbitrary]) => [name, fc.oneof({ weight: 5, arbitrary }, value)]),
  );
  return fc.oneof({ weight: 4, arbitrary: fc.record(fields, { requiredKeys: [] }) }, garbage);
}

// Fields no procedure takes, or not the one they are sent to: misspellings and the other procedures' fields.
const PROTOTYPE_KEY = /"(__proto__|constructor|prototype)"/;
const UNKNOWN_FIELDS = ['expirationTTL', 'etagMatch', 'idempotencyKey', 'Key', 'columnName', 'x'];

/** The fields a procedure's input takes, from the contract itself. */
function knownFields(path: ProcedurePath): Set<string> {
  const input = (PROCEDURES[path].schema as { input?: z.ZodType }).input;
  return new Set(input instanceof z.ZodObject ? Object.keys(input.shape) : []);
}

/** A near-valid input with one field the procedure does not take. */
function inputWithUnknownField(path: ProcedurePath): fc.Arbitrary<{ input: unknown; field: string }> {
  const known = knownFields(path);
  const unknown = UNKNOWN_FIELDS.filter((field) => !known.has(field));
  const shape = SHAPES[path] ?? {};
  return (
    fc
      .tuple(fc.record(shape, { requiredKeys: [] }), fc.constantFrom(...unknown), scalar)
      .map(([input, field, extra]) => ({ input: { ...input, [field]: extra }, field }))
      // A prototype key anywhere is refused before parsing, in words of its own (hardening.test.ts).
      .filter(
        ({ input }) =>
          !PROTOTYPE_KEY.test(
            JSON.stringify(input, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
          ),
      )
  );
}

interface Item {
  result?: unknown;
  error?: { json?: { message?: string; data?: { gatewayCode?: string } } };
}

async function call(
  path: string,
  value: unknown,
): Promise<{ status: number; codes: string[]; messages: string[] }> {
  let body: string;
  try {
    body = JSON.stringify({ 0: transformer.serialize(value) });
  } catch {
    // The transformer refuses it (superjson will not walk a `__proto__` key): send it as raw JSON
    // text instead, as a hand-made request could.
    body = JSON.stringify({ 0: { json: value } }, (_, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
  }
  const response = await gatewayFetch(`${GATEWAY_URL}/${path}?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const items = (await response.json()) as Item[] | Item;
  const list = Array.isArray(items) ? items : [items];
  const codes = list.map((item) => item.error?.json?.data?.gatewayCode ?? 'OK');
  const messages = list.map((item) => item.error?.json?.message ?? '');
  return { status: response.status, codes, messages };
}

describe('fuzzing every procedure', () => {
  it.each(RPC_PATHS)('%s answers any input with a result or a typed error, never INTERNAL', async (path) => {
    await env.DB.exec('CREATE TABLE IF NOT EXISTS fuzz (v)');
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(inputFor(path), async (value) => {
        const { status, codes } = await call(path, value);
        for (const code of codes) seen.set(code, (seen.get(code) ?? 0) + 1);
        expect(codes).not.toContain('INTERNAL');
        // 503 is a typed answer too: local R2 calls a malformed upload id an internal error to retry
        // (10001), which the gateway passes on as UNAVAILABLE. 500 would be the gateway's own failure.
        expect(status).not.toBe(500);
      }),
      { numRuns: RUNS },
    );
    console.log(`fuzz ${path}: ${JSON.stringify(Object.fromEntries(seen))}`);
    expect((await gateway.gateway.info.query()).contractVersion).toBeTypeOf('string');
  });
});

describe('fuzzing unknown fields', () => {
  it.each(RPC_PATHS.filter((path) => path !== 'gateway.info'))(
    '%s refuses a near-valid input with an unknown field, naming it',
    async (path) => {
      await fc.assert(
        fc.asyncProperty(inputWithUnknownField(path), async ({ input, field }) => {
          const { codes, messages } = await call(path, input);
          // A field over its limit as well makes the answer LIMIT_EXCEEDED; the unknown one is named either way.
          expect(['BAD_INPUT', 'LIMIT_EXCEEDED']).toContain(codes[0]);
          expect(messages[0]).toContain(`"${field}"`);
        }),
        { numRuns: RUNS },
      );
    },
  );
});

// Property: a D1 result near the answer's budget (16 MiB) is served whole within it, or refused
// with LIMIT_EXCEEDED; never an answer over the budget, never INTERNAL. Each case reads ~16 MB.
describe('fuzzing D1 results near the answer budget', () => {
  const textRows = (count: number) =>
    `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r LIMIT ${count}) SELECT i, printf('%0200d', i) AS pad FROM r`;
  it('answers within the budget or with LIMIT_EXCEEDED', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('db.query', 'db.raw', 'db.statement'),
        fc.integer({ min: 70_000, max: 80_000 }),
        async (path, rows) => {
          const input = { sql: textRows(rows), ...(path === 'db.statement' ? { method: 'all' } : {}) };
          const response = await gatewayFetch(`${GATEWAY_URL}/${path}?batch=1`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ 0: transformer.serialize(input) }),
          });
          const text = await response.text();
          const [item] = JSON.parse(text) as Item[];
          const code = item?.error?.json?.data?.gatewayCode ?? 'OK';
          expect(['OK', 'LIMIT_EXCEEDED']).toContain(code);
          // The envelope (tRPC's and superjson's) comes on top of the rows the budget counts.
          if (code === 'OK') expect(text.length).toBeLessThan(GATEWAY_MAX_ANSWER_INLINE_BYTES * 1.01);
        },
      ),
      { numRuns: Math.max(3, Math.ceil(RUNS / 2)) },
    );
  });
});

// Property: a statement the read-only check lets through as a read changes nothing when the real D1
// runs it. SQLite judges: the statements are built from the pieces that fooled a lexer not
// SQLite's (Unicode spaces and letters, Tcl variables, quotes, comments) around real writes.
const oneOf = (...values: string[]) => fc.constantFrom(...values);
const joined = (piece: fc.Arbitrary<string>, max: number) =>
  fc.array(piece, { minLength: 1, maxLength: max }).map((parts) => parts.join(''));
const namePart = oneOf(
  'a',
  'é',
  'ſ',
  'SELECT',
  'select',
  'VALUES',
  '\u00a0',
  '\u2003',
  '\ufeff',
  '_',
  '1',
  '$',
);
const sqlName = fc.oneof(
  { weight: 4, arbitrary: joined(namePart, 3) },
  oneOf('"x"', "'x'", '[x]', '`x`', '"a""SELECT"'),
);
const expression = oneOf(
  '1',
  "$x(')",
  "$x('))",
  ':a::b',
  '@y',
  '?',
  "'))SELECT'",
  "x'00'",
  "'--'",
  "'/*'",
  'v',
);
const space = oneOf(' ', '\n', '\t', '\u00a0', '\ufeff', '\v', ' /* */ ', ' -- c\n');
const write = oneOf(
  "INSERT INTO fz (v) VALUES ('w')",
  "DELETE FROM fz WHERE v = 'seed'",
  "UPDATE fz SET v = 'u'",
  "REPLACE INTO fz (rowid, v) VALUES (1, 'r')",
);
const main = fc.oneof(
  fc.tuple(write, oneOf('', ' RETURNING *', ' RETURNING v')).map(([w, r]) => w + r),
  oneOf('SELECT * FROM fz', 'VALUES (1)', 'SELECT replace(v, 1, 2) FROM fz'),
);
const tail = oneOf('', ';', ' --', " '))SELECT'", ' /*', ' ) SELECT 1', "; INSERT INTO fz (v) VALUES ('t')");
const piece = fc.oneof(
  namePart,
  expression,
  space,
  write,
  oneOf('(', ')', ',', ';', "'", '"', '--', 'WITH', 'AS', 'CREATE TRIGGER', 'BEGIN', 'END', 'TEMP'),
);
const disguised = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(sqlName, space, expression, space, main, tail)
      .map(([name, s1, expr, s2, m, t]) => `WITH ${name}${s1}AS (SELECT ${expr})${s2}${m}${t}`),
  },
  fc
    .tuple(expression, sqlName, space, main, tail)
    .map(([expr, name, s, m, t]) => `SELECT ${expr} AS ${name}${s}${m}${t}`),
  fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(' ')),
  // A trigger's body holds `;`s that end no statement: what follows its END is a statement again.
  fc
    .tuple(sqlName, main, tail, main)
    .map(([name, m, t, after]) => `CREATE TRIGGER ${name} AFTER INSERT ON fz BEGIN ${m}; END${t}; ${after}`),
);

describe('the read-only check against the real D1', () => {
  it(
    'lets through as reads only statements that change nothing when D1 runs them',
    async () => {
      await env.DB.exec('CREATE TABLE IF NOT EXISTS fz (v)');
      await env.DB.prepare("INSERT INTO fz (v) SELECT 'seed' WHERE NOT EXISTS (SELECT 1 FROM fz)").run();
      const state = () =>
        env.DB.prepare(
          "SELECT (SELECT group_concat(rowid || ':' || v) FROM fz) AS rows, (SELECT group_concat(sql) FROM sqlite_master) AS schema",
        ).first();
      let ran = 0;
      await fc.assert(
        fc.asyncProperty(disguised, async (sql) => {
          if (!isReadOnlySql(sql)) return;
          const before = await state();
          // D1 wants as many values as there are variables: find the count, or fail before running.
          for (let values = 0; values <= 3; values++) {
            const statement = env.DB.prepare(sql);
            const result = await (values ? statement.bind(...Array(values).fill(1)) : statement)
              .all()
              .catch((error: Error) => error);
            if (result instanceof Error && /Wrong number of parameter bindings/.test(result.message))
              continue;
            if (!(result instanceof Error)) {
              ran++;
              expect(result.meta.changed_db, sql).toBe(false);
            }
            break;
          }
          expect(await state(), sql).toEqual(before);
        }),
        { numRuns: RUNS * 50 },
      );
      console.log(`fuzz read-only check: ${ran} of ${RUNS * 50} statements ran on D1 as reads`);
      // About 1 ms a case here; npm run fuzz makes 27,800.
    },
    Math.max(10_000, RUNS * 50 * 5),
  );
});

// Property: whatever a stream call's body is (its first line with or without its line feed, bytes
// after it or none, any length header), the gateway answers a result or a typed error, never 500 or
// INTERNAL; a first line without its line feed is BAD_INPUT (or LIMIT_EXCEEDED when over the line's
// limit), and a KV value put that way leaves the value there as it was.
const STREAM_CALLS = ['r2.getStream', 'r2.putStream', 'r2.uploadPart', 'kv.getStream', 'kv.putStream'];
const encoder = new TextEncoder();
const firstLine = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record(
        { key, metadata: fc.jsonValue({ maxDepth: 2 }), partNumber: fc.integer(), uploadId: fc.string() },
        {
          requiredKeys: ['key'],
        },
      )
      .map((input) => JSON.stringify(transformer.serialize(input))),
  },
  garbage.map((input) => {
    try {
      return JSON.stringify(transformer.serialize(input)) ?? 'null';
    } catch {
      return '{"json":{"__proto__":1}}';
    }
  }),
  fc.string({ maxLength: 40 }),
);
const streamBody = fc.record({
  call: fc.constantFrom(...STREAM_CALLS),
  line: firstLine,
  lineFeed: fc.boolean(),
  after: fc.uint8Array({ maxLength: 32 }),
  length: fc.oneof(fc.constant(undefined), fc.nat({ max: 40 }), fc.constantFrom('', '-1', '1e3', 'x')),
});

describe('fuzzing the stream calls, first lines without a line feed among them', () => {
  it('answers a result or a typed error, and BAD_INPUT for a line that never ends', async () => {
    const kept = `fuzz/stream-kept-${crypto.randomUUID()}`;
    await env.KV.put(kept, 'kept');
    await fc.assert(
      fc.asyncProperty(streamBody, fc.boolean(), async ({ call, line, lineFeed, after, length }, sameKey) => {
        // A line without its feed is all the body: nothing can follow it.
        const text = !lineFeed && sameKey ? `{"json":{"key":"${kept}"}}` : line.replaceAll('\n', ' ');
        const head = encoder.encode(lineFeed ? `${text}\n` : text);
        const body = new Uint8Array(head.byteLength + (lineFeed ? after.byteLength : 0));
        body.set(head);
        if (lineFeed) body.set(after, head.byteLength);
        const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
        if (length !== undefined) headers['x-gateway-length'] = String(length);
        const response = await gatewayFetch(`${GATEWAY_URL}/${call}`, { method: 'POST', headers, body });
        const answer = await response.text();
        expect(response.status, answer).not.toBe(500);
        expect(answer).not.toMatch(/"gatewayCode":"INTERNAL"/);
        if (!lineFeed && text.length > 0) {
          expect(response.status, answer).toBe(400);
          expect(answer).toMatch(/"gatewayCode":"BAD_INPUT"/);
        }
      }),
      { numRuns: RUNS * STREAM_CALLS.length },
    );
    expect(await env.KV.get(kept)).toBe('kept');
  });
});
