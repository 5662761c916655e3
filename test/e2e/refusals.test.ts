import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSession, startLocalSession } from '../../scripts/local-session.ts';
import { createGatewayEnv } from '../../shared/env/index.ts';
import { CONTAINER_API_MAX_BODY_BYTES, KV_MAX_VALUE_BYTES } from '../../shared/limits.ts';
import { encodeFrame } from '../../shared/schemas/streams.ts';
import { r2PutStream } from '../../shared/stream-client.ts';
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
 * A POST over a plain socket that, like httpx or curl, sends the whole body before it reads the
 * answer: an answer sent early is read only if the connection still holds it then (a server that
 * closes with the body unread resets the connection, and the answer is lost). The body goes with a
 * length or chunked, as fast as the connection takes it or, `paced`, a MiB at a time with that many
 * ms between, as a slow link would deliver it. Gives the answer, or the network error met instead.
 */
function post(
  url: URL,
  body: Uint8Array,
  framing: Framing,
  headers: Record<string, string> = {},
  paced = 0,
): Promise<{ status: number; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    // Nothing is read until the body has been sent.
    socket.pause();
    const received: Buffer[] = [];
    let failure: string | undefined;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error) => {
      failure ??= String(error);
      socket.resume();
    });
    socket.on('close', () => {
      const answer = parseAnswer(Buffer.concat(received));
      resolve(answer ?? { error: failure ?? 'the connection closed without an answer' });
    });
    const head = [
      `POST ${url.pathname} HTTP/1.1`,
      `host: ${url.host}`,
      'connection: close',
      framing === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${body.byteLength}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    let offset = 0;
    const write = () => {
      while (offset < body.byteLength && failure === undefined) {
        const chunk = body.subarray(offset, offset + 65_536);
        offset += chunk.byteLength;
        if (framing === 'chunked') socket.write(`${chunk.byteLength.toString(16)}\r\n`);
        let more = socket.write(chunk);
        if (framing === 'chunked') more = socket.write('\r\n');
        if (paced && offset % (1024 * 1024) === 0) return void setTimeout(write, paced);
        if (!more) return void socket.once('drain', write);
      }
      if (framing === 'chunked' && failure === undefined) socket.write('0\r\n\r\n');
      socket.resume();
    };
    write();
  });
}

/** An HTTP/1.1 answer's status and body (with a length, or chunked), if the bytes hold a whole one. */
function parseAnswer(bytes: Buffer): { status: number; text: string } | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const header = (name: string) =>
    lines
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  let rest = bytes.subarray(end + 4);
  if (header('transfer-encoding') === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (lineEnd === -1 || Number.isNaN(size)) return undefined;
      if (size === 0) break;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 4 + size);
    }
    rest = Buffer.concat(parts);
  } else if (rest.byteLength < Number(header('content-length') ?? 0)) {
    return undefined;
  }
  return { status, text: rest.toString('utf8') };
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

  it.each(FRAMINGS)(
    'is answered 413 by the container to a client that sends it slowly, with %s',
    async (framing) => {
      // 20 pauses of 60 ms: longer than @hono/node-server reads a refused body before it closes (500 ms).
      const url = new URL(`http://127.0.0.1:${containerPort}/api/users`);
      const answer = await post(url, body, framing, { 'content-type': 'application/json' }, 60);
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
    // A field the contract does not have: BAD_INPUT, whatever the key.
    const frame = encodeFrame({ key: 'refused', notAField: 1 });
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

describe("the stream client over Node's fetch", () => {
  it('reads the refusal of a 40 MB upload its parameters refuse as BAD_INPUT, not retryable', async () => {
    const options = { url: gatewayUrl('').href.replace(/\/$/, ''), token };
    // A field the contract does not have, sent as a client of another language might: BAD_INPUT.
    const refusedParameters = { key: 'refused', notAField: 1 } as unknown as Parameters<
      typeof r2PutStream
    >[1];
    const body = new Blob([new Uint8Array(40_000_000)]);
    const error = await r2PutStream(options, refusedParameters, { stream: body, length: body.size }).then(
      () => expect.unreachable('the put was refused'),
      (caught: unknown) => caught as { gatewayCode: string; retryable: boolean },
    );
    expect({ code: error.gatewayCode, retryable: error.retryable }).toEqual({
      code: 'BAD_INPUT',
      retryable: false,
    });
  });
});
