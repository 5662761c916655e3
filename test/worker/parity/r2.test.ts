import { describe } from 'vitest';
import { parity } from './harness.ts';
import { API, CODES, c, digest, hex, LIMITS, SPEC, seen } from './r2-cases.ts';

// R2 objects: the same bodies on env.BUCKET and through the gateway (multipart: r2-multipart.test.ts).

const longKey = (key: string) => `${key}/`.padEnd(1025, 'x');

const cases = [
  c('head() of a missing key is null', SPEC, (b, n) => b.BUCKET.head(n.key())),
  c('head() gives the object', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'value');
    return b.BUCKET.head(n.key());
  }),
  c('head() of a 1,025-byte key throws', LIMITS, (b, n) => b.BUCKET.head(longKey(n.key()))),
  c('get() of a missing key is null', SPEC, (b, n) => b.BUCKET.get(n.key())),
  c('get() gives the object and its text', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'wörld 🌍');
    return seen(await b.BUCKET.get(n.key()));
  }),
  c('get() body as arrayBuffer()', API, async (b, n) => {
    await b.BUCKET.put(n.key(), new Uint8Array([0, 1, 255]));
    return (await b.BUCKET.get(n.key()))?.arrayBuffer();
  }),
  c('get() body as bytes()', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'ab');
    return (await b.BUCKET.get(n.key()))?.bytes();
  }),
  c('get() body as json()', API, async (b, n) => {
    await b.BUCKET.put(n.key(), '{"a":[1]}');
    return (await b.BUCKET.get(n.key()))?.json();
  }),
  c('get() body as blob()', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'blob', { httpMetadata: { contentType: 'text/plain' } });
    const blob = await (await b.BUCKET.get(n.key()))?.blob();
    return [blob?.type, await blob?.text()];
  }),
  c('get() body read as a stream', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'streamed');
    const object = await b.BUCKET.get(n.key());
    return [await new Response(object?.body).text(), object?.bodyUsed];
  }),
  c('get() body read twice throws', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'once');
    const object = await b.BUCKET.get(n.key());
    await object?.text();
    return object?.text();
  }),
  c('get() of a range { offset, length }', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { offset: 2, length: 3 } }));
  }),
  c('get() of a range { offset }', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { offset: 7 } }));
  }),
  c('get() of a range { length }', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { length: 4 } }));
  }),
  c('get() of a range { suffix }', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { suffix: 3 } }));
  }),
  c('get() of a Range header', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: new Headers({ range: 'bytes=1-3' }) }));
  }),
  c('get() of a range of length 0 throws', CODES, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { offset: 1, length: 0 } }));
  }),
  c('get() of a suffix of 0 throws', CODES, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { suffix: 0 } }));
  }),
  c('get() of a range past the end throws', CODES, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { offset: 20 } }));
  }),
  c('get() of a range longer than the object', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), '0123456789');
    return seen(await b.BUCKET.get(n.key(), { range: { offset: 8, length: 10 } }));
  }),
  c('get() with a matching etagMatches', SPEC, async (b, n) => {
    const put = await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.get(n.key(), { onlyIf: { etagMatches: put?.etag } }));
  }),
  c('get() with a failing etagMatches gives no body', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.get(n.key(), { onlyIf: { etagMatches: 'nope' } }));
  }),
  c('get() with a failing etagDoesNotMatch gives no body', SPEC, async (b, n) => {
    const put = await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.get(n.key(), { onlyIf: { etagDoesNotMatch: put?.etag } }));
  }),
  c('get() with uploadedBefore in the past gives no body', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.get(n.key(), { onlyIf: { uploadedBefore: new Date(0) } }));
  }),
  c('get() with uploadedAfter in the past', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.get(n.key(), { onlyIf: { uploadedAfter: new Date(0) } }));
  }),
  c('get() with onlyIf as Headers', SPEC, async (b, n) => {
    const put = await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.get(n.key(), { onlyIf: new Headers({ 'if-match': put?.httpEtag ?? '' }) }));
  }),
  c('get() with If-None-Match of its etag gives no body', SPEC, async (b, n) => {
    const put = await b.BUCKET.put(n.key(), 'v');
    return seen(
      await b.BUCKET.get(n.key(), { onlyIf: new Headers({ 'if-none-match': put?.httpEtag ?? '' }) }),
    );
  }),
  c('get() with a weak If-Match etag', SPEC, async (b, n) => {
    const put = await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.get(n.key(), { onlyIf: new Headers({ 'if-match': `W/${put?.httpEtag}` }) }));
  }),
  c('get() with If-Modified-Since in the past', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    const onlyIf = new Headers({ 'if-modified-since': new Date(0).toUTCString() });
    return seen(await b.BUCKET.get(n.key(), { onlyIf }));
  }),
  c('get() with If-Unmodified-Since in the past gives no body', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    const onlyIf = new Headers({ 'if-unmodified-since': new Date(0).toUTCString() });
    return seen(await b.BUCKET.get(n.key(), { onlyIf }));
  }),
  c('put() with If-Match as Headers that fails is null', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    return b.BUCKET.put(n.key(), 'w', { onlyIf: new Headers({ 'if-match': '"nope"' }) });
  }),
  c('get() of a 1,025-byte key throws', LIMITS, (b, n) => b.BUCKET.get(longKey(n.key()))),
  c('put() of a string gives the object', SPEC, (b, n) => b.BUCKET.put(n.key(), 'value')),
  c('put() of an ArrayBuffer', API, (b, n) => b.BUCKET.put(n.key(), new Uint8Array([1, 2]).buffer)),
  c('put() of a Uint8Array view', API, async (b, n) => {
    await b.BUCKET.put(n.key(), new Uint8Array([1, 2, 3, 4]).subarray(1, 3));
    return (await b.BUCKET.get(n.key()))?.arrayBuffer();
  }),
  c('put() of a Blob', API, async (b, n) => {
    await b.BUCKET.put(n.key(), new Blob(['blob']));
    return seen(await b.BUCKET.get(n.key()));
  }),
  c('put() of null', API, async (b, n) => seen(await b.BUCKET.put(n.key(), null))),
  c('put() of a Response body', API, async (b, n) => {
    await b.BUCKET.put(n.key(), new Response('from a response').body);
    return seen(await b.BUCKET.get(n.key()));
  }),
  c('put() of a number throws', API, (b, n) => b.BUCKET.put(n.key(), 5 as unknown as string)),
  c('put() with httpMetadata', API, async (b, n) => {
    const httpMetadata = {
      contentType: 'text/plain',
      contentLanguage: 'en',
      contentDisposition: 'inline',
      contentEncoding: 'identity',
      cacheControl: 'no-store',
      cacheExpiry: new Date('2030-01-02T03:04:05Z'),
    };
    await b.BUCKET.put(n.key(), 'v', { httpMetadata });
    return b.BUCKET.head(n.key());
  }),
  c('put() with httpMetadata as Headers', API, async (b, n) => {
    const headers = new Headers({
      'content-type': 'application/json',
      'cache-control': 'max-age=1',
      'x-other': '1',
    });
    await b.BUCKET.put(n.key(), '{}', { httpMetadata: headers });
    return b.BUCKET.head(n.key());
  }),
  c('put() with httpMetadata over 8,192 bytes', LIMITS, (b, n) =>
    b.BUCKET.put(n.key(), 'v', { httpMetadata: { contentDisposition: 'x'.repeat(8193) } }),
  ),
  c('writeHttpMetadata() fills Headers', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v', {
      httpMetadata: { contentType: 'text/html', cacheExpiry: new Date(0) },
    });
    const headers = new Headers();
    (await b.BUCKET.head(n.key()))?.writeHttpMetadata(headers);
    return headers;
  }),
  c('put() with customMetadata', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v', { customMetadata: { a: '1', ü: 'ß' } });
    return b.BUCKET.head(n.key());
  }),
  c('put() with customMetadata over the limit throws', LIMITS, (b, n) =>
    b.BUCKET.put(n.key(), 'v', { customMetadata: { big: 'x'.repeat(8192) } }),
  ),
  c('put() with a correct md5 as hex', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'md5', { md5: hex(await digest('MD5', 'md5')) }),
  ),
  c('put() with a correct md5 as bytes', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'md5', { md5: await digest('MD5', 'md5') }),
  ),
  c('put() with a wrong md5 throws', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'md5', { md5: hex(await digest('MD5', 'other')) }),
  ),
  c('put() with a correct sha1', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'sha', { sha1: hex(await digest('SHA-1', 'sha')) }),
  ),
  c('put() with a wrong sha1 throws', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'sha', { sha1: hex(await digest('SHA-1', 'x')) }),
  ),
  c('put() with a correct sha256', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'sha', { sha256: await digest('SHA-256', 'sha') }),
  ),
  c('put() with a correct sha384', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'sha', { sha384: hex(await digest('SHA-384', 'sha')) }),
  ),
  c('put() with a wrong sha384 throws', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'sha', { sha384: hex(await digest('SHA-384', 'x')) }),
  ),
  c('put() with a correct sha512', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'sha', { sha512: await digest('SHA-512', 'sha') }),
  ),
  c('put() with two checksums throws', SPEC, async (b, n) =>
    b.BUCKET.put(n.key(), 'sha', { md5: await digest('MD5', 'sha'), sha1: await digest('SHA-1', 'sha') }),
  ),
  c('put() with a checksum of the wrong length throws', SPEC, (b, n) =>
    b.BUCKET.put(n.key(), 'v', { md5: 'abcd' }),
  ),
  c('put() with a failing etagMatches is null', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    return b.BUCKET.put(n.key(), 'w', { onlyIf: { etagMatches: 'nope' } });
  }),
  c('put() with a passing etagDoesNotMatch', SPEC, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    return seen(await b.BUCKET.put(n.key(), 'w', { onlyIf: { etagDoesNotMatch: 'nope' } }));
  }),
  c('put() with storageClass Standard', API, (b, n) =>
    b.BUCKET.put(n.key(), 'v', { storageClass: 'Standard' }),
  ),
  c('put() of a 1,025-byte key throws', LIMITS, (b, n) => b.BUCKET.put(longKey(n.key()), 'v')),
  c('put() of a unicode key', API, async (b, n) => {
    await b.BUCKET.put(n.key('ключ 🔑'), 'v');
    return seen(await b.BUCKET.get(n.key('ключ 🔑')));
  }),
  c('the empty key "" is put, read, listed and deleted', SPEC, async (b) => {
    const put = await b.BUCKET.put('', 'empty key');
    const read = await seen(await b.BUCKET.get(''));
    const head = await b.BUCKET.head('');
    const listed = (await b.BUCKET.list({ limit: 1 })).objects.map((object) => object.key);
    await b.BUCKET.delete('');
    return [put, read, head, listed, await b.BUCKET.head('')];
  }),
  c('delete() removes and returns undefined', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v');
    return [await b.BUCKET.delete(n.key()), await b.BUCKET.head(n.key())];
  }),
  c('delete() of a missing key', API, (b, n) => b.BUCKET.delete(n.key())),
  c('delete() of several keys', API, async (b, n) => {
    await b.BUCKET.put(n.key('a'), 'a');
    await b.BUCKET.put(n.key('b'), 'b');
    await b.BUCKET.delete([n.key('a'), n.key('b'), n.key('c')]);
    return b.BUCKET.list({ prefix: n.id });
  }),
  c('delete() of 1,001 keys throws', LIMITS, (b, n) =>
    b.BUCKET.delete(Array.from({ length: 1001 }, (_, i) => n.key(String(i)))),
  ),
  c('delete() of a 1,025-byte key throws', LIMITS, (b, n) => b.BUCKET.delete(longKey(n.key()))),
  c('list() by prefix', API, async (b, n) => {
    for (const k of ['b', 'a']) await b.BUCKET.put(n.key(k), k);
    return b.BUCKET.list({ prefix: n.id });
  }),
  c('list() of an unused prefix', API, (b, n) => b.BUCKET.list({ prefix: n.id })),
  c('list() with a limit is truncated', API, async (b, n) => {
    for (const k of ['1', '2', '3']) await b.BUCKET.put(n.key(k), k);
    return b.BUCKET.list({ prefix: n.id, limit: 2 });
  }),
  c('list() pages with the cursor', API, async (b, n) => {
    for (const k of ['1', '2', '3']) await b.BUCKET.put(n.key(k), k);
    const first = await b.BUCKET.list({ prefix: n.id, limit: 2 });
    return b.BUCKET.list({ prefix: n.id, limit: 2, cursor: first.truncated ? first.cursor : undefined });
  }),
  c('list() with a delimiter', API, async (b, n) => {
    for (const k of ['d/1', 'd/2', 'e/1', 'f']) await b.BUCKET.put(n.key(k), k);
    return b.BUCKET.list({ prefix: `${n.id}/`, delimiter: '/' });
  }),
  c('list() with include', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v', { httpMetadata: { contentType: 'a/b' }, customMetadata: { c: 'd' } });
    return b.BUCKET.list({ prefix: n.id, include: ['httpMetadata', 'customMetadata'] });
  }),
  c('list() without include leaves metadata out', API, async (b, n) => {
    await b.BUCKET.put(n.key(), 'v', { httpMetadata: { contentType: 'a/b' }, customMetadata: { c: 'd' } });
    return b.BUCKET.list({ prefix: n.id });
  }),
  c('list() with startAfter', API, async (b, n) => {
    for (const k of ['1', '2', '3']) await b.BUCKET.put(n.key(k), k);
    return b.BUCKET.list({ prefix: n.id, startAfter: n.key('1') });
  }),
  c('list() with a limit of 0 throws', SPEC, (b, n) => b.BUCKET.list({ prefix: n.id, limit: 0 })),
  c('list() with a limit of 1,001 throws', SPEC, (b, n) => b.BUCKET.list({ prefix: n.id, limit: 1001 })),
];

describe('R2 parity', () => parity('R2', cases));
