import { describe } from 'vitest';
import { type ParityCase, parity } from './harness.ts';

// KV: the same bodies on env.KV and through the gateway. Sources:
const SPEC = 'workers-sdk packages/miniflare/test/plugins/kv/index.spec.ts';
const READ = 'developers.cloudflare.com/kv/api/read-key-value-pairs/';
const WRITE = 'developers.cloudflare.com/kv/api/write-key-value-pairs/';
const DELETE = 'developers.cloudflare.com/kv/api/delete-key-value-pairs/';
const LIST = 'developers.cloudflare.com/kv/api/list-keys/';
const LIMITS = 'developers.cloudflare.com/kv/platform/limits/';

const c = (name: string, source: string, run: ParityCase['run']): ParityCase => ({ name, source, run });
const text = (stream: ReadableStream | null) => (stream === null ? null : new Response(stream).text());
const farFuture = 2_000_000_000; // 2033, in seconds (the binding takes a 32-bit integer)

const cases: ParityCase[] = [
  c('get() of a missing key is null', SPEC, (b, n) => b.KV.get(n.key())),
  c('get() of a missing key is null for every type', READ, async (b, n) =>
    Promise.all([b.KV.get(n.key(), 'json'), b.KV.get(n.key(), 'arrayBuffer'), b.KV.get(n.key(), 'stream')]),
  ),
  c('get() gives the text put', SPEC, async (b, n) => {
    await b.KV.put(n.key(), 'value');
    return b.KV.get(n.key());
  }),
  c('get(key, "text")', READ, async (b, n) => {
    await b.KV.put(n.key(), 'wörld 🌍');
    return b.KV.get(n.key(), 'text');
  }),
  c('get(key, "json")', READ, async (b, n) => {
    await b.KV.put(n.key(), '{"a":[1,2,{"b":null}]}');
    return b.KV.get(n.key(), 'json');
  }),
  c('get(key, { type: "json" })', READ, async (b, n) => {
    await b.KV.put(n.key(), '"s"');
    return b.KV.get(n.key(), { type: 'json' });
  }),
  c('get(key, "json") of text that is not JSON throws', SPEC, async (b, n) => {
    await b.KV.put(n.key(), 'not json');
    return b.KV.get(n.key(), 'json');
  }),
  c('get(key, "arrayBuffer")', READ, async (b, n) => {
    await b.KV.put(n.key(), new Uint8Array([0, 1, 255]));
    return b.KV.get(n.key(), 'arrayBuffer');
  }),
  c('get(key, "stream")', READ, async (b, n) => {
    await b.KV.put(n.key(), 'streamed');
    return text(await b.KV.get(n.key(), 'stream'));
  }),
  c('get(key, { cacheTtl: 60 })', READ, async (b, n) => {
    await b.KV.put(n.key(), 'v');
    return b.KV.get(n.key(), { cacheTtl: 60 });
  }),
  c('get(key, { cacheTtl: 59 }) throws', SPEC, (b, n) => b.KV.get(n.key(), { cacheTtl: 59 })),
  c('get(key, { cacheTtl: 0 }) throws', SPEC, (b, n) => b.KV.get(n.key(), { cacheTtl: 0 })),
  c('get(key, { cacheTtl: 60.5 }) throws', SPEC, (b, n) => b.KV.get(n.key(), { cacheTtl: 60.5 })),
  c('get() of an unknown type throws', SPEC, async (b, n) => {
    await b.KV.put(n.key(), 'v');
    return b.KV.get(n.key(), 'nope' as 'text');
  }),
  c('get("") throws', SPEC, (b) => b.KV.get('')),
  c('get(".") throws', SPEC, (b) => b.KV.get('.')),
  c('get("..") throws', SPEC, (b) => b.KV.get('..')),
  c('get() of a 512-byte key', LIMITS, (b, n) => b.KV.get(n.key().padEnd(512, 'x'))),
  c('get() of a 513-byte key throws', LIMITS, (b, n) => b.KV.get(n.key().padEnd(513, 'x'))),
  c('get() of a 513-byte multi-byte key throws', LIMITS, (b, n) =>
    b.KV.get(`${n.key()}/x${'€'.repeat(164)}`),
  ),
  c('get([keys]) gives a Map', READ, async (b, n) => {
    await b.KV.put(n.key('a'), 'A');
    await b.KV.put(n.key('b'), 'B');
    return b.KV.get([n.key('a'), n.key('b'), n.key('missing')]);
  }),
  c('get([keys], "json") gives a Map of values', READ, async (b, n) => {
    await b.KV.put(n.key('a'), '{"x":1}');
    return b.KV.get([n.key('a'), n.key('z')], 'json');
  }),
  c('get([]) throws', READ, (b) => b.KV.get([])),
  c('get() of 101 keys throws', READ, (b, n) =>
    b.KV.get(Array.from({ length: 101 }, (_, i) => n.key(String(i)))),
  ),
  c('get([keys], "arrayBuffer") throws', READ, (b, n) => b.KV.get([n.key()], 'arrayBuffer' as 'text')),
  c('get([keys], "json") of text that is not JSON throws', READ, async (b, n) => {
    await b.KV.put(n.key(), 'not json');
    return b.KV.get([n.key()], 'json');
  }),
  c('getWithMetadata() of a missing key', SPEC, (b, n) => b.KV.getWithMetadata(n.key())),
  c('getWithMetadata() gives the metadata put', SPEC, async (b, n) => {
    await b.KV.put(n.key(), 'v', { metadata: { a: 1, nested: { list: [true, null] } } });
    return b.KV.getWithMetadata(n.key());
  }),
  c('getWithMetadata() of a value without metadata', SPEC, async (b, n) => {
    await b.KV.put(n.key(), 'v');
    return b.KV.getWithMetadata(n.key());
  }),
  c('getWithMetadata(key, "json")', READ, async (b, n) => {
    await b.KV.put(n.key(), '[1]', { metadata: 'm' });
    return b.KV.getWithMetadata(n.key(), 'json');
  }),
  c('getWithMetadata(key, "arrayBuffer")', READ, async (b, n) => {
    await b.KV.put(n.key(), 'ab', { metadata: 7 });
    return b.KV.getWithMetadata(n.key(), 'arrayBuffer');
  }),
  c('getWithMetadata([keys])', READ, async (b, n) => {
    await b.KV.put(n.key('a'), 'A', { metadata: { m: 'a' } });
    return b.KV.getWithMetadata([n.key('a'), n.key('b')]);
  }),
  c('getWithMetadata("") throws', SPEC, (b) => b.KV.getWithMetadata('')),
  c('getWithMetadata() of a 513-byte key throws', LIMITS, (b, n) =>
    b.KV.getWithMetadata(n.key().padEnd(513, 'x')),
  ),
  c('put() returns undefined', WRITE, (b, n) => b.KV.put(n.key(), 'v')),
  c('put() overwrites', WRITE, async (b, n) => {
    await b.KV.put(n.key(), 'one');
    await b.KV.put(n.key(), 'two');
    return b.KV.get(n.key());
  }),
  c('put() of an ArrayBuffer', WRITE, async (b, n) => {
    await b.KV.put(n.key(), new TextEncoder().encode('buffer').buffer as ArrayBuffer);
    return b.KV.get(n.key());
  }),
  c('put() of a Uint8Array view', WRITE, async (b, n) => {
    await b.KV.put(n.key(), new Uint8Array([1, 2, 3, 4]).subarray(1, 3));
    return b.KV.get(n.key(), 'arrayBuffer');
  }),
  c('put() of a ReadableStream', WRITE, async (b, n) => {
    await b.KV.put(n.key(), new Response('from a stream').body as ReadableStream);
    return b.KV.get(n.key());
  }),
  c('put() of an empty string', WRITE, async (b, n) => {
    await b.KV.put(n.key(), '');
    return b.KV.get(n.key());
  }),
  c('put() of a number', WRITE, async (b, n) => {
    await b.KV.put(n.key(), 123 as unknown as string);
    return b.KV.get(n.key());
  }),
  c('put() of null', WRITE, async (b, n) => {
    await b.KV.put(n.key(), null as unknown as string);
    return b.KV.get(n.key());
  }),
  c('put() of an object throws', WRITE, (b, n) => b.KV.put(n.key(), { a: 1 } as unknown as string)),
  c('put() of a unicode key', WRITE, async (b, n) => {
    await b.KV.put(n.key('ключ 🔑'), 'v');
    return b.KV.get(n.key('ключ 🔑'));
  }),
  c('put("") throws', SPEC, (b) => b.KV.put('', 'v')),
  c('put("..") throws', SPEC, (b) => b.KV.put('..', 'v')),
  c('put() of a 513-byte key throws', LIMITS, (b, n) => b.KV.put(n.key().padEnd(513, 'x'), 'v')),
  c('put() with an expiration in the future', WRITE, async (b, n) => {
    await b.KV.put(n.key(), 'v', { expiration: farFuture });
    return (await b.KV.list({ prefix: n.id })).keys;
  }),
  c('put() with an expiration in the past throws', SPEC, (b, n) => b.KV.put(n.key(), 'v', { expiration: 1 })),
  c('put() with a fractional expiration throws', SPEC, (b, n) =>
    b.KV.put(n.key(), 'v', { expiration: farFuture + 0.5 }),
  ),
  c('put() with an expiration past 2^31 throws', SPEC, (b, n) =>
    b.KV.put(n.key(), 'v', { expiration: 2 ** 31 }),
  ),
  c('put() with an expiration of NaN throws', SPEC, (b, n) =>
    b.KV.put(n.key(), 'v', { expiration: Number.NaN }),
  ),
  c('put() with an expiration of 0 throws', SPEC, (b, n) => b.KV.put(n.key(), 'v', { expiration: 0 })),
  c('put() with an expiration as text', SPEC, async (b, n) => {
    await b.KV.put(n.key(), 'v', { expiration: String(farFuture) as unknown as number });
    return (await b.KV.list({ prefix: n.id })).keys;
  }),
  c('put() with an expirationTtl of 60', WRITE, async (b, n) => {
    await b.KV.put(n.key(), 'v', { expirationTtl: 60 });
    const [key] = (await b.KV.list({ prefix: n.id })).keys;
    return typeof key?.expiration;
  }),
  c('put() with an expirationTtl of 59 throws', SPEC, (b, n) =>
    b.KV.put(n.key(), 'v', { expirationTtl: 59 }),
  ),
  c('put() with an expirationTtl of 0 throws', SPEC, (b, n) => b.KV.put(n.key(), 'v', { expirationTtl: 0 })),
  c('put() with a fractional expirationTtl', SPEC, async (b, n) => {
    await b.KV.put(n.key(), 'v', { expirationTtl: 120.7 });
    return typeof (await b.KV.list({ prefix: n.id })).keys[0]?.expiration;
  }),
  c('put() with an expirationTtl of 59.9 throws', SPEC, (b, n) =>
    b.KV.put(n.key(), 'v', { expirationTtl: 59.9 }),
  ),
  c('get(key, { cacheTtl: 29.9 }) throws', SPEC, (b, n) => b.KV.get(n.key(), { cacheTtl: 29.9 })),
  c('put() with an expirationTtl of NaN throws', SPEC, (b, n) =>
    b.KV.put(n.key(), 'v', { expirationTtl: Number.NaN }),
  ),
  c('put() of a value over 25 MiB throws', LIMITS, (b, n) =>
    b.KV.put(n.key(), new Uint8Array(25 * 1024 * 1024 + 1)),
  ),
  c('put() with metadata of 1,024 bytes', LIMITS, async (b, n) => {
    await b.KV.put(n.key(), 'v', { metadata: 'm'.repeat(1022) });
    return (await b.KV.getWithMetadata(n.key())).metadata;
  }),
  c('put() with metadata over 1,024 bytes throws', LIMITS, (b, n) =>
    b.KV.put(n.key(), 'v', { metadata: 'm'.repeat(1023) }),
  ),
  c('put() with null metadata', WRITE, async (b, n) => {
    await b.KV.put(n.key(), 'v', { metadata: null });
    return b.KV.getWithMetadata(n.key());
  }),
  c('put() with a Date in metadata', WRITE, async (b, n) => {
    await b.KV.put(n.key(), 'v', { metadata: { at: new Date(0) } });
    return b.KV.getWithMetadata(n.key());
  }),
  c('delete() returns undefined and removes', DELETE, async (b, n) => {
    await b.KV.put(n.key(), 'v');
    return [await b.KV.delete(n.key()), await b.KV.get(n.key())];
  }),
  c('delete() of a missing key', DELETE, (b, n) => b.KV.delete(n.key())),
  c('delete("") throws', SPEC, (b) => b.KV.delete('')),
  c('delete() of a 513-byte key throws', LIMITS, (b, n) => b.KV.delete(n.key().padEnd(513, 'x'))),
  c('list() by prefix', LIST, async (b, n) => {
    for (const k of ['b', 'a', 'c']) await b.KV.put(n.key(k), k);
    return b.KV.list({ prefix: n.id });
  }),
  c('list() gives metadata and expiration', LIST, async (b, n) => {
    await b.KV.put(n.key(), 'v', { metadata: { m: 1 }, expiration: farFuture });
    return b.KV.list({ prefix: n.id });
  }),
  c('list() of an unused prefix', LIST, (b, n) => b.KV.list({ prefix: n.id })),
  c('list() with a limit gives a cursor', LIST, async (b, n) => {
    for (const k of ['1', '2', '3']) await b.KV.put(n.key(k), k);
    const page = await b.KV.list({ prefix: n.id, limit: 2 });
    return [page.keys, page.list_complete, typeof (page as { cursor?: string }).cursor];
  }),
  c('list() pages with the cursor', LIST, async (b, n) => {
    for (const k of ['1', '2', '3']) await b.KV.put(n.key(k), k);
    const first = await b.KV.list({ prefix: n.id, limit: 2 });
    return b.KV.list({ prefix: n.id, limit: 2, cursor: first.list_complete ? undefined : first.cursor });
  }),
  c('list() sorts keys by their bytes', LIST, async (b, n) => {
    for (const k of ['é', 'z', 'A', '🌍']) await b.KV.put(n.key(k), k);
    return (await b.KV.list({ prefix: n.id })).keys.map((key) => key.name);
  }),
  c('list() with a limit of 0 throws', SPEC, (b, n) => b.KV.list({ prefix: n.id, limit: 0 })),
  c('list() with a limit of 0 gives every key', SPEC, async (b, n) => {
    for (const k of ['1', '2']) await b.KV.put(n.key(k), k);
    return b.KV.list({ prefix: n.id, limit: 0 });
  }),
  c('list() with a limit of 1,001 throws', SPEC, (b, n) => b.KV.list({ prefix: n.id, limit: 1001 })),
  c('list() with a limit of 1,000', SPEC, (b, n) => b.KV.list({ prefix: n.id, limit: 1000 })),
  c('list() with a prefix over 512 bytes', LIMITS, (b, n) => b.KV.list({ prefix: n.key().padEnd(513, 'x') })),
  c('list() with a null prefix', LIST, async (b, n) => {
    const page = await b.KV.list({ prefix: null, limit: 1 });
    return [page.keys.length, typeof n.id];
  }),
];

describe('KV parity', () => parity('KV', cases));
