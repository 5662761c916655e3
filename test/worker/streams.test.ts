import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { drainBody } from '../../shared/body.ts';
import { GatewayBindingError } from '../../shared/env/errors.ts';
import { createGatewayEnv } from '../../shared/env/index.ts';
import { INLINE_BODY_MAX_BYTES, KV_MAX_VALUE_BYTES, R2_MAX_SINGLE_PUT_BYTES } from '../../shared/index.ts';
import { encodeFrame, framedStream } from '../../shared/schemas/streams.ts';
import {
  kvGetStream,
  kvPutStream,
  r2GetStream,
  r2PutStream,
  r2UploadPart,
} from '../../shared/stream-client.ts';
import { STREAM_LENGTH_HEADER } from '../../shared/transport.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import { confineKeys } from '../../worker/policy.ts';
import { decodeInput, R2_READ_WHOLE_MAX_BYTES, storeR2 } from '../../worker/stream-body.ts';
import { failure, GATEWAY_URL, gatewayFetch, randomBytes, unique } from './helpers.ts';

// Bodies too large for JSON, streamed through the gateway in both directions.

const options = { url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch };

async function sha256(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const bytesOf = async (stream: ReadableStream | null) =>
  new Uint8Array(await new Response(stream).arrayBuffer());

/** A stream of the bytes, in chunks of 64 KiB, as a file read would give them. */
function chunked(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 65_536));
      offset += 65_536;
    },
  });
}

/**
 * After a refused part: the upload takes a good part 1 and completes with it, and the key kept its
 * old object until then.
 */
async function expectUploadUsable(
  upload: R2MultipartUpload,
  parameters: { key: string; uploadId: string; partNumber: number },
): Promise<void> {
  const part = await r2UploadPart(options, parameters, {
    stream: new Blob(['the ', 'new ', 'object']).stream(),
    length: 14,
  });
  expect(await (await env.BUCKET.get(parameters.key))?.text()).toBe('old object');
  await upload.complete([part]);
  expect(await (await env.BUCKET.get(parameters.key))?.text()).toBe('the new object');
}

describe('R2 bodies streamed through the gateway', () => {
  it.each([
    0,
    1,
    INLINE_BODY_MAX_BYTES - 1,
    INLINE_BODY_MAX_BYTES,
    INLINE_BODY_MAX_BYTES + 1,
    10 * 1024 * 1024,
  ])('round-trips %i bytes byte-exact (sha256), put as a stream and read as one', async (size) => {
    const key = unique('stream');
    const data = randomBytes(size);
    const stored = await r2PutStream(
      options,
      { key, customMetadata: { size: String(size) } },
      { stream: chunked(data), length: size },
    );
    expect(stored).toMatchObject({ key, size, customMetadata: { size: String(size) } });
    const direct = await env.BUCKET.get(key);
    expect(await sha256((await direct?.arrayBuffer()) ?? new ArrayBuffer(0))).toBe(await sha256(data));
    const { object, body } = await r2GetStream(options, { key });
    expect(object?.size).toBe(size);
    expect(await sha256(await bytesOf(body))).toBe(await sha256(data));
  });

  it('reads ranges at both ends', async () => {
    const key = unique('range');
    const data = randomBytes(3 * INLINE_BODY_MAX_BYTES);
    await env.BUCKET.put(key, data);
    const head = await r2GetStream(options, { key, range: { offset: 0, length: 10 } });
    expect(await bytesOf(head.body)).toEqual(data.slice(0, 10));
    const tail = await r2GetStream(options, { key, range: { suffix: INLINE_BODY_MAX_BYTES + 5 } });
    expect(await bytesOf(tail.body)).toEqual(data.slice(data.byteLength - INLINE_BODY_MAX_BYTES - 5));
    const middle = await r2GetStream(options, { key, range: { offset: INLINE_BODY_MAX_BYTES, length: 3 } });
    expect(await bytesOf(middle.body)).toEqual(data.slice(INLINE_BODY_MAX_BYTES, INLINE_BODY_MAX_BYTES + 3));
  });

  it('answers a failed condition with the object and no body, and a missing key with null', async () => {
    const key = unique('cond');
    const stored = await env.BUCKET.put(key, 'v1');
    const failed = await r2GetStream(options, { key, onlyIf: { etagDoesNotMatch: stored?.etag } });
    expect(failed.object?.etag).toBe(stored?.etag);
    expect(failed.body).toBeNull();
    const passed = await r2GetStream(options, { key, onlyIf: { etagMatches: stored?.etag } });
    expect(new TextDecoder().decode(await bytesOf(passed.body))).toBe('v1');
    expect(await r2GetStream(options, { key: unique('none') })).toEqual({ object: null, body: null });
    const refused = await r2PutStream(
      options,
      { key, onlyIf: { etagMatches: 'nope' } },
      { stream: new Uint8Array(3), length: 3 },
    );
    expect(refused).toBeNull();
    expect(await (await env.BUCKET.get(key))?.text()).toBe('v1');
  });

  it('refuses a body over the single-put limit with LIMIT_EXCEEDED before storing anything', async () => {
    const key = unique('huge');
    const error = await failure(() =>
      r2PutStream(options, { key }, { stream: new Uint8Array(8), length: R2_MAX_SINGLE_PUT_BYTES + 1 }),
    );
    expect((error as GatewayBindingError).gatewayCode).toBe('LIMIT_EXCEEDED');
    expect(await env.BUCKET.head(key)).toBeNull();
  });

  it('stores nothing when the body is shorter than its declared length', async () => {
    const key = unique('short');
    const error = await failure(() =>
      r2PutStream(options, { key }, { stream: chunked(randomBytes(100)), length: 200 }),
    );
    expect(error).toBeInstanceOf(GatewayBindingError);
    expect(await env.BUCKET.head(key)).toBeNull();
  });

  it('applies the policy and the contract to stream calls too', async () => {
    const confined = {
      url: GATEWAY_URL,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        handleGatewayRequest(
          new Request(input, init),
          env,
          { transport: 'outbound', id: 'c9' },
          {
            policy: confineKeys((caller) => `containers/${caller.id}/`),
            log: () => {},
          },
        )) as typeof fetch,
    };
    const outside = unique('outside');
    const error = await failure(() =>
      r2PutStream(confined, { key: outside }, { stream: new Uint8Array(1), length: 1 }),
    );
    expect((error as GatewayBindingError).gatewayCode).toBe('FORBIDDEN');
    expect(await env.BUCKET.head(outside)).toBeNull();
    const bad = await failure(() => r2GetStream(options, { key: 'k'.repeat(1025) }));
    expect(bad).toMatchObject({
      gatewayCode: 'LIMIT_EXCEEDED',
      message: 'get: The specified object name is not valid. (10020)',
    });
  });
});

describe('KV values streamed through the gateway', () => {
  it.each([0, 1, 2 * 1024 * 1024, KV_MAX_VALUE_BYTES])(
    'round-trips %i bytes byte-exact, with metadata',
    async (size) => {
      const key = unique('kvs');
      const data = randomBytes(size);
      await kvPutStream(options, { key, metadata: { size } }, { stream: chunked(data), length: size });
      const { value, metadata } = await kvGetStream(options, { key });
      expect(metadata).toEqual({ size });
      expect(await sha256(await bytesOf(value))).toBe(await sha256(data));
    },
  );

  it("refuses a value over KV's 25 MiB with LIMIT_EXCEEDED, and reads a missing key as null", async () => {
    const key = unique('kvhuge');
    const error = await failure(() =>
      kvPutStream(options, { key }, { stream: new Uint8Array(1), length: KV_MAX_VALUE_BYTES + 1 }),
    );
    expect((error as GatewayBindingError).gatewayCode).toBe('LIMIT_EXCEEDED');
    expect(await kvGetStream(options, { key })).toEqual({ value: null, metadata: null });
  });
});

describe('env.BUCKET and env.KV with large values', () => {
  const gw = createGatewayEnv(options);
  const large = INLINE_BODY_MAX_BYTES * 3 + 7;

  it('put and get an R2 object over the inline threshold, bytes and Blob alike, streaming the body', async () => {
    const [a, b] = [unique('big-bytes'), unique('big-blob')];
    const data = randomBytes(large);
    await gw.BUCKET.put(a, data);
    await gw.BUCKET.put(b, new Blob([data]), { customMetadata: { from: 'blob' } });
    for (const key of [a, b]) {
      const object = await gw.BUCKET.get(key);
      if (object === null || !('body' in object)) return expect.unreachable('expected a body');
      expect(object.size).toBe(large);
      expect(await sha256(await object.arrayBuffer())).toBe(await sha256(data));
    }
    expect((await env.BUCKET.head(b))?.customMetadata).toEqual({ from: 'blob' });
  });

  it('refuses a ReadableStream of unknown length over the threshold, as the binding refuses one', async () => {
    const key = unique('unknown-length');
    const error = await failure(() => gw.BUCKET.put(key, chunked(randomBytes(large))));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/known length/);
    expect(await env.BUCKET.head(key)).toBeNull();
    await gw.BUCKET.put(key, chunked(randomBytes(100)));
    expect((await env.BUCKET.head(key))?.size).toBe(100);
  });

  it('put and read a KV value over the inline threshold as bytes and as a stream', async () => {
    const key = unique('big-kv');
    const data = randomBytes(large);
    await gw.KV.put(key, data, { metadata: { big: true } });
    expect(await sha256((await env.KV.get(key, 'arrayBuffer')) ?? new ArrayBuffer(0))).toBe(
      await sha256(data),
    );
    expect(await sha256((await gw.KV.get(key, 'arrayBuffer')) ?? new ArrayBuffer(0))).toBe(
      await sha256(data),
    );
    const { value, metadata } = await gw.KV.getWithMetadata(key, 'stream');
    expect(metadata).toEqual({ big: true });
    expect(await sha256(await bytesOf(value))).toBe(await sha256(data));
  });
});

describe('a streamed body of another length than declared (issue 15, finding 3)', () => {
  const text = (value: string) => new TextEncoder().encode(value);
  /** A body that arrives in these chunks, as a network would deliver them. */
  const chunks = (...parts: string[]) =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(text(part));
      },
    });

  /** A stream call sent by hand: the parameters' line, then `body`, with these length headers. */
  async function send(
    call: string,
    parameters: unknown,
    body: ReadableStream<Uint8Array> | Uint8Array,
    headers: Record<string, string>,
    own = false,
  ) {
    const frame = encodeFrame(parameters);
    let sent: ReadableStream<Uint8Array> | Uint8Array;
    if (body instanceof Uint8Array) {
      sent = new Uint8Array(frame.byteLength + body.byteLength);
      sent.set(frame);
      sent.set(body, frame.byteLength);
    } else {
      sent = framedStream(frame, body);
      if (own) {
        // workerd's own byte stream, as a body that came over HTTP is: the gateway reads it with
        // a BYOB reader (readAtLeast), not chunk by chunk.
        const identity = new IdentityTransformStream();
        sent.pipeTo(identity.writable).catch(() => {});
        sent = identity.readable;
      }
    }
    const response = await gatewayFetch(`${GATEWAY_URL}/${call}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...headers },
      body: sent,
    });
    const answer = (await response.json()) as {
      error?: { json?: { message: string; data: { gatewayCode: string } } };
    };
    return {
      status: response.status,
      code: answer.error?.json?.data.gatewayCode,
      message: answer.error?.json?.message,
    };
  }

  const frameOf = (key: string) => encodeFrame({ key }).byteLength;
  // Each case: the length headers, and the body (always 10 bytes but in the first two cases).
  const cases: [
    string,
    (key: string) => Record<string, string>,
    () => ReadableStream<Uint8Array> | Uint8Array,
    RegExp,
  ][] = [
    [
      'shorter than declared',
      () => ({ [STREAM_LENGTH_HEADER]: '20' }),
      () => chunks('abc'),
      /ended after 3 of the 20/,
    ],
    [
      'longer than declared, in one chunk',
      () => ({ [STREAM_LENGTH_HEADER]: '3' }),
      () => chunks('0123456789'),
      /longer than the 3 bytes/,
    ],
    [
      'longer than declared, the extra bytes in a later chunk',
      () => ({ [STREAM_LENGTH_HEADER]: '3' }),
      () => chunks('012', '3456789'),
      /longer than the 3 bytes/,
    ],
    [
      'declared as 0 bytes, 10 sent',
      () => ({ [STREAM_LENGTH_HEADER]: '0' }),
      () => chunks('0123456789'),
      /longer than the 0 bytes/,
    ],
    [
      'declared as 0 bytes, 10 sent later',
      () => ({ [STREAM_LENGTH_HEADER]: '0' }),
      () => chunks('', '0123456789'),
      /longer than the 0 bytes/,
    ],
    [
      'declared with an empty length header',
      () => ({ [STREAM_LENGTH_HEADER]: '' }),
      () => chunks('0123456789'),
      /in digits/,
    ],
    ...['1e1', '+10', '10.0', '-0', '0x0a', 'ten', '99999999999999999'].map(
      (value): (typeof cases)[number] => [
        `declared as ${JSON.stringify(value)}`,
        () => ({ [STREAM_LENGTH_HEADER]: value }),
        () => chunks('0123456789'),
        /in digits/,
      ],
    ),
    [
      'declared as 5 bytes while Content-Length says 10',
      (key) => ({ [STREAM_LENGTH_HEADER]: '5', 'content-length': String(frameOf(key) + 10) }),
      () => text('0123456789'),
      /Content-Length/,
    ],
    [
      'declared as 10 bytes while Content-Length says 5',
      (key) => ({ [STREAM_LENGTH_HEADER]: '10', 'content-length': String(frameOf(key) + 5) }),
      () => text('01234'),
      /Content-Length/,
    ],
  ];

  // A body stream made in JavaScript (a test's, a transport's) and workerd's own (one off the wire).
  const kinds = [
    ['made in JavaScript', false],
    ["of workerd's own", true],
  ] as const;
  const kindCases = kinds.flatMap(([kind, own]) =>
    cases.map(
      ([name, headers, body, message]) => [`${name}, a stream ${kind}`, headers, body, message, own] as const,
    ),
  );

  it.each(kindCases)(
    'r2.putStream refuses a body %s with BAD_INPUT, and the object stays as it was',
    async (_, headers, body, message, own) => {
      const key = unique('r2-length');
      const before = await env.BUCKET.put(key, 'the old value');
      const answer = await send('r2.putStream', { key }, body(), headers(key), own);
      expect(answer).toMatchObject({ status: 400, code: 'BAD_INPUT' });
      expect(answer.message).toMatch(message);
      const after = await env.BUCKET.get(key);
      expect(after?.etag).toBe(before?.etag);
      expect(await after?.text()).toBe('the old value');
    },
  );

  it.each(kindCases)(
    'kv.putStream refuses a body %s with BAD_INPUT, and the value stays as it was',
    async (_, headers, body, message, own) => {
      const key = unique('kv-length');
      await env.KV.put(key, 'the old value', { metadata: { old: true } });
      const answer = await send('kv.putStream', { key, metadata: { old: false } }, body(), headers(key), own);
      expect(answer).toMatchObject({ status: 400, code: 'BAD_INPUT' });
      expect(answer.message).toMatch(message);
      expect(await env.KV.getWithMetadata(key)).toEqual({
        value: 'the old value',
        metadata: { old: true },
        cacheStatus: null,
      });
    },
  );

  it('stores a body of exactly the declared length, whatever its chunks, and one of 0 bytes', async () => {
    for (const [length, body] of [
      [10, () => chunks('012', '', '3456789')],
      [0, () => chunks()],
      [0, () => chunks('', '')],
    ] as const) {
      const key = unique('exact');
      await env.BUCKET.put(key, 'old');
      await env.KV.put(key, 'old');
      const headers = { [STREAM_LENGTH_HEADER]: String(length) };
      const r2 = await gatewayFetch(`${GATEWAY_URL}/r2.putStream`, {
        method: 'POST',
        headers,
        body: framedStream(encodeFrame({ key }), body()),
      });
      expect(r2.status).toBe(200);
      await r2.body?.cancel();
      const kv = await gatewayFetch(`${GATEWAY_URL}/kv.putStream`, {
        method: 'POST',
        headers,
        body: framedStream(encodeFrame({ key }), body()),
      });
      expect(kv.status).toBe(200);
      await kv.body?.cancel();
      expect(await (await env.BUCKET.get(key))?.text()).toBe('0123456789'.slice(0, length));
      expect(await env.KV.get(key)).toBe('0123456789'.slice(0, length));
    }
  });

  it('through the client too: a StreamBody of the wrong length is BAD_INPUT, and the old object and value stay', async () => {
    const key = unique('client-length');
    await env.BUCKET.put(key, 'old object');
    await env.KV.put(key, 'old value');
    for (const [stream, length] of [
      [chunks('abc'), 20],
      [chunks('0123456789'), 0],
      [chunks('0123', '456789'), 4],
    ] as const) {
      const r2 = await failure(() => r2PutStream(options, { key }, { stream, length }));
      expect((r2 as GatewayBindingError).gatewayCode).toBe('BAD_INPUT');
    }
    for (const [stream, length] of [
      [chunks('abc'), 20],
      [chunks('0123456789'), 0],
      [chunks('0123', '456789'), 4],
    ] as const) {
      const kv = await failure(() => kvPutStream(options, { key }, { stream, length }));
      expect((kv as GatewayBindingError).gatewayCode).toBe('BAD_INPUT');
    }
    expect(await (await env.BUCKET.get(key))?.text()).toBe('old object');
    expect(await env.KV.get(key)).toBe('old value');
  });

  it('r2.uploadPart refuses a part of the wrong length with BAD_INPUT, and the upload stays usable', async () => {
    const key = unique('part-length');
    await env.BUCKET.put(key, 'old object');
    const upload = await env.BUCKET.createMultipartUpload(key);
    const parameters = { key, uploadId: upload.uploadId, partNumber: 1 };
    for (const [body, length] of [
      [chunks('abc'), '20'],
      [chunks('0123', '456789'), '4'],
      [chunks('0123456789'), '0'],
      [chunks('0123456789'), ''],
    ] as const) {
      const answer = await send('r2.uploadPart', parameters, body, { [STREAM_LENGTH_HEADER]: length });
      expect(answer, `length ${length}`).toMatchObject({ status: 400, code: 'BAD_INPUT' });
    }
    await expectUploadUsable(upload, parameters);
  });
  // Over R2_READ_WHOLE_MAX_BYTES a body streams to R2 (pumpExact), and a wrong length is known only
  // after R2 has a put under way: the put is torn (its stream errors), the one way to stop it. Whether
  // the gateway tears it in time is proven here against a stand-in for R2 that reads what it is given,
  // every case and kind of stream; that R2 then stores nothing is proven below on the real local R2.
  describe(`over ${R2_READ_WHOLE_MAX_BYTES} bytes, the body streams to R2`, () => {
    const length = R2_READ_WHOLE_MAX_BYTES + 10;
    const data = randomBytes(length + 7);
    /** `bytes` in chunks of 64 KiB, as a file read or a network delivers them. */
    const split = (bytes: Uint8Array) =>
      Array.from({ length: Math.ceil(bytes.byteLength / 65_536) }, (_, i) =>
        bytes.subarray(i * 65_536, (i + 1) * 65_536),
      );
    const streamOf = (parts: Uint8Array[]) =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const part = parts.shift();
          if (part === undefined) controller.close();
          else controller.enqueue(part);
        },
      });
    const overCases: [string, () => Uint8Array[], RegExp | undefined][] = [
      ['exactly as long as declared', () => split(data.subarray(0, length)), undefined],
      [
        'shorter than declared',
        () => split(data.subarray(0, length - 7)),
        new RegExp(`ended after ${length - 7} of the ${length}`),
      ],
      ['longer than declared, in one chunk', () => [data.subarray(0, length + 7)], /longer than the/],
      [
        'longer than declared, the extra bytes in a later chunk',
        () => [...split(data.subarray(0, length)), data.subarray(length)],
        /longer than the/,
      ],
    ];

    /** What a stand-in for R2 was given by `storeR2`: its bytes, and how its stream ended. */
    async function storedBy(parts: Uint8Array[], declared: number, own: boolean) {
      let sent = framedStream(encodeFrame({ key: 'k' }), streamOf(parts));
      if (own) {
        const identity = new IdentityTransformStream();
        sent.pipeTo(identity.writable).catch(() => {});
        sent = identity.readable;
      }
      const request = new Request(`${GATEWAY_URL}/r2.putStream`, { method: 'POST', body: sent });
      const { rest } = await decodeInput(request, {});
      const seen = { calls: 0, bytes: [] as Uint8Array[], ended: 'not yet' };
      const outcome = await storeR2(rest, declared, async (value) => {
        seen.calls++;
        if (value instanceof Uint8Array) {
          seen.bytes.push(value);
          seen.ended = 'given as bytes';
          return 'stored';
        }
        const reader = value.getReader();
        try {
          for (;;) {
            const next = await reader.read();
            if (next.done) break;
            seen.bytes.push(next.value);
          }
        } catch (error) {
          seen.ended = 'errored';
          throw error;
        }
        seen.ended = 'closed';
        return 'stored';
      }).catch((error: unknown) => error);
      await drainBody(rest.body);
      const received = new Uint8Array(await new Blob(seen.bytes).arrayBuffer());
      return { outcome, calls: seen.calls, received, ended: seen.ended };
    }

    const overKindCases = kinds.flatMap(([kind, own]) =>
      overCases.map(([name, parts, message]) => [`${name}, a stream ${kind}`, parts, message, own] as const),
    );
    it.each(overKindCases)(
      'a body %s: R2 is given all its bytes only when it has the declared length',
      async (_, parts, message, own) => {
        const { outcome, calls, received, ended } = await storedBy(parts(), length, own);
        expect(calls).toBe(1);
        if (message === undefined) {
          expect(outcome).toBe('stored');
          expect(ended).toBe('closed');
          expect(await sha256(received)).toBe(await sha256(data.subarray(0, length)));
          return;
        }
        expect(outcome).toMatchObject({ gatewayCode: 'BAD_INPUT', message: expect.stringMatching(message) });
        // The put's stream errors before R2 has read the declared length: R2 never commits it.
        expect(ended).toBe('errored');
        expect(received.byteLength).toBeLessThan(length);
      },
    );

    it.each(kinds)(
      'a body of at most that many bytes, a stream %s, is checked before R2 is called, and never reaches it when its length is wrong',
      async (_, own) => {
        const small = data.subarray(0, R2_READ_WHOLE_MAX_BYTES);
        const exact = await storedBy(split(small), small.byteLength, own);
        expect(exact).toMatchObject({ outcome: 'stored', calls: 1, ended: 'given as bytes' });
        expect(await sha256(exact.received)).toBe(await sha256(small));
        for (const [parts, declared] of [
          [split(small.subarray(1)), small.byteLength],
          [split(small), small.byteLength - 1],
          [[...split(small), data.subarray(small.byteLength, small.byteLength + 1)], small.byteLength],
        ] as const) {
          const wrong = await storedBy([...parts], declared, own);
          expect(wrong).toMatchObject({ outcome: { gatewayCode: 'BAD_INPUT' }, calls: 0 });
        }
      },
    );

    // The real local R2, through the gateway: a torn put or part stores nothing. Each logs two
    // "uncaught exception" lines from miniflare's R2 (docs/testing.md): the one pair per R2 method.
    it('r2.putStream: the extra bytes in a later chunk, off the wire: BAD_INPUT, and the object stays as it was', async () => {
      const key = unique('r2-long-stream');
      const before = await env.BUCKET.put(key, 'the old value');
      const body = streamOf([...split(data.subarray(0, length)), data.subarray(length)]);
      const answer = await send(
        'r2.putStream',
        { key },
        body,
        { [STREAM_LENGTH_HEADER]: String(length) },
        true,
      );
      expect(answer).toMatchObject({
        status: 400,
        code: 'BAD_INPUT',
        message: expect.stringMatching(/longer than/),
      });
      const after = await env.BUCKET.get(key);
      expect(after?.etag).toBe(before?.etag);
      expect(await after?.text()).toBe('the old value');
    });

    it('r2.uploadPart: a part shorter than declared is BAD_INPUT, and the upload stays usable', async () => {
      const key = unique('part-short-stream');
      await env.BUCKET.put(key, 'old object');
      const upload = await env.BUCKET.createMultipartUpload(key);
      const parameters = { key, uploadId: upload.uploadId, partNumber: 1 };
      const answer = await send('r2.uploadPart', parameters, streamOf(split(data.subarray(0, length - 7))), {
        [STREAM_LENGTH_HEADER]: String(length),
      });
      expect(answer).toMatchObject({
        status: 400,
        code: 'BAD_INPUT',
        message: expect.stringMatching(/ended after/),
      });
      await expectUploadUsable(upload, parameters);
    });
  });
});
