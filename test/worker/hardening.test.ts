import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../shared/client.ts';
import { GATEWAY_MAX_JSON_DEPTH, GATEWAY_MAX_REQUEST_BYTES, transformer } from '../../shared/index.ts';
import { REQUEST_ID_HEADER } from '../../shared/transport.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import { confineKeys } from '../../worker/policy.ts';
import {
  expectGatewayError,
  GATEWAY_URL,
  gateway,
  gatewayFetch,
  logLineCount,
  logLines,
  settled,
  unique,
} from './helpers.ts';

interface ErrorItem {
  error: { json: { message: string; data: { gatewayCode: string; httpStatus: number } } };
}

/** POSTs a body as it is, and returns the status and the first call's error, if any. */
async function post(body: string, path = 'kv.put') {
  const response = await gatewayFetch(`${GATEWAY_URL}/${path}?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const items = (await response.json()) as ErrorItem[];
  return { status: response.status, error: items[0]?.error?.json };
}

const serviceWorks = async () =>
  expect((await gateway.gateway.info.query()).contractVersion).toBeTypeOf('string');

describe('guards before parsing', () => {
  it(`refuses a body over ${GATEWAY_MAX_REQUEST_BYTES} bytes with LIMIT_EXCEEDED (413), and serves the next call`, async () => {
    const key = unique('huge');
    const body = JSON.stringify({ 0: { json: { key, value: 'x'.repeat(GATEWAY_MAX_REQUEST_BYTES) } } });
    const { status, error } = await post(body);
    expect(status).toBe(413);
    expect(error?.data.gatewayCode).toBe('LIMIT_EXCEEDED');
    expect(await env.KV.get(key)).toBeNull();
    await serviceWorks();
  });

  it(`refuses JSON nested deeper than ${GATEWAY_MAX_JSON_DEPTH} levels, before parsing it`, async () => {
    const key = unique('deep');
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const { status, error } = await post(
      `{"0":{"json":{"key":"${key}","value":${nested(GATEWAY_MAX_JSON_DEPTH)}}}}`,
    );
    expect(status).toBe(413);
    expect(error?.message).toMatch(/nests deeper than 64 levels/);
    expect(await env.KV.get(key)).toBeNull();
    // Within the cap it is stored.
    const value = JSON.parse(nested(GATEWAY_MAX_JSON_DEPTH - 4));
    await gateway.kv.put.mutate({ key, value });
    expect(await env.KV.get(key, 'json')).toEqual(value);
  });

  it.each([
    [
      '__proto__ in an input',
      (key: string) => `{"0":{"json":{"key":"${key}","value":{"__proto__":{"polluted":true}}}}}`,
    ],
    [
      'constructor in an input',
      (key: string) => `{"0":{"json":{"key":"${key}","value":{"constructor":{"prototype":1}}}}}`,
    ],
    [
      'an escaped __proto__',
      (key: string) => `{"0":{"json":{"key":"${key}","value":{"\\u005f_proto__":1}}}}`,
    ],
    [
      '__proto__ in transformer metadata',
      (key: string) =>
        `{"0":{"json":{"key":"${key}","value":"v"},"meta":{"values":{"__proto__.polluted":["undefined"]}}}}`,
    ],
  ])('refuses %s with BAD_INPUT, storing nothing', async (_, body) => {
    const key = unique('proto');
    const { status, error } = await post(body(key));
    expect(status).toBe(400);
    expect(error?.data.gatewayCode).toBe('BAD_INPUT');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await env.KV.get(key)).toBeNull();
    await serviceWorks();
  });

  it('accepts the same words as values and inside longer keys', async () => {
    const key = unique('words');
    await gateway.kv.put.mutate({
      key,
      value: { note: '__proto__ constructor prototype', constructorName: 'x' },
    });
    expect(await env.KV.get(key, 'json')).toEqual({
      note: '__proto__ constructor prototype',
      constructorName: 'x',
    });
  });
});

describe('methods and bodies tRPC would answer in its own words', () => {
  it.each(
    ['HEAD', 'GET', 'OPTIONS', 'PUT', 'DELETE'].flatMap((method) =>
      ['gateway.info', 'r2.getStream'].map((call) => [method, call] as const),
    ),
  )(
    'refuses %s of %s with 405 METHOD_NOT_ALLOWED in the gateway shape, allowing POST',
    async (method, call) => {
      const response = await gatewayFetch(`${GATEWAY_URL}/${call}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.headers.get(REQUEST_ID_HEADER)).toBeTypeOf('string');
      const text = await response.text();
      if (method === 'HEAD') return expect(text).toBe('');
      const { error } = JSON.parse(text) as ErrorItem;
      expect(error.json.data).toMatchObject({ gatewayCode: 'METHOD_NOT_ALLOWED', httpStatus: 405 });
      expect(error.json.message).toBe('the gateway answers POST only');
    },
  );

  it.each([
    ['a string as the values tree', { values: 'x' }],
    ['a string deep in the values tree', { values: { key: 'x' } }],
    ['an unknown transformation', { values: { key: [['map', {}]] } }],
    ['an unknown custom type', { values: { key: [['custom', 'nope']] } }],
    ['an unknown class', { values: { key: [['class', 'X']] } }],
    ['bytes that are not base64', { values: { value: [['custom', 'bytes']] } }],
    ['equalities that are not paths', { referentialEqualities: ['x'] }],
    ['a field superjson does not have', { values: {}, extra: 1 }],
    ['a number', 5],
  ])('answers malformed transformer metadata (%s) with BAD_INPUT in the contract words', async (_, meta) => {
    const key = unique('meta');
    const { status, error } = await post(JSON.stringify({ 0: { json: { key, value: 'v!' }, meta } }));
    expect(status).toBe(400);
    expect(error?.data.gatewayCode).toBe('BAD_INPUT');
    expect(error?.message).toMatch(/^the input's "meta" is not superjson metadata the gateway reads/);
    expect(await env.KV.get(key)).toBeNull();
    await serviceWorks();
  });

  it('answers a body that is not JSON with BAD_INPUT, never the parser message', async () => {
    for (const body of ['{', '{"0":{"json":}}', 'nope']) {
      const { status, error } = await post(body);
      expect(status, body).toBe(400);
      expect(error?.data.gatewayCode, body).toBe('BAD_INPUT');
      expect(error?.message, body).toBe('the request body is not JSON');
    }
  });

  it('still reads well-formed metadata: bytes, bigints, undefined', async () => {
    const key = unique('meta-ok');
    const { status } = await post(
      JSON.stringify({
        0: {
          json: { key, value: 'AAEC', expirationTtl: 'x' },
          meta: { values: { value: [['custom', 'bytes']], expirationTtl: ['undefined'] }, v: 1 },
        },
      }),
    );
    expect(status).toBe(200);
    expect(new Uint8Array((await env.KV.get(key, 'arrayBuffer')) as ArrayBuffer)).toEqual(
      new Uint8Array([0, 1, 2]),
    );
  });
});

describe('request ids and log lines', () => {
  it('echoes the caller request id, or makes one', async () => {
    const headers = { 'content-type': 'application/json', [REQUEST_ID_HEADER]: 'req-123' };
    const body = JSON.stringify({ 0: transformer.serialize(undefined) });
    const echoed = await gatewayFetch(`${GATEWAY_URL}/gateway.info?batch=1`, {
      method: 'POST',
      headers,
      body,
    });
    expect(echoed.headers.get(REQUEST_ID_HEADER)).toBe('req-123');
    const made = await gatewayFetch(`${GATEWAY_URL}/gateway.info?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [REQUEST_ID_HEADER]: 'not a valid id!' },
      body,
    });
    expect(made.headers.get(REQUEST_ID_HEADER)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs each call after the answer: procedure, caller, duration, code, rows; never the input', async () => {
    const secret = unique('secret-value');
    await settled();
    logLines.length = 0;
    const linesBefore = logLineCount.lines;
    await gateway.db.query.query({ sql: 'SELECT ? AS s', params: [secret] });
    // The caller has its answer before the line is written.
    expect(logLines).toHaveLength(0);
    await expectGatewayError(gateway.db.query.query({ sql: 'SELEC 1' }), 'SQL_ERROR');
    await settled();
    expect(logLines).toHaveLength(2);
    // Both calls ended within CALL_LOG_INTERVAL_MS of the first: one `gateway.calls` line holds them.
    expect(logLineCount.lines - linesBefore).toBe(1);
    expect(logLines[0]).toMatchObject({
      path: 'db.query',
      caller: 'vitest',
      code: 'OK',
      rowsRead: 0,
    });
    expect(logLines[0]?.durationMs).toBeTypeOf('number');
    expect(logLines[0]?.requestId).toBeTypeOf('string');
    expect(logLines[1]).toMatchObject({ path: 'db.query', code: 'SQL_ERROR' });
    expect(JSON.stringify(logLines)).not.toContain(secret);
  });
});

describe('the policy', () => {
  const confined = createGatewayClient({
    url: GATEWAY_URL,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
      handleGatewayRequest(
        new Request(input, init),
        env,
        { transport: 'outbound', id: 'c1' },
        {
          policy: confineKeys((caller) => `containers/${caller.id}/`),
          log: () => {},
        },
      )) as typeof fetch,
  });

  it('confines a container to its KV and R2 prefix with FORBIDDEN, writing nothing outside it', async () => {
    const inside = `containers/c1/${unique('k')}`;
    await confined.kv.put.mutate({ key: inside, value: 'mine' });
    expect(await confined.kv.get.query({ key: inside })).toBe('mine');
    const outside = `containers/c2/${unique('k')}`;
    const error = await expectGatewayError(
      confined.kv.put.mutate({ key: outside, value: 'theirs' }),
      'FORBIDDEN',
    );
    expect(error.data?.httpStatus).toBe(403);
    expect(await env.KV.get(outside)).toBeNull();
    await expectGatewayError(
      confined.kv.list.query({}),
      'FORBIDDEN',
      /only use keys under "containers\/c1\/"/,
    );
    await expectGatewayError(confined.r2.delete.mutate({ keys: [inside, outside] }), 'FORBIDDEN');
    expect((await confined.r2.list.query({ prefix: 'containers/c1/' })).objects).toEqual([]);
  });

  it('leaves D1 and gateway calls alone', async () => {
    expect(await confined.db.first.query({ sql: 'SELECT 1 AS one' })).toEqual({ one: 1 });
    expect((await confined.gateway.info.query()).caller).toEqual({ transport: 'outbound', id: 'c1' });
  });
});
