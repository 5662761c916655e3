import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { GatewayBindingError } from '../../shared/env/index.ts';
import {
  GATEWAY_MAX_ANSWER_INLINE_BYTES,
  INLINE_BODY_MAX_BYTES,
  R2_MAX_CUSTOM_METADATA_BYTES,
  R2_MAX_DELETE_KEYS,
  R2_MAX_KEY_BYTES,
} from '../../shared/index.ts';
import { r2GetStream, r2PutStream } from '../../shared/stream-client.ts';
import {
  expectGatewayError,
  failure,
  GATEWAY_URL,
  gateway,
  gatewayFetch,
  randomBytes,
  rawBatch,
  unique,
} from './helpers.ts';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('r2.put and r2.get', () => {
  it('round-trips bytes byte-exact, with metadata, and Dates as Dates', async () => {
    const key = unique('obj');
    const body = randomBytes(10_000);
    const cacheExpiry = new Date('2030-01-02T03:04:05.000Z');
    const put = await gateway.r2.put.mutate({
      key,
      body,
      httpMetadata: { contentType: 'application/octet-stream', cacheExpiry },
      customMetadata: { owner: 'test' },
    });
    expect(put).toMatchObject({ key, size: body.byteLength, customMetadata: { owner: 'test' } });
    expect(put?.uploaded).toBeInstanceOf(Date);
    expect(put?.checksums.md5).toMatch(/^[0-9a-f]{32}$/);

    const got = await gateway.r2.get.query({ key });
    if (got === null || !('body' in got)) return expect.unreachable('expected an object with a body');
    expect(got.body).toEqual(body);
    expect(got.httpMetadata.cacheExpiry).toBeInstanceOf(Date);
    expect(got.httpMetadata.cacheExpiry?.getTime()).toBe(cacheExpiry.getTime());
    expect(got.etag).toBe(put?.etag);

    const direct = await env.BUCKET.get(key);
    expect(new Uint8Array((await direct?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(body);
  });

  it('returns null for a missing key', async () => {
    expect(await gateway.r2.get.query({ key: unique('missing') })).toBeNull();
    expect(await gateway.r2.head.query({ key: unique('missing') })).toBeNull();
  });

  it('reads a range from either end', async () => {
    const key = unique('range');
    await env.BUCKET.put(key, 'abcdefghij');
    const middle = await gateway.r2.get.query({ key, range: { offset: 2, length: 3 } });
    const tail = await gateway.r2.get.query({ key, range: { suffix: 4 } });
    expect(middle && 'body' in middle && text(middle.body)).toBe('cde');
    expect(tail && 'body' in tail && text(tail.body)).toBe('ghij');
  });

  it('returns the object without a body when an onlyIf condition fails, as the binding does', async () => {
    const key = unique('cond');
    const stored = await env.BUCKET.put(key, 'v1');
    const miss = await gateway.r2.get.query({ key, onlyIf: { etagDoesNotMatch: stored?.etag } });
    expect(miss).not.toBeNull();
    expect(miss && 'body' in miss).toBe(false);
    expect(miss?.etag).toBe(stored?.etag);
    const hit = await gateway.r2.get.query({ key, onlyIf: { etagMatches: stored?.etag } });
    expect(hit && 'body' in hit && text(hit.body)).toBe('v1');
  });

  it('returns null from put when its condition fails, leaving the object as it was', async () => {
    const key = unique('cput');
    await env.BUCKET.put(key, 'original');
    const result = await gateway.r2.put.mutate({
      key,
      body: 'replaced',
      onlyIf: { etagMatches: 'not-the-etag' },
    });
    expect(result).toBeNull();
    expect(await (await env.BUCKET.get(key))?.text()).toBe('original');
  });

  it('refuses an over-size key, body or metadata with LIMIT_EXCEEDED, storing nothing', async () => {
    const key = unique('big');
    await expectGatewayError(
      gateway.r2.put.mutate({ key: 'k'.repeat(R2_MAX_KEY_BYTES + 1), body: 'x' }),
      'LIMIT_EXCEEDED',
    );
    await expectGatewayError(
      gateway.r2.put.mutate({ key, body: new Uint8Array(INLINE_BODY_MAX_BYTES + 1) }),
      'LIMIT_EXCEEDED',
      /body/,
    );
    await expectGatewayError(
      gateway.r2.put.mutate({
        key,
        body: 'x',
        customMetadata: { k: 'v'.repeat(R2_MAX_CUSTOM_METADATA_BYTES) },
      }),
      'LIMIT_EXCEEDED',
    );
    expect(await env.BUCKET.head(key)).toBeNull();
  });

  it('refuses to send a stored body over the inline threshold, and serves a range of it', async () => {
    const key = unique('large');
    await env.BUCKET.put(key, new Uint8Array(INLINE_BODY_MAX_BYTES + 1));
    await expectGatewayError(gateway.r2.get.query({ key }), 'LIMIT_EXCEEDED', /read a range/);
    const part = await gateway.r2.get.query({ key, range: { offset: 0, length: 16 } });
    expect(part && 'body' in part && part.body.byteLength).toBe(16);
  });
});

describe('r2.head, r2.delete and r2.list', () => {
  it('heads an object without its body', async () => {
    const key = unique('head');
    await env.BUCKET.put(key, 'hello', { customMetadata: { a: '1' } });
    const head = await gateway.r2.head.query({ key });
    expect(head).toMatchObject({ key, size: 5, customMetadata: { a: '1' } });
    expect(head && 'body' in head).toBe(false);
  });

  it('deletes one key or many; a missing key is not an error', async () => {
    const [a, b, c] = [unique('d'), unique('d'), unique('d')];
    for (const key of [a, b, c]) await env.BUCKET.put(key, key);
    await gateway.r2.delete.mutate({ keys: a });
    await gateway.r2.delete.mutate({ keys: [b, c, unique('never-existed')] });
    for (const key of [a, b, c]) expect(await env.BUCKET.head(key)).toBeNull();
  });

  it('lists by prefix with a delimiter and pages with a cursor', async () => {
    const prefix = `${unique('list')}/`;
    for (const name of ['a', 'b', 'dir/x', 'dir/y']) await env.BUCKET.put(prefix + name, name);
    const page = await gateway.r2.list.query({ prefix, delimiter: '/' });
    expect(page.objects.map((o) => o.key)).toEqual([`${prefix}a`, `${prefix}b`]);
    expect(page.delimitedPrefixes).toEqual([`${prefix}dir/`]);
    expect(page.truncated).toBe(false);

    const first = await gateway.r2.list.query({ prefix, limit: 3 });
    expect(first.truncated).toBe(true);
    const rest = await gateway.r2.list.query({ prefix, limit: 3, cursor: first.cursor });
    expect([...first.objects, ...rest.objects].map((o) => o.key)).toHaveLength(4);
    expect(rest.objects[0]?.uploaded).toBeInstanceOf(Date);
  });
});

describe('R2 inputs the binding refuses', () => {
  it('answers a range that starts past the end with RANGE_NOT_SATISFIABLE, not INTERNAL', async () => {
    const key = unique('short');
    await env.BUCKET.put(key, 'hello world');
    // At the end or past it, with a length or without (local R2 failed inside on { offset: 11, length }).
    for (const range of [
      { offset: 11 },
      { offset: 11, length: 1 },
      { offset: 100 },
      { offset: 100, length: 1 },
    ]) {
      const refused = await expectGatewayError(
        gateway.r2.get.query({ key, range }),
        'RANGE_NOT_SATISFIABLE',
        /not satisfiable \(10039\)/,
      );
      expect(refused.data?.httpStatus).toBe(400);
    }
    // Any range of an empty object.
    const empty = unique('empty');
    await env.BUCKET.put(empty, '');
    for (const range of [{ offset: 0 }, { length: 1 }, { offset: 0, length: 1 }, { suffix: 1 }]) {
      await expectGatewayError(gateway.r2.get.query({ key: empty, range }), 'RANGE_NOT_SATISFIABLE');
    }
    // A range that ends past the end is cut to the object, as R2 cuts it.
    const tail = await gateway.r2.get.query({ key, range: { offset: 6, length: 100 } });
    expect(tail && 'body' in tail && text(tail.body)).toBe('world');
  });

  it("refuses a range of 0 bytes ({ suffix: 0 }, { length: 0 }) in R2's words (10039), before calling R2", async () => {
    const key = unique('zero');
    await env.BUCKET.put(key, 'hello');
    for (const range of [{ suffix: 0 }, { length: 0 }, { offset: 0, length: 0 }]) {
      await expectGatewayError(
        gateway.r2.get.query({ key, range }),
        'RANGE_NOT_SATISFIABLE',
        /^get: The requested range is not satisfiable \(10039\)$/,
      );
    }
  });

  it('refuses a put with both md5 and sha256 with BAD_INPUT, storing nothing', async () => {
    const key = unique('sums');
    const body = 'hello';
    const [md5, sha256] = await Promise.all(
      (['MD5', 'SHA-256'] as const).map(async (algorithm) =>
        [...new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(body)))]
          .map((byte) => byte.toString(16).padStart(2, '0'))
          .join(''),
      ),
    );
    await expectGatewayError(
      gateway.r2.put.mutate({ key, body, md5, sha256 }),
      'BAD_INPUT',
      /^You cannot specify multiple hashing algorithms\.$/,
    );
    expect(await env.BUCKET.head(key)).toBeNull();
    expect(await gateway.r2.put.mutate({ key, body, sha256 })).toMatchObject({ size: 5 });
  });

  it('classifies the same refusals on the stream calls, whose inputs R2 checks itself', async () => {
    const key = unique('streamed');
    await env.BUCKET.put(key, 'hello');
    const options = { url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch };
    // At the end and past it, with a length too (local R2 fails inside on { offset: size, length }).
    for (const range of [{ offset: 5 }, { offset: 5, length: 1 }, { offset: 6 }, { offset: 6, length: 2 }]) {
      const refused = await failure(() => r2GetStream(options, { key, range }));
      expect(refused).toBeInstanceOf(GatewayBindingError);
      expect((refused as GatewayBindingError).gatewayCode).toBe('RANGE_NOT_SATISFIABLE');
    }
    const sums = { md5: '0'.repeat(32), sha256: '0'.repeat(64) };
    const twice = await failure(() =>
      r2PutStream(options, { key, ...sums }, { stream: new TextEncoder().encode('bye'), length: 3 }),
    );
    expect((twice as GatewayBindingError).gatewayCode).toBe('BAD_INPUT');
    expect(await (await env.BUCKET.get(key))?.text()).toBe('hello');
  });

  it(`refuses to delete ${R2_MAX_DELETE_KEYS + 1} keys with LIMIT_EXCEEDED, deleting none`, async () => {
    const key = unique('kept');
    await env.BUCKET.put(key, 'v');
    const keys = [key, ...Array.from({ length: R2_MAX_DELETE_KEYS }, (_, i) => `${key}/${i}`)];
    const refused = await expectGatewayError(
      gateway.r2.delete.mutate({ keys }),
      'LIMIT_EXCEEDED',
      /keys: R2 deletes at most 1000 keys at once/,
    );
    expect(refused.data?.httpStatus).toBe(413);
    expect(await env.BUCKET.head(key)).not.toBeNull();
    await gateway.r2.delete.mutate({ keys: keys.slice(0, R2_MAX_DELETE_KEYS) });
    expect(await env.BUCKET.head(key)).toBeNull();
  });

  it(`answers a batch of inline gets with at most ${GATEWAY_MAX_ANSWER_INLINE_BYTES} bytes of bodies, refusing the rest with LIMIT_EXCEEDED`, async () => {
    const key = unique('mib');
    await env.BUCKET.put(key, randomBytes(INLINE_BODY_MAX_BYTES));
    // 1 MiB is 1,398,104 bytes of base64: eleven fit in 16 MiB, the twelfth does not.
    const fit = Math.floor(GATEWAY_MAX_ANSWER_INLINE_BYTES / (Math.ceil(INLINE_BODY_MAX_BYTES / 3) * 4));
    expect(fit).toBe(11);
    const calls = 13;
    const response = await rawBatch(
      Array.from({ length: calls }, () => 'r2.get'),
      Array.from({ length: calls }, () => ({ key })),
    );
    const answer = await response.text();
    expect(answer.length).toBeLessThanOrEqual(GATEWAY_MAX_ANSWER_INLINE_BYTES + 64 * 1024);
    const items = JSON.parse(answer) as { error?: { json: { data: { gatewayCode: string } } } }[];
    const codes = items.map((item) => item.error?.json.data.gatewayCode ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(fit);
    expect(codes.filter((code) => code === 'LIMIT_EXCEEDED')).toHaveLength(calls - fit);
  });
});
