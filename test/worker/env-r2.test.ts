import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayEnv, GatewayBindingError } from '../../shared/env/index.ts';
import { GatewayR2ObjectBody } from '../../shared/env/r2-object.ts';
import { INLINE_BODY_MAX_BYTES, R2_MAX_HTTP_METADATA_BYTES } from '../../shared/limits.ts';
import { failure, GATEWAY_URL, gateway, gatewayFetch, randomBytes, unique } from './helpers.ts';

// env.BUCKET through the gateway against env.BUCKET itself: the same calls, the same results.

const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });

/** What an `R2Object` says, as plain data, to compare the binding's objects with ours. */
function described(object: R2Object | null) {
  if (object === null) return null;
  const { key, version, size, etag, httpEtag, uploaded, httpMetadata, customMetadata, range } = object;
  return {
    ...{ key, version, size, etag, httpEtag, uploaded, httpMetadata, customMetadata, range },
    checksums: object.checksums.toJSON(),
    hasBody: 'body' in object,
  };
}

function bodyOf(object: R2Object | R2ObjectBody | null): R2ObjectBody {
  if (object === null || !('body' in object)) throw new Error('expected an object with a body');
  return object;
}

const cacheExpiry = new Date('2030-01-02T03:04:05.000Z');

async function stored(value: string | Uint8Array = '{"hello":"wörld"}') {
  const key = unique('obj');
  await env.BUCKET.put(key, value, {
    httpMetadata: { contentType: 'application/json', contentLanguage: 'en', cacheExpiry },
    customMetadata: { owner: 'test' },
  });
  return key;
}

describe('env.BUCKET.get through the gateway', () => {
  it('gives the same object as the binding: metadata, checksums, range and body', async () => {
    const key = await stored();
    const ours = await gw.BUCKET.get(key);
    const theirs = await env.BUCKET.get(key);
    expect(described(ours)).toEqual(described(theirs));
    expect(described(ours)).toMatchObject({
      key,
      size: 18,
      hasBody: true,
      customMetadata: { owner: 'test' },
    });
    expect(ours?.uploaded).toBeInstanceOf(Date);
    expect(ours?.httpMetadata?.cacheExpiry).toEqual(cacheExpiry);
    expect(new Uint8Array(ours?.checksums.md5 ?? new ArrayBuffer(0))).toEqual(
      new Uint8Array(theirs?.checksums.md5 ?? new ArrayBuffer(1)),
    );
    expect(await ours?.text()).toBe(await theirs?.text());
  });

  it('reads the body as text, JSON, an ArrayBuffer, bytes, a Blob or a stream, as the binding does', async () => {
    const key = await stored();
    const both = async () => [bodyOf(await gw.BUCKET.get(key)), bodyOf(await env.BUCKET.get(key))] as const;
    let [ours, theirs] = await both();
    expect(await ours.text()).toBe(await theirs.text());
    [ours, theirs] = await both();
    expect(await ours.json()).toEqual(await theirs.json());
    [ours, theirs] = await both();
    const buffer = await ours.arrayBuffer();
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(buffer)).toEqual(new Uint8Array(await theirs.arrayBuffer()));
    [ours, theirs] = await both();
    expect(await ours.bytes()).toEqual(await theirs.bytes());
    [ours, theirs] = await both();
    const [ourBlob, theirBlob] = [await ours.blob(), await theirs.blob()];
    expect([ourBlob.type, ourBlob.size]).toEqual([theirBlob.type, theirBlob.size]);
    expect(await ourBlob.text()).toBe(await theirBlob.text());
    [ours, theirs] = await both();
    expect(ours.body).toBeInstanceOf(ReadableStream);
    expect(await new Response(ours.body).text()).toBe(await new Response(theirs.body).text());
  });

  it('gives bytes byte-exact, through a BYOB reader too', async () => {
    const data = randomBytes(50_000);
    const key = await stored(data);
    expect(await bodyOf(await gw.BUCKET.get(key)).bytes()).toEqual(data);
    const reader = bodyOf(await gw.BUCKET.get(key)).body.getReader({ mode: 'byob' });
    const { value } = await reader.read(new Uint8Array(1000));
    expect(value).toEqual(data.subarray(0, 1000));
  });

  it('reads the body once: bodyUsed turns true on the first read, and a second read fails as on the binding', async () => {
    const key = await stored();
    const [ours, theirs] = [bodyOf(await gw.BUCKET.get(key)), bodyOf(await env.BUCKET.get(key))];
    expect(ours.bodyUsed).toBe(false);
    await ours.text();
    await theirs.text();
    expect(ours.bodyUsed).toBe(theirs.bodyUsed);
    expect(ours.bodyUsed).toBe(true);
    const ourError = await failure(() => ours.arrayBuffer());
    const theirError = await failure(() => theirs.arrayBuffer());
    expect(ourError).toBeInstanceOf(TypeError);
    expect(ourError.message).toBe(theirError.message);

    const [locked, theirLocked] = [bodyOf(await gw.BUCKET.get(key)), bodyOf(await env.BUCKET.get(key))];
    const [reader, theirReader] = [locked.body.getReader(), theirLocked.body.getReader()];
    expect(locked.bodyUsed).toBe(theirLocked.bodyUsed);
    await reader.read();
    await theirReader.read();
    expect(locked.bodyUsed).toBe(theirLocked.bodyUsed);
    expect(locked.bodyUsed).toBe(true);
  });

  it('gives null for a missing key, as get and head on the binding do', async () => {
    const key = unique('missing');
    expect(await gw.BUCKET.get(key)).toBeNull();
    expect(await gw.BUCKET.head(key)).toBeNull();
    expect(await env.BUCKET.get(key)).toBeNull();
  });

  it('reads the same range as the binding, given as an object or as a Range header', async () => {
    const key = unique('range');
    await env.BUCKET.put(key, 'abcdefghij');
    const ranges: Array<R2Range | Headers> = [
      { offset: 2, length: 3 },
      { offset: 7 },
      { length: 4 },
      { suffix: 4 },
      { offset: 8, length: 100 },
      new Headers({ range: 'bytes=1-3' }),
      new Headers({ range: 'bytes=-3' }),
      new Headers({ range: 'bytes=6-' }),
      new Headers({ range: 'bytes=0-1,4-5' }),
      new Headers(),
    ];
    for (const range of ranges) {
      const ours = bodyOf(await gw.BUCKET.get(key, { range }));
      const theirs = bodyOf(await env.BUCKET.get(key, { range }));
      expect(ours.range).toEqual(theirs.range);
      expect(await ours.text()).toBe(await theirs.text());
    }
    expect(await bodyOf(await gw.BUCKET.get(key, { range: { offset: 2, length: 3 } })).text()).toBe('cde');
  });

  it('gives the object without a body when an onlyIf condition fails, as the binding does', async () => {
    const key = await stored();
    const head = await env.BUCKET.head(key);
    const onlyIf = { etagDoesNotMatch: head?.etag };
    const ours = await gw.BUCKET.get(key, { onlyIf });
    const theirs = await env.BUCKET.get(key, { onlyIf });
    expect(described(ours)).toEqual(described(theirs));
    expect(described(ours)).toMatchObject({ key, hasBody: false });
    const headers = new Headers();
    ours?.writeHttpMetadata(headers);
    expect(headers.get('content-type')).toBe('application/json');
    const hit = await gw.BUCKET.get(key, { onlyIf: { etagMatches: head?.etag } });
    expect(await bodyOf(hit).json()).toEqual({ hello: 'wörld' });
    const past = { uploadedBefore: new Date('2000-01-01T00:00:00Z') };
    expect(described(await gw.BUCKET.get(key, { onlyIf: past }))).toEqual(
      described(await env.BUCKET.get(key, { onlyIf: past })),
    );
  });

  it('reads onlyIf given as Headers as the binding does, and refuses a list of etags with a TypeError', async () => {
    const key = await stored();
    const etag = (await env.BUCKET.head(key))?.httpEtag ?? '';
    const matching = new Headers({ 'if-match': etag });
    expect('body' in bodyOf(await gw.BUCKET.get(key, { onlyIf: matching }))).toBe(true);
    const failing = await gw.BUCKET.get(key, { onlyIf: new Headers({ 'if-none-match': etag }) });
    expect(failing === null || 'body' in failing).toBe(false);
    const list = new Headers({ 'if-match': `"x", ${etag}` });
    const error = await failure(() => gw.BUCKET.get(key, { onlyIf: list }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/R2Conditional/);
  });

  it('rejects an over-size key as the binding does, with LIMIT_EXCEEDED', async () => {
    const key = 'k'.repeat(1025);
    expect(await failure(() => env.BUCKET.get(key))).toBeInstanceOf(Error);
    const ours = await failure(() => gw.BUCKET.get(key));
    expect(ours).toBeInstanceOf(GatewayBindingError);
    expect(ours).toMatchObject({ gatewayCode: 'LIMIT_EXCEEDED' });
  });
});

describe('env.BUCKET.head and writeHttpMetadata through the gateway', () => {
  it('heads an object as the binding does, without a body', async () => {
    const key = await stored();
    const ours = await gw.BUCKET.head(key);
    expect(described(ours)).toEqual(described(await env.BUCKET.head(key)));
    expect(described(ours)).toMatchObject({ key, hasBody: false, customMetadata: { owner: 'test' } });
  });

  it('writes the same headers as the binding from the HTTP metadata', async () => {
    const key = unique('headers');
    await env.BUCKET.put(key, 'x', {
      httpMetadata: {
        contentType: 'text/plain',
        contentLanguage: 'fr',
        contentDisposition: 'attachment; filename="x.txt"',
        contentEncoding: 'identity',
        cacheControl: 'max-age=60',
        cacheExpiry,
      },
    });
    const [ours, theirs] = [new Headers({ 'x-kept': '1' }), new Headers({ 'x-kept': '1' })];
    (await gw.BUCKET.head(key))?.writeHttpMetadata(ours);
    (await env.BUCKET.head(key))?.writeHttpMetadata(theirs);
    expect([...ours.entries()]).toEqual([...theirs.entries()]);
    expect(ours.get('expires')).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
    expect(ours.get('x-kept')).toBe('1');
  });
});

describe('env.BUCKET.put through the gateway', () => {
  const data = randomBytes(3000);
  const values: Array<[string, () => string | ArrayBuffer | ArrayBufferView | ReadableStream | Blob | null]> =
    [
      ['a string', () => 'héllo'],
      ['an ArrayBuffer', () => data.slice().buffer],
      ['a view into a larger buffer', () => new Uint8Array(data.buffer, 100, 1000)],
      ['a ReadableStream', () => new Blob([data]).stream()],
      ['a Blob', () => new Blob([data], { type: 'text/x-ignored' })],
      ['null', () => null],
    ];

  for (const [name, value] of values) {
    it(`stores ${name} with its metadata as the binding does`, async () => {
      const [ourKey, theirKey] = [unique('put'), unique('put')];
      const options = {
        httpMetadata: { contentType: 'application/octet-stream', cacheExpiry },
        customMetadata: { a: '1', b: 'two' },
      };
      const ours = await gw.BUCKET.put(ourKey, value(), options);
      const theirs = await env.BUCKET.put(theirKey, value(), options);
      const comparable = (object: R2Object | null) => ({
        ...described(object),
        key: '',
        version: '',
        uploaded: 0,
      });
      expect(comparable(ours)).toEqual(comparable(theirs));
      // put's object has no range (as on the binding); head's has the whole object's.
      expect({ ...described(ours), range: undefined }).toEqual({
        ...described(await env.BUCKET.head(ourKey)),
        range: undefined,
      });
      expect(ours?.range).toBeUndefined();
      const [ourBody, theirBody] = [await env.BUCKET.get(ourKey), await env.BUCKET.get(theirKey)];
      expect(await ourBody?.bytes()).toEqual(await theirBody?.bytes());
    });
  }

  it('stores HTTP metadata given as Headers as the binding does', async () => {
    const [ourKey, theirKey] = [unique('hdr'), unique('hdr')];
    const httpMetadata = () =>
      new Headers({
        'content-type': 'text/plain',
        'cache-control': 'no-cache',
        expires: 'Wed, 02 Jan 2030 03:04:05 GMT',
        'x-other': 'ignored',
      });
    const ours = await gw.BUCKET.put(ourKey, 'x', { httpMetadata: httpMetadata() });
    const theirs = await env.BUCKET.put(theirKey, 'x', { httpMetadata: httpMetadata() });
    expect(ours?.httpMetadata).toEqual(theirs.httpMetadata);
    expect(ours?.httpMetadata).toEqual({ contentType: 'text/plain', cacheControl: 'no-cache', cacheExpiry });
  });

  it('gives null and leaves the object as it was when an onlyIf condition fails, as the binding does', async () => {
    const key = await stored('original');
    const onlyIf = { etagMatches: 'not-the-etag' };
    expect(await gw.BUCKET.put(key, 'replaced', { onlyIf })).toBeNull();
    expect(await env.BUCKET.put(key, 'replaced', { onlyIf })).toBeNull();
    expect(await (await env.BUCKET.get(key))?.text()).toBe('original');
    const head = await env.BUCKET.head(key);
    const replaced = await gw.BUCKET.put(key, 'replaced', { onlyIf: { etagMatches: head?.etag } });
    expect(replaced?.size).toBe(8);
    expect(await (await env.BUCKET.get(key))?.text()).toBe('replaced');
  });

  it('checks an md5 given as hex or bytes, and rejects a wrong one as the binding does', async () => {
    const md5 = (await env.BUCKET.put(unique('sum'), 'checked'))?.checksums;
    const hex = md5?.toJSON().md5 ?? '';
    expect((await gw.BUCKET.put(unique('sum'), 'checked', { md5: hex }))?.checksums.toJSON().md5).toBe(hex);
    const bytes = md5?.md5 ?? new ArrayBuffer(0);
    expect((await gw.BUCKET.put(unique('sum'), 'checked', { md5: bytes }))?.checksums.toJSON().md5).toBe(hex);
    const wrong = '0'.repeat(32);
    expect(await failure(() => env.BUCKET.put(unique('sum'), 'checked', { md5: wrong }))).toBeInstanceOf(
      Error,
    );
    const ours = await failure(() => gw.BUCKET.put(unique('sum'), 'checked', { md5: wrong }));
    expect(ours).toMatchObject({ name: 'Error', gatewayCode: 'BAD_INPUT' });
  });

  it('refuses a value the binding refuses, with a TypeError', async () => {
    const value = 42 as unknown as string;
    expect(await failure(() => env.BUCKET.put(unique('num'), value))).toBeInstanceOf(TypeError);
    expect(await failure(() => gw.BUCKET.put(unique('num'), value))).toBeInstanceOf(TypeError);
  });

  it('refuses options the contract cannot carry instead of dropping them', async () => {
    const ssecKey = 'a'.repeat(64);
    const error = await failure(() => gw.BUCKET.put(unique('opt'), 'x', { ssecKey }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/ssecKey/);
  });
});

describe('env.BUCKET.delete and env.BUCKET.list through the gateway', () => {
  it('deletes one key or many, and a missing key resolves as on the binding', async () => {
    const [a, b, c] = [unique('del'), unique('del'), unique('del')];
    for (const key of [a, b, c]) await env.BUCKET.put(key, key);
    await gw.BUCKET.delete(a);
    expect(await env.BUCKET.head(a)).toBeNull();
    expect(await env.BUCKET.head(b)).not.toBeNull();
    await gw.BUCKET.delete([b, c, unique('never')]);
    for (const key of [b, c]) expect(await env.BUCKET.head(key)).toBeNull();
    await expect(gw.BUCKET.delete(a)).resolves.toBe(await env.BUCKET.delete(a));
  });

  it('lists the same page as the binding with a delimiter', async () => {
    const prefix = `${unique('list')}/`;
    for (const name of ['a', 'b', 'dir/x', 'dir/y']) await env.BUCKET.put(prefix + name, name);
    const page = (result: R2Objects) => ({ ...result, objects: result.objects.map(described) });
    const options = { prefix, delimiter: '/' };
    const ours = await gw.BUCKET.list(options);
    expect(page(ours)).toEqual(page(await env.BUCKET.list(options)));
    expect(ours.objects.map((o) => o.key)).toEqual([`${prefix}a`, `${prefix}b`]);
    expect(ours.delimitedPrefixes).toEqual([`${prefix}dir/`]);
    expect(ours.truncated).toBe(false);
    const included = { prefix, include: ['httpMetadata', 'customMetadata'] as const };
    expect(page(await gw.BUCKET.list({ ...included, include: [...included.include] }))).toEqual(
      page(await env.BUCKET.list({ ...included, include: [...included.include] })),
    );
  });

  it('lists the same pages as the binding, following the cursor to the end', async () => {
    const prefix = `${unique('pages')}/`;
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await env.BUCKET.put(prefix + name, name, { customMetadata: { name } });
    }
    const pages = async (bucket: R2Bucket) => {
      const out = [];
      let cursor: string | undefined;
      do {
        const result = await bucket.list({ prefix, limit: 2, cursor });
        out.push({ ...result, objects: result.objects.map(described) });
        cursor = result.truncated ? result.cursor : undefined;
      } while (cursor !== undefined);
      return out;
    };
    const ours = await pages(gw.BUCKET);
    expect(ours).toEqual(await pages(env.BUCKET));
    expect(ours.map((p) => p.objects.map((o) => o?.key))).toEqual([
      [`${prefix}a`, `${prefix}b`],
      [`${prefix}c`, `${prefix}d`],
      [`${prefix}e`],
    ]);
    expect(ours[0]).toMatchObject({ truncated: true, cursor: expect.any(String) });
    expect(ours[2]).toHaveProperty('cursor', undefined);
  });
});

describe('multipart uploads through the gateway', () => {
  it("fails a completion R2 refuses in R2's words, as BAD_INPUT and not retryable, never INTERNAL", async () => {
    const upload = await gw.BUCKET.createMultipartUpload(unique('refused'));
    const small = await upload.uploadPart(1, 'small');
    const last = await upload.uploadPart(2, 'end');
    const cases: [R2UploadedPart[], RegExp][] = [
      [[small, last], /^completeMultipartUpload: .*\(10011\)$/],
      [[{ partNumber: 1, etag: 'nope' }], /^completeMultipartUpload: .*\(10025\)$/],
    ];
    for (const [parts, message] of cases) {
      const error = await failure(() => upload.complete(parts));
      expect(error.message).toMatch(message);
      expect(error).toMatchObject({ name: 'Error', gatewayCode: 'BAD_INPUT', retryable: false });
      expect(Object.keys(error)).toEqual([]);
    }
  });

  const MiB = 1024 * 1024;

  it('upload 3 parts, streamed, and complete into one object byte-exact', async () => {
    const key = unique('mp');
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const upload = await gw.BUCKET.createMultipartUpload(key, {
      httpMetadata: { contentType: 'application/x-test' },
      customMetadata: { parts: '3' },
    });
    expect(upload.key).toBe(key);
    // Parts in any order and through any kind of value, as on the binding.
    const uploaded = await Promise.all([
      upload.uploadPart(2, new Blob([parts[1] ?? new Uint8Array(0)])),
      upload.uploadPart(1, parts[0] ?? new Uint8Array(0)),
      gw.BUCKET.resumeMultipartUpload(key, upload.uploadId).uploadPart(
        3,
        (parts[2] ?? new Uint8Array(0)).buffer as ArrayBuffer,
      ),
    ]);
    const object = await upload.complete(uploaded.sort((a, b) => a.partNumber - b.partNumber));
    expect(object).toMatchObject({ key, size: 10 * MiB + 1234, customMetadata: { parts: '3' } });
    const stored = await env.BUCKET.get(key);
    const bytes = new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0));
    const whole = new Uint8Array(10 * MiB + 1234);
    whole.set(parts[0] ?? [], 0);
    whole.set(parts[1] ?? [], 5 * MiB);
    whole.set(parts[2] ?? [], 10 * MiB);
    expect(bytes.byteLength).toBe(whole.byteLength);
    expect(bytes).toEqual(whole);
    expect(stored?.httpMetadata?.contentType).toBe('application/x-test');
  });

  it('abort an upload: its parts are dropped and no object appears', async () => {
    const key = unique('mp-abort');
    const upload = await gw.BUCKET.createMultipartUpload(key);
    await upload.uploadPart(1, randomBytes(5 * MiB));
    await upload.abort();
    expect(await env.BUCKET.head(key)).toBeNull();
    const error = await failure(() => upload.complete([{ partNumber: 1, etag: 'x' }]));
    expect(error).toMatchObject({ name: 'Error', gatewayCode: 'NOT_FOUND' });
  });
});

describe('R2 metadata at its bounds through the gateway (issue 15, finding 6)', () => {
  const large = randomBytes(INLINE_BODY_MAX_BYTES + 1);
  // Five text fields, together R2_MAX_HTTP_METADATA_BYTES of UTF-8 ('é' is 2 bytes).
  const fullHttp = {
    contentType: 'é'.repeat(1_000),
    contentLanguage: 'x'.repeat(2_000),
    contentDisposition: '\u0001'.repeat(2_000),
    contentEncoding: 'y'.repeat(1_000),
    cacheControl: 'z'.repeat(R2_MAX_HTTP_METADATA_BYTES - 7_000),
    cacheExpiry,
  };
  const customMetadata = { m: '\u0001'.repeat(8_000) };

  it('stores and reads back HTTP metadata of exactly the bound and 8,000 bytes of \\u0001 custom metadata, inline and streamed', async () => {
    for (const body of ['small', large]) {
      const key = unique('meta-full');
      const put = await gw.BUCKET.put(key, body, { httpMetadata: fullHttp, customMetadata });
      expect(put.customMetadata).toEqual(customMetadata);
      const object = bodyOf(await gw.BUCKET.get(key));
      expect(object.httpMetadata).toEqual(fullHttp);
      expect(object.customMetadata).toEqual(customMetadata);
      expect((await object.bytes()).byteLength).toBe(typeof body === 'string' ? 5 : large.byteLength);
    }
  });

  it('refuses HTTP metadata one byte over the bound with LIMIT_EXCEEDED, inline, streamed and for a multipart upload', async () => {
    const over = { ...fullHttp, contentType: `${fullHttp.contentType}!` };
    const key = unique('meta-over');
    await env.BUCKET.put(key, 'old');
    for (const call of [
      () => gw.BUCKET.put(key, 'small', { httpMetadata: over }),
      () => gw.BUCKET.put(key, large, { httpMetadata: over }),
      () => gw.BUCKET.createMultipartUpload(key, { httpMetadata: over }),
    ]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(GatewayBindingError);
      expect(error).toMatchObject({ gatewayCode: 'LIMIT_EXCEEDED' });
      expect(error.message).toMatch(/HTTP metadata is over 8192 bytes/);
    }
    expect(await (await env.BUCKET.get(key))?.text()).toBe('old');
  });

  it('still reads an object whose HTTP metadata is over the bound (stored by the binding itself)', async () => {
    const key = unique('meta-binding');
    await env.BUCKET.put(key, 'v', { httpMetadata: { contentType: 'x'.repeat(20_000) } });
    expect(bodyOf(await gw.BUCKET.get(key)).httpMetadata?.contentType).toHaveLength(20_000);
    expect((await gw.BUCKET.head(key))?.httpMetadata?.contentType).toHaveLength(20_000);
  });
});

describe("an R2 object body's stream", () => {
  it('skips empty chunks of its source rather than leaving a read waiting', async () => {
    const key = unique('empty-chunks');
    await env.BUCKET.put(key, 'abc');
    const object = await gateway.r2.head.query({ key });
    if (object === null) return expect.unreachable('the object was just put');
    const parts = ['', 'ab', '', '', 'c', ''];
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(part));
      },
    });
    const body = new GatewayR2ObjectBody(object, source);
    // A read that waited for ever would end the test at its timeout instead.
    expect(await Promise.race([body.text(), scheduler.wait(2_000).then(() => 'still waiting')])).toBe('abc');
  });
});
