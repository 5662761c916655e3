import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  GATEWAY_MAX_ANSWER_INLINE_BYTES,
  INLINE_BODY_MAX_BYTES,
  KV_MAX_EXPIRATION_S,
  KV_MAX_KEY_BYTES,
  KV_MAX_LIST_PREFIX_BYTES,
  KV_MAX_METADATA_BYTES,
} from '../../shared/index.ts';
import { expectGatewayError, gateway, randomBytes, rawBatch, unique } from './helpers.ts';

describe('kv.get and kv.getWithMetadata', () => {
  it('returns null for a missing key, with every type', async () => {
    const key = unique('missing');
    expect(await gateway.kv.get.query({ key })).toBeNull();
    expect(await gateway.kv.get.query({ key, type: 'json' })).toBeNull();
    expect(await gateway.kv.get.query({ key, type: 'bytes' })).toBeNull();
    expect(await gateway.kv.getWithMetadata.query({ key })).toEqual({ value: null, metadata: null });
  });

  it('reads what the binding wrote, as text, JSON or bytes', async () => {
    const key = unique('read');
    await env.KV.put(key, '{"a":[1,2]}', { metadata: { owner: 'test' } });
    expect(await gateway.kv.get.query({ key })).toBe('{"a":[1,2]}');
    expect(await gateway.kv.get.query({ key, type: 'json', cacheTtl: 60 })).toEqual({ a: [1, 2] });
    expect(await gateway.kv.get.query({ key, type: 'bytes' })).toEqual(
      new TextEncoder().encode('{"a":[1,2]}'),
    );
    expect(await gateway.kv.getWithMetadata.query({ key, type: 'json' })).toEqual({
      value: { a: [1, 2] },
      metadata: { owner: 'test' },
    });
  });

  it('answers BAD_INPUT when a value that is not JSON is read as JSON', async () => {
    const key = unique('notjson');
    await env.KV.put(key, 'plain text');
    await expectGatewayError(gateway.kv.get.query({ key, type: 'json' }), 'BAD_INPUT', /not JSON/);
  });
});

describe('kv.put', () => {
  it('stores strings as they are, other JSON values as JSON text, and bytes byte-exact', async () => {
    const [text, json, bytes] = [unique('text'), unique('json'), unique('bytes')];
    const data = randomBytes(2048);
    await gateway.kv.put.mutate({ key: text, value: 'hello' });
    await gateway.kv.put.mutate({ key: json, value: { n: 1, list: ['a', null] } });
    await gateway.kv.put.mutate({ key: bytes, value: data });
    expect(await env.KV.get(text)).toBe('hello');
    expect(await env.KV.get(json, 'json')).toEqual({ n: 1, list: ['a', null] });
    expect(new Uint8Array((await env.KV.get(bytes, 'arrayBuffer')) ?? new ArrayBuffer(0))).toEqual(data);
    expect(await gateway.kv.get.query({ key: bytes, type: 'bytes' })).toEqual(data);
  });

  it('stores metadata and an expiration', async () => {
    const key = unique('meta');
    await gateway.kv.put.mutate({ key, value: 'v', metadata: { tags: ['x'] }, expirationTtl: 3600 });
    const { metadata } = await env.KV.getWithMetadata(key);
    expect(metadata).toEqual({ tags: ['x'] });
    const { keys } = await env.KV.list({ prefix: key });
    expect(keys[0]?.expiration).toBeGreaterThan(Date.now() / 1000 + 3000);
  });

  it('refuses an over-size key, value or metadata with LIMIT_EXCEEDED, storing nothing', async () => {
    const key = unique('big');
    await expectGatewayError(
      gateway.kv.put.mutate({ key: 'k'.repeat(KV_MAX_KEY_BYTES + 1), value: 'v' }),
      'LIMIT_EXCEEDED',
    );
    // Multi-byte characters count as their UTF-8 bytes: 171 × 3 bytes = 513.
    await expectGatewayError(gateway.kv.put.mutate({ key: '€'.repeat(171), value: 'v' }), 'LIMIT_EXCEEDED');
    await expectGatewayError(
      gateway.kv.put.mutate({ key, value: new Uint8Array(INLINE_BODY_MAX_BYTES + 1) }),
      'LIMIT_EXCEEDED',
      /value/,
    );
    await expectGatewayError(
      gateway.kv.put.mutate({ key, value: 'v', metadata: { pad: 'x'.repeat(KV_MAX_METADATA_BYTES) } }),
      'LIMIT_EXCEEDED',
      /^KV PUT failed: 413 Metadata length of \d+ exceeds limit of 1024\.$/,
    );
    expect(await env.KV.get(key)).toBeNull();
  });

  it('refuses an expirationTtl under 60 s and the keys "." and ".." with BAD_INPUT', async () => {
    await expectGatewayError(
      gateway.kv.put.mutate({ key: unique('ttl'), value: 'v', expirationTtl: 10 }),
      'BAD_INPUT',
    );
    await expectGatewayError(gateway.kv.put.mutate({ key: '..', value: 'v' }), 'BAD_INPUT');
  });

  it('stores a value of exactly the inline threshold', async () => {
    const key = unique('edge');
    const value = randomBytes(INLINE_BODY_MAX_BYTES);
    await gateway.kv.put.mutate({ key, value });
    expect(await gateway.kv.get.query({ key, type: 'bytes' })).toEqual(value);
  });
});

describe('kv.delete and kv.list', () => {
  it('deletes a key, and deleting a missing key is not an error', async () => {
    const key = unique('del');
    await env.KV.put(key, 'v');
    await gateway.kv.delete.mutate({ key });
    expect(await env.KV.get(key)).toBeNull();
    await expect(gateway.kv.delete.mutate({ key })).resolves.toBeUndefined();
  });

  it('lists by prefix, page by page with a cursor', async () => {
    const prefix = `${unique('list')}/`;
    for (const name of ['a', 'b', 'c']) await env.KV.put(prefix + name, name, { metadata: { name } });
    const first = await gateway.kv.list.query({ prefix, limit: 2 });
    expect(first.keys.map((k) => k.name)).toEqual([`${prefix}a`, `${prefix}b`]);
    expect(first.list_complete).toBe(false);
    expect(first.cursor).toBeTypeOf('string');
    const rest = await gateway.kv.list.query({ prefix, limit: 2, cursor: first.cursor });
    expect(rest.keys).toEqual([{ name: `${prefix}c`, metadata: { name: 'c' } }]);
    expect(rest.list_complete).toBe(true);
    expect(rest.cursor).toBeUndefined();
  });

  it('refuses a list limit over 1,000 with LIMIT_EXCEEDED', async () => {
    await expectGatewayError(gateway.kv.list.query({ limit: 1001 }), 'LIMIT_EXCEEDED');
  });
});

describe('the bounds of KV reads and options', () => {
  it(`refuses to read a value over ${INLINE_BODY_MAX_BYTES} bytes inline with LIMIT_EXCEEDED, naming kv.getStream`, async () => {
    const key = unique('big');
    // 5 MiB: 25 such reads in one request made a 131 MB answer.
    await env.KV.put(key, 'x'.repeat(5 * INLINE_BODY_MAX_BYTES), { metadata: { m: 1 } });
    for (const type of ['text', 'json', 'bytes'] as const) {
      const refused = await expectGatewayError(
        gateway.kv.get.query({ key, type }),
        'LIMIT_EXCEEDED',
        /kv\.getStream/,
      );
      expect(refused.data?.httpStatus).toBe(413);
      await expectGatewayError(
        gateway.kv.getWithMetadata.query({ key, type }),
        'LIMIT_EXCEEDED',
        /kv\.getStream/,
      );
    }
    // One byte over is refused; exactly the threshold reads, as text and as JSON.
    await env.KV.put(key, 'x'.repeat(INLINE_BODY_MAX_BYTES + 1));
    await expectGatewayError(gateway.kv.get.query({ key }), 'LIMIT_EXCEEDED');
    const exact = JSON.stringify('y'.repeat(INLINE_BODY_MAX_BYTES - 2));
    await env.KV.put(key, exact, { metadata: { m: 2 } });
    expect(await gateway.kv.get.query({ key })).toBe(exact);
    expect(await gateway.kv.getWithMetadata.query({ key, type: 'json' })).toEqual({
      value: JSON.parse(exact),
      metadata: { m: 2 },
    });
  });

  it(`answers a batch of inline reads with at most ${GATEWAY_MAX_ANSWER_INLINE_BYTES} bytes of values, refusing the rest with LIMIT_EXCEEDED`, async () => {
    const key = unique('escaped');
    // Under the inline limit as stored, but JSON escapes each \u0001 to six bytes: 6 MiB a read.
    await env.KV.put(key, '\u0001'.repeat(INLINE_BODY_MAX_BYTES));
    const calls = 5;
    const response = await rawBatch(
      Array.from({ length: calls }, () => 'kv.get'),
      Array.from({ length: calls }, () => ({ key })),
    );
    const text = await response.text();
    expect(text.length).toBeLessThanOrEqual(GATEWAY_MAX_ANSWER_INLINE_BYTES + 64 * 1024);
    const items = JSON.parse(text) as {
      result?: unknown;
      error?: { json: { data: { gatewayCode: string } } };
    }[];
    const codes = items.map((item) => item.error?.json.data.gatewayCode ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(2);
    expect(codes.filter((code) => code === 'LIMIT_EXCEEDED')).toHaveLength(calls - 2);
  });

  it(`refuses a list prefix over ${KV_MAX_LIST_PREFIX_BYTES} bytes with LIMIT_EXCEEDED, not INTERNAL`, async () => {
    await expectGatewayError(
      gateway.kv.list.query({ prefix: 'p'.repeat(KV_MAX_LIST_PREFIX_BYTES + 1) }),
      'LIMIT_EXCEEDED',
      /^KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512\.$/,
    );
    // UTF-8 bytes, as for keys: 171 × 3 = 513.
    await expectGatewayError(gateway.kv.list.query({ prefix: '€'.repeat(171) }), 'LIMIT_EXCEEDED');
    const page = await gateway.kv.list.query({ prefix: 'p'.repeat(KV_MAX_LIST_PREFIX_BYTES) });
    expect(page).toEqual({ keys: [], list_complete: true });
  });

  it(`refuses an expiration, expirationTtl or cacheTtl over ${KV_MAX_EXPIRATION_S} s with LIMIT_EXCEEDED, storing nothing`, async () => {
    const key = unique('expiry');
    const over = KV_MAX_EXPIRATION_S + 1;
    await expectGatewayError(
      gateway.kv.put.mutate({ key, value: 'v', expiration: over }),
      'LIMIT_EXCEEDED',
      /expiration/,
    );
    await expectGatewayError(
      gateway.kv.put.mutate({ key, value: 'v', expirationTtl: over }),
      'LIMIT_EXCEEDED',
      /expirationTtl/,
    );
    await expectGatewayError(gateway.kv.get.query({ key, cacheTtl: over }), 'LIMIT_EXCEEDED', /cacheTtl/);
    expect(await env.KV.get(key)).toBeNull();
    // The largest the binding takes is stored.
    await gateway.kv.put.mutate({ key, value: 'v', expiration: KV_MAX_EXPIRATION_S });
    expect(await env.KV.get(key)).toBe('v');
  });
});
