import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSession, startLocalSession } from '../../scripts/local-session.ts';
import { createGatewayEnv } from '../../shared/env/index.ts';
import { CONTAINER_API_MAX_BODY_BYTES, KV_MAX_VALUE_BYTES } from '../../shared/limits.ts';
import { encodeFrame } from '../../shared/schemas/streams.ts';
import { DEV_GATEWAY_PATH, STREAM_LENGTH_HEADER } from '../../shared/transport.ts';
import { freePort } from './helpers.ts';

// Issue 24 finding 3, issue 19 item 5: every refusal reaches the client as its documented body,
// also when it comes before the body has been read, however the body is framed (a length, or
// chunked), directly at the container and through the Worker, over real HTTP.

let session: LocalSession;
let state: string;
let containerPort: number;
const token = randomBytes(32).toString('hex');

beforeAll(async () => {
  state = mkdtempSync(path.join(tmpdir(), 'binding-gateway-refusals-'));
  containerPort = await freePort();
  session = await startLocalSession({
    port: 0,
    containerPort,
    token,
    persistTo: state,
    workerLog: (level, message) => level === 'error' && console.error(message),
  });
});

afterAll(async () => {
  await session?.stop();
  rmSync(state, { recursive: true, force: true });
});

type Framing = 'content-length' | 'chunked';
const FRAMINGS: Framing[] = ['content-length', 'chunked'];

/**
 * A POST over node:http, the body written as fast as the connection takes it, with a length or
 * chunked: the answer as the client reads it, or the network error it met instead.
 */
function post(
  url: URL,
  body: Uint8Array,
  framing: Framing,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const sent = {
      ...headers,
      ...(framing === 'content-length' ? { 'content-length': String(body.byteLength) } : {}),
    };
    const req = request(url, { method: 'POST', headers: sent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', (error) => resolve({ error: String(error) }));
    });
    req.on('error', (error) => resolve({ error: String(error) }));
    let offset = 0;
    const write = () => {
      while (offset < body.byteLength) {
        const chunk = body.subarray(offset, offset + 65_536);
        offset += chunk.byteLength;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

/** A body of `size` bytes that starts with `head`. */
function bodyOf(size: number, head: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new Uint8Array(size).fill(0x61);
  body.set(head);
  return body;
}

const gatewayUrl = (call: string) => new URL(`${DEV_GATEWAY_PATH}/${call}`, session.url);
const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' });

/** What a gateway refusal says; fails the test on a network error or a body that is not one. */
function refusal(answer: Awaited<ReturnType<typeof post>>) {
  if ('error' in answer) return expect.unreachable(`no answer: ${answer.error}`);
  expect(answer.text).not.toMatch(/\bat .*:\d+|file:\/\/|\/work\/|node_modules/);
  const { error } = JSON.parse(answer.text) as {
    error: { json: { message: string; data: { gatewayCode: string; retryable: boolean } } };
  };
  return { status: answer.status, code: error.json.data.gatewayCode, retryable: error.json.data.retryable };
}

describe('POST /api/users with a 20 MB body', () => {
  const body = bodyOf(20_000_000);
  const expected = {
    status: 413,
    text: JSON.stringify({ error: `the body is over ${CONTAINER_API_MAX_BODY_BYTES} bytes` }),
  };

  it.each(FRAMINGS)(
    'is answered 413 with the JSON error through the Worker, sent with %s',
    async (framing) => {
      const answer = await post(new URL('/api/users', session.url), body, framing, {
        'content-type': 'application/json',
      });
      expect(answer).toEqual(expected);
    },
  );

  it.each(FRAMINGS)(
    'is answered 413 with the JSON error by the container itself, sent with %s',
    async (framing) => {
      const answer = await post(new URL(`http://127.0.0.1:${containerPort}/api/users`), body, framing, {
        'content-type': 'application/json',
      });
      expect(answer).toEqual(expected);
    },
  );
});

describe('stream calls refused before their body is read', () => {
  it.each(FRAMINGS)(
    'answer a 10 MB first line without a line feed with 413 and no stack, sent with %s',
    async (framing) => {
      const answer = await post(gatewayUrl('kv.putStream'), bodyOf(10_000_000), framing, auth());
      expect(refusal(answer)).toEqual({ status: 413, code: 'LIMIT_EXCEEDED', retryable: false });
    },
  );

  it.each(FRAMINGS)('answer a KV value of 25 MiB + 1 with 413, sent with %s', async (framing) => {
    const frame = encodeFrame({ key: `refusals/${randomUUID()}` });
    const size = KV_MAX_VALUE_BYTES + 1;
    const answer = await post(gatewayUrl('kv.putStream'), bodyOf(frame.byteLength + size, frame), framing, {
      ...auth(),
      [STREAM_LENGTH_HEADER]: String(size),
    });
    expect(refusal(answer)).toEqual({ status: 413, code: 'LIMIT_EXCEEDED', retryable: false });
  });

  it.each(FRAMINGS)('answer a 40 MB upload the parameters refuse with 400, sent with %s', async (framing) => {
    const frame = encodeFrame({ key: '' });
    const size = 40_000_000;
    const answer = await post(gatewayUrl('r2.putStream'), bodyOf(frame.byteLength + size, frame), framing, {
      ...auth(),
      [STREAM_LENGTH_HEADER]: String(size),
    });
    expect(refusal(answer)).toEqual({ status: 400, code: 'BAD_INPUT', retryable: false });
  });

  it('store nothing for a first line without its line feed, and say BAD_INPUT', async () => {
    const key = `refusals/${randomUUID()}`;
    const env = createGatewayEnv({ url: gatewayUrl('').href.replace(/\/$/, ''), token });
    await env.KV.put(key, 'kept');
    const answer = await post(
      gatewayUrl('kv.putStream'),
      new TextEncoder().encode(`{"json":{"key":"${key}"}}`),
      'content-length',
      auth(),
    );
    expect(refusal(answer)).toEqual({ status: 400, code: 'BAD_INPUT', retryable: false });
    expect(await env.KV.get(key)).toBe('kept');
  });
});

describe('env.KV.put of a value over 25 MiB', () => {
  it('is LIMIT_EXCEEDED, not retryable, and stores nothing', async () => {
    const env = createGatewayEnv({ url: gatewayUrl('').href.replace(/\/$/, ''), token });
    const key = `refusals/${randomUUID()}`;
    const error = await env.KV.put(key, new Uint8Array(KV_MAX_VALUE_BYTES + 1)).then(
      () => expect.unreachable('the put was refused'),
      (caught: unknown) => caught as { gatewayCode: string; retryable: boolean },
    );
    expect({ code: error.gatewayCode, retryable: error.retryable }).toEqual({
      code: 'LIMIT_EXCEEDED',
      retryable: false,
    });
    expect(await env.KV.get(key)).toBeNull();
  });
});
