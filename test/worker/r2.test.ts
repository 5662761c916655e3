import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { INLINE_BODY_MAX_BYTES, R2_MAX_CUSTOM_METADATA_BYTES, R2_MAX_KEY_BYTES } from '../../shared/index.ts';
import { expectGatewayError, gateway, randomBytes, unique } from './helpers.ts';

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
