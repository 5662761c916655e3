import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayEnv, GatewayBindingError } from '../../shared/env/index.ts';
import { INLINE_BODY_MAX_BYTES } from '../../shared/index.ts';
import { failure, GATEWAY_URL, gatewayFetch, randomBytes, unique } from './helpers.ts';

// env.KV through the gateway against env.KV itself: the same calls, the same results and errors.

const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });

const bytesOf = (buffer: ArrayBuffer | null) => (buffer === null ? null : new Uint8Array(buffer));
const streamBytes = async (stream: ReadableStream | null) =>
  stream === null ? null : new Uint8Array(await new Response(stream).arrayBuffer());

function streamOf(bytes: Uint8Array, chunk = 1000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

describe('env.KV.get through the gateway', () => {
  it('gives null for a missing key with every type, as the binding does', async () => {
    const key = unique('missing');
    const reads = [
      (kv: KVNamespace) => kv.get(key, 'text'),
      (kv: KVNamespace) => kv.get(key, 'json'),
      (kv: KVNamespace) => kv.get(key, { type: 'arrayBuffer' }),
      (kv: KVNamespace) => kv.get(key, { type: 'stream' }),
    ];
    for (const read of reads) {
      expect(await read(gw.KV)).toBeNull();
      expect(await read(env.KV)).toBeNull();
    }
    expect(await gw.KV.get(key)).toBeNull();
    expect(await gw.KV.getWithMetadata(key)).toEqual(await env.KV.getWithMetadata(key));
    expect(await gw.KV.getWithMetadata(key)).toEqual({ value: null, metadata: null, cacheStatus: null });
  });

  it('reads text and JSON as the binding does, with a type or with options', async () => {
    const key = unique('read');
    await env.KV.put(key, '{"a":[1,2],"b":"é"}');
    expect(await gw.KV.get(key)).toBe(await env.KV.get(key));
    expect(await gw.KV.get(key, 'text')).toBe('{"a":[1,2],"b":"é"}');
    expect(await gw.KV.get(key, { type: 'text', cacheTtl: 60 })).toBe(await env.KV.get(key, 'text'));
    expect(await gw.KV.get(key, 'json')).toEqual(await env.KV.get(key, 'json'));
    expect(await gw.KV.get(key, { type: 'json', cacheTtl: 60 })).toEqual({ a: [1, 2], b: 'é' });
  });

  it('reads bytes as an ArrayBuffer holding exactly the stored bytes', async () => {
    const key = unique('bytes');
    const data = randomBytes(4096);
    await env.KV.put(key, data);
    const ours = await gw.KV.get(key, 'arrayBuffer');
    expect(ours).toBeInstanceOf(ArrayBuffer);
    expect(ours?.byteLength).toBe(4096);
    expect(bytesOf(ours)).toEqual(bytesOf(await env.KV.get(key, 'arrayBuffer')));
    expect(bytesOf(await gw.KV.get(key, { type: 'arrayBuffer' }))).toEqual(data);
  });

  it('reads a value as a byte stream, which a BYOB reader can read too', async () => {
    const key = unique('stream');
    const data = randomBytes(3000);
    await env.KV.put(key, data);
    const ours = await gw.KV.get(key, 'stream');
    expect(ours).toBeInstanceOf(ReadableStream);
    expect(await streamBytes(ours)).toEqual(await streamBytes(await env.KV.get(key, 'stream')));
    const reader = (await gw.KV.get(key, { type: 'stream' }))?.getReader({ mode: 'byob' });
    const first = await reader?.read(new Uint8Array(100));
    expect(first?.value).toEqual(data.subarray(0, 100));
  });

  it('fails to read a value that is not JSON as JSON with a SyntaxError, as the binding does', async () => {
    const key = unique('notjson');
    await env.KV.put(key, 'plain text');
    const theirs = await failure(() => env.KV.get(key, 'json'));
    const ours = await failure(() => gw.KV.get(key, 'json'));
    expect(theirs).toBeInstanceOf(SyntaxError);
    expect(ours).toBeInstanceOf(SyntaxError);
    expect(ours.message).toBe(theirs.message);
  });

  it('refuses an unknown type, an empty key and the keys "." and ".." with the binding TypeError', async () => {
    const key = unique('stored');
    await env.KV.put(key, 'v');
    const calls = [
      (kv: KVNamespace) => kv.get(key, 'blob' as 'text'),
      (kv: KVNamespace) => kv.getWithMetadata(key, { type: 'blob' as 'text' }),
      (kv: KVNamespace) => kv.get(''),
      (kv: KVNamespace) => kv.put('.', 'v'),
      (kv: KVNamespace) => kv.delete('..'),
    ];
    for (const call of calls) {
      const theirs = await failure(() => call(env.KV));
      const ours = await failure(() => call(gw.KV));
      expect(theirs).toBeInstanceOf(TypeError);
      expect(ours).toBeInstanceOf(TypeError);
      expect(ours.message).toBe(theirs.message);
    }
  });

  it('gives null for a missing key even with an unknown type, as the binding does', async () => {
    const key = unique('missing');
    expect(await env.KV.get(key, 'blob' as 'text')).toBeNull();
    expect(await gw.KV.get(key, 'blob' as 'text')).toBeNull();
  });

  it('rejects an over-size key as the binding does, with LIMIT_EXCEEDED', async () => {
    const key = 'k'.repeat(513);
    expect(await failure(() => env.KV.get(key))).toBeInstanceOf(Error);
    const ours = await failure(() => gw.KV.get(key));
    expect(ours).toBeInstanceOf(GatewayBindingError);
    expect(ours).toMatchObject({ gatewayCode: 'LIMIT_EXCEEDED' });
  });
});

describe('env.KV reads of values too large to travel inline', () => {
  it('reads a value over the inline threshold as text and JSON, with its metadata, as the binding does', async () => {
    const key = unique('large');
    // 3 MiB: the gateway refuses it inline (LIMIT_EXCEEDED); env.KV reads it through kv.getStream.
    const value = JSON.stringify({ text: 'é'.repeat(INLINE_BODY_MAX_BYTES * 1.5) });
    await env.KV.put(key, value, { metadata: { large: true } });
    expect(await gw.KV.get(key)).toBe(value);
    expect(await gw.KV.get(key, 'json')).toEqual(JSON.parse(value));
    expect(await gw.KV.getWithMetadata(key, 'json')).toEqual(await env.KV.getWithMetadata(key, 'json'));
    expect((await gw.KV.getWithMetadata(key)).metadata).toEqual({ large: true });
    const missing = unique('missing');
    expect(await gw.KV.get([key, missing])).toEqual(await env.KV.get([key, missing]));
  });

  it('reads many values in one tick although together they pass the answer budget of one request', async () => {
    const keys = [unique('each'), unique('each'), unique('each'), unique('each')];
    // Each is under the inline threshold, and JSON escapes it to 6 MiB: two fit in one answer.
    const values = keys.map((_, i) => `${i}${'\u0001'.repeat(INLINE_BODY_MAX_BYTES - 1)}`);
    for (const [i, key] of keys.entries()) await env.KV.put(key, values[i] as string);
    expect(await Promise.all(keys.map((key) => gw.KV.get(key)))).toEqual(values);
    const many = await gw.KV.getWithMetadata(keys, 'text');
    expect([...many.values()].map((read) => read?.value)).toEqual(values);
  });
});

describe('env.KV.getWithMetadata through the gateway', () => {
  it('gives the value and the metadata as the binding does, for every type and form', async () => {
    const key = unique('meta');
    await env.KV.put(key, '[1,"two"]', { metadata: { owner: 'test', n: 1 } });
    expect(await gw.KV.getWithMetadata(key)).toEqual(await env.KV.getWithMetadata(key));
    expect(await gw.KV.getWithMetadata(key, 'json')).toEqual(await env.KV.getWithMetadata(key, 'json'));
    expect(await gw.KV.getWithMetadata(key, { type: 'json', cacheTtl: 60 })).toEqual({
      value: [1, 'two'],
      metadata: { owner: 'test', n: 1 },
      cacheStatus: null,
    });
    const ours = await gw.KV.getWithMetadata(key, 'arrayBuffer');
    const theirs = await env.KV.getWithMetadata(key, 'arrayBuffer');
    expect({ ...ours, value: bytesOf(ours.value) }).toEqual({ ...theirs, value: bytesOf(theirs.value) });
    const stream = await gw.KV.getWithMetadata(key, { type: 'stream' });
    expect(stream.metadata).toEqual({ owner: 'test', n: 1 });
    expect(new TextDecoder().decode((await streamBytes(stream.value)) ?? undefined)).toBe('[1,"two"]');
  });

  it('gives null metadata for a value stored without any', async () => {
    const key = unique('nometa');
    await env.KV.put(key, 'v');
    expect(await gw.KV.getWithMetadata(key)).toEqual({ value: 'v', metadata: null, cacheStatus: null });
  });
});

describe('env.KV.put through the gateway', () => {
  it('stores a string, ArrayBuffer, Uint8Array view and ReadableStream byte for byte as the binding does', async () => {
    const data = randomBytes(5000);
    // A view into the middle of a larger buffer: only its own bytes are stored.
    const view = new Uint8Array(data.buffer, 1000, 2000);
    const values: Array<() => string | ArrayBuffer | ArrayBufferView | ReadableStream> = [
      () => 'héllo wörld',
      () => data.slice().buffer,
      () => view,
      () => streamOf(data),
    ];
    for (const value of values) {
      const [ours, theirs] = [unique('put'), unique('put')];
      await gw.KV.put(ours, value());
      await env.KV.put(theirs, value());
      const stored = bytesOf(await env.KV.get(ours, 'arrayBuffer'));
      expect(stored).toEqual(bytesOf(await env.KV.get(theirs, 'arrayBuffer')));
      expect(stored?.byteLength).toBeGreaterThan(0);
    }
    const viewKey = unique('view');
    await gw.KV.put(viewKey, view);
    expect(bytesOf(await env.KV.get(viewKey, 'arrayBuffer'))).toEqual(data.subarray(1000, 3000));
  });

  it('stores metadata and an expirationTtl as the binding does', async () => {
    const [ours, theirs] = [unique('ttl'), unique('ttl')];
    const options = { metadata: { tags: ['x'], at: new Date(0) }, expirationTtl: 3600 };
    await gw.KV.put(ours, 'v', options);
    await env.KV.put(theirs, 'v', options);
    expect(await env.KV.getWithMetadata(ours)).toEqual(await env.KV.getWithMetadata(theirs));
    // The binding stores the metadata's JSON: the Date becomes its ISO string.
    expect((await env.KV.getWithMetadata(ours)).metadata).toEqual({
      tags: ['x'],
      at: '1970-01-01T00:00:00.000Z',
    });
    const [listed] = (await env.KV.list({ prefix: ours })).keys;
    expect(listed?.expiration).toBeGreaterThan(Date.now() / 1000 + 3000);
    expect(listed?.expiration).toBeLessThan(Date.now() / 1000 + 3700);
  });

  it('stores an absolute expiration', async () => {
    const key = unique('exp');
    const expiration = Math.floor(Date.now() / 1000) + 7200;
    await gw.KV.put(key, 'v', { expiration });
    expect((await env.KV.list({ prefix: key })).keys).toEqual([{ name: key, expiration }]);
  });

  it('stores a number as its string and refuses an object with the binding TypeError', async () => {
    const [ours, theirs] = [unique('num'), unique('num')];
    await gw.KV.put(ours, 123 as unknown as string);
    await env.KV.put(theirs, 123 as unknown as string);
    expect(await env.KV.get(ours)).toBe(await env.KV.get(theirs));
    const object = { a: 1 } as unknown as string;
    const theirError = await failure(() => env.KV.put(unique('obj'), object));
    const ourError = await failure(() => gw.KV.put(unique('obj'), object));
    expect(ourError).toBeInstanceOf(TypeError);
    expect(ourError.message).toBe(theirError.message);
  });

  it('rejects an expirationTtl under 60 s as the binding does, with BAD_INPUT', async () => {
    const key = unique('short');
    expect(await failure(() => env.KV.put(key, 'v', { expirationTtl: 10 }))).toBeInstanceOf(Error);
    const ours = await failure(() => gw.KV.put(key, 'v', { expirationTtl: 10 }));
    expect(ours).toMatchObject({ name: 'Error', gatewayCode: 'BAD_INPUT' });
    expect(await env.KV.get(key)).toBeNull();
  });
});

describe('env.KV.delete and env.KV.list through the gateway', () => {
  it('deletes a key, and deleting a missing key resolves as on the binding', async () => {
    const key = unique('del');
    await env.KV.put(key, 'v');
    await gw.KV.delete(key);
    expect(await env.KV.get(key)).toBeNull();
    await expect(gw.KV.delete(key)).resolves.toBe(await env.KV.delete(key));
  });

  it('lists the same pages as the binding, following the cursor to the end', async () => {
    const prefix = `${unique('list')}/`;
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await env.KV.put(prefix + name, name, { metadata: { name } });
    }
    const pages = async (kv: KVNamespace) => {
      const out = [];
      let cursor: string | undefined;
      do {
        const page = await kv.list({ prefix, limit: 2, cursor });
        out.push(page);
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor !== undefined);
      return out;
    };
    const ours = await pages(gw.KV);
    expect(ours).toEqual(await pages(env.KV));
    expect(ours.map((page) => page.keys.map((key) => key.name))).toEqual([
      [`${prefix}a`, `${prefix}b`],
      [`${prefix}c`, `${prefix}d`],
      [`${prefix}e`],
    ]);
    expect(ours[0]).toMatchObject({ list_complete: false, cacheStatus: null, cursor: expect.any(String) });
    expect(ours[2]).not.toHaveProperty('cursor');
    expect(await gw.KV.list({ prefix, cursor: null })).toEqual(await env.KV.list({ prefix }));
  });
});

describe('bulk reads through the gateway', () => {
  it('gives a Map per key as the binding does, null for a missing key', async () => {
    const [a, b] = [unique('bulk'), unique('bulk')];
    await env.KV.put(a, '{"n":1}', { metadata: { m: 'a' } });
    await env.KV.put(b, '[2]');
    const keys = [a, b, unique('none'), a];
    expect(await gw.KV.get(keys)).toEqual(await env.KV.get(keys));
    expect(await gw.KV.get(keys, 'json')).toEqual(await env.KV.get(keys, 'json'));
    expect(await gw.KV.getWithMetadata(keys, { type: 'json' })).toEqual(
      await env.KV.getWithMetadata(keys, { type: 'json' }),
    );
    expect((await gw.KV.get(keys, 'json')).get(a)).toEqual({ n: 1 });
  });

  it('refuses what the binding refuses in a bulk read, in its words', async () => {
    const text = unique('text');
    await env.KV.put(text, 'not json');
    const calls = [
      (kv: KVNamespace) => kv.get([text], 'arrayBuffer' as 'text'),
      (kv: KVNamespace) => kv.get([]),
      (kv: KVNamespace) => kv.get(Array.from({ length: 101 }, (_, i) => `k${i}`)),
      (kv: KVNamespace) => kv.get([text], 'json'),
    ];
    for (const call of calls) {
      const theirs = await failure(() => call(env.KV));
      const ours = await failure(() => call(gw.KV));
      expect(ours).toBeInstanceOf(Error);
      expect(ours.message).toBe(theirs.message);
    }
  });
});

describe('a second KV namespace through the gateway', () => {
  it('writes to and reads from its own namespace, not the first one', async () => {
    const key = unique('cache');
    await gw.CACHE.put(key, 'cached', { metadata: { where: 'CACHE' } });
    expect(await env.CACHE.getWithMetadata(key)).toEqual({
      value: 'cached',
      metadata: { where: 'CACHE' },
      cacheStatus: null,
    });
    expect(await env.KV.get(key)).toBeNull();
    expect(await gw.KV.get(key)).toBeNull();
    expect(await gw.CACHE.get(key)).toBe('cached');
    expect((await gw.CACHE.list({ prefix: key })).keys.map((k) => k.name)).toEqual([key]);
    await gw.CACHE.delete(key);
    expect(await env.CACHE.get(key)).toBeNull();
  });
});
