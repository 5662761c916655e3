/**
 * A stream call's body and answer as bytes (shared/schemas/streams.ts): the parameters' line read
 * first, the declared length checked, a write's bytes passed to R2 as they come or read whole and
 * checked for KV, what is left of a refused body drained so that the client reads the refusal, and
 * the answer framed as its result's line and then the bytes of a read.
 */

import { drainBody } from '../shared/body.ts';
import { GATEWAY_MAX_DRAIN_BYTES, STREAM_FRAME_MAX_BYTES, transformer } from '../shared/index.ts';
import {
  encodeFrame,
  overBodyLimit,
  readFrameHead,
  type StreamCall,
  StreamFrameError,
  streamBodyLimit,
} from '../shared/schemas/streams.ts';
import { STREAM_LENGTH_HEADER } from '../shared/transport.ts';
import { GatewayError } from './errors.ts';
import { scanJson } from './guards.ts';

/**
 * The bytes after the parameters' line: those that came with its last chunk, then the rest of the
 * request's body, still locked to the reader that read the line (`readFrameHead`).
 */
export interface Rest {
  leftover: Uint8Array;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  body: ReadableStream<Uint8Array>;
}

/**
 * What is left of a request's body when its call ends: read to its end (up to a bound, see
 * shared/body.ts) before the answer, so that a client still sending can read it. A refusal then arrives
 * as its body, whenever it came.
 */
export async function drainRest(call: StreamCall, request: Request, rest: Rest | undefined): Promise<void> {
  const bound = drainBound(call, request);
  if (rest === undefined) {
    await drainBody(request.body, bound);
    return;
  }
  // The reader that read the line (if a chunk reader has not already taken the body over).
  rest.reader.releaseLock();
  await drainBody(rest.body, bound);
}

/**
 * How much of a refused stream call's body is read before the answer: what the client declared it
 * would send, when that is within the call's limit (an upload refused by the policy, say, is read to
 * its end), and otherwise `GATEWAY_MAX_DRAIN_BYTES`.
 */
function drainBound(call: StreamCall, request: Request): number {
  const max = streamBodyLimit(call);
  const declared = Number(
    request.headers.get(STREAM_LENGTH_HEADER) ?? request.headers.get('content-length') ?? Number.NaN,
  );
  if (max === undefined || !(declared <= max)) return GATEWAY_MAX_DRAIN_BYTES;
  return Math.max(GATEWAY_MAX_DRAIN_BYTES, declared + STREAM_FRAME_MAX_BYTES + 1);
}

/**
 * A declared length over the call's limit is refused before the body is read (`overBodyLimit`, the
 * words the clients use when they check it before sending).
 */
export function checkDeclaredLength(call: StreamCall, request: Request): void {
  if (streamBodyLimit(call) === undefined) return;
  const declared = lengthHeader(request, STREAM_LENGTH_HEADER);
  const over = declared === undefined ? undefined : overBodyLimit(call, declared);
  if (over) throw new GatewayError('LIMIT_EXCEEDED', over);
}

/**
 * The call's parameters: the body's first line (`readFrameHead`), and the rest of the body after it
 * (also in `held`, so that a refusal drains it).
 */
export async function decodeInput(
  request: Request,
  held: { rest?: Rest },
): Promise<{ input: unknown; frameBytes: number; rest: Rest }> {
  const body = request.body;
  if (body === null) {
    throw new GatewayError('BAD_INPUT', "a stream call's body starts with its parameters, a line of JSON");
  }
  let head: Awaited<ReturnType<typeof readFrameHead>>;
  try {
    head = await readFrameHead(body, STREAM_FRAME_MAX_BYTES, 'release');
  } catch (error) {
    if (!(error instanceof StreamFrameError)) throw error;
    throw new GatewayError(error.reason === 'too-long' ? 'LIMIT_EXCEEDED' : 'BAD_INPUT', error.message);
  }
  const rest = { leftover: head.leftover, reader: head.reader, body };
  held.rest = rest;
  try {
    const refusal = scanJson(head.text);
    if (refusal) throw refusal;
    return { input: transformer.deserialize(JSON.parse(head.text)), frameBytes: head.frameBytes, rest };
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError('BAD_INPUT', "a stream call's first line is not the transformer's JSON");
  }
}

/** A length header's value: digits only (no sign, no space, no exponent, not empty). */
function lengthHeader(request: Request, name: string): number | undefined {
  const value = request.headers.get(name);
  if (value === null) return undefined;
  // 16 digits: more than any limit, and still a safe integer.
  if (!/^\d{1,16}$/.test(value)) {
    throw new GatewayError(
      'BAD_INPUT',
      `${name} is a length in bytes, in digits: not ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/**
 * The length of the bytes after the parameters' line. R2 and KV store a stream only when they know
 * its length up front, so it is declared in `x-gateway-length` (or follows from Content-Length);
 * both, when both are sent, must agree. Refused before any binding is called.
 */
export function declaredLength(request: Request, frameBytes: number, call: StreamCall): number {
  const declared = lengthHeader(request, STREAM_LENGTH_HEADER);
  const content = lengthHeader(request, 'content-length');
  const length = declared ?? (content === undefined ? undefined : content - frameBytes);
  if (length === undefined || length < 0) {
    throw new GatewayError('BAD_INPUT', `a streamed body needs its length in ${STREAM_LENGTH_HEADER}`);
  }
  const over = overBodyLimit(call, length);
  if (over) throw new GatewayError('LIMIT_EXCEEDED', over);
  if (content !== undefined && content !== frameBytes + length) {
    throw new GatewayError(
      'BAD_INPUT',
      `Content-Length (${content}) is not the parameters' line (${frameBytes}) and ${STREAM_LENGTH_HEADER} (${length}) together`,
    );
  }
  return length;
}

/** The body's length was not the one declared: what the call answers (BAD_INPUT), not the binding's error. */
function wrongLength(length: number, received: number, more: boolean): GatewayError {
  return new GatewayError(
    'BAD_INPUT',
    more
      ? `the body is longer than the ${length} bytes declared in ${STREAM_LENGTH_HEADER}; nothing was stored`
      : `the body ended after ${received} of the ${length} bytes declared in ${STREAM_LENGTH_HEADER}; nothing was stored`,
  );
}

/**
 * How much a streamed write reads at a time. A request's body comes in chunks of a few KiB, and each
 * chunk that passes through JavaScript costs the Worker's CPU: reading at least this much at once
 * (workerd's `readAtLeast`) keeps a 1 GiB put to ~1,000 turns of the loop in `pumpExact`.
 */
const PUMP_CHUNK_BYTES = 1024 * 1024;

/**
 * The rest of the body in chunks: through a BYOB reader reading at least `PUMP_CHUNK_BYTES` at a
 * time where the body is workerd's own stream (one that came over HTTP), else as its chunks come.
 * `length` is the bytes the caller declared.
 */
async function* chunksOf(rest: Rest, length: number): AsyncGenerator<Uint8Array> {
  // Reads are sized to what is still expected and one byte more, so a body that goes on is seen.
  let expected = length + 1;
  if (rest.leftover.byteLength > 0) {
    expected -= rest.leftover.byteLength;
    yield rest.leftover;
  }
  rest.reader.releaseLock();
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = rest.body.getReader({ mode: 'byob' });
  } catch {
    // A stream made in JavaScript (a test's, a transport's) has no BYOB reader.
    rest.reader = rest.body.getReader();
  }
  try {
    for (;;) {
      const size = Math.max(1, Math.min(PUMP_CHUNK_BYTES, expected));
      const next = byob ? await byob.readAtLeast(size, new Uint8Array(size)) : await rest.reader.read();
      if (next.done) return;
      if (next.value === undefined || next.value.byteLength === 0) continue;
      expected -= next.value.byteLength;
      yield next.value;
    }
  } finally {
    // Stopped early (a wrong length, an error): the rest is left to `drainRest`, so the answer is read.
    (byob ?? rest.reader).releaseLock();
  }
}

/**
 * The whole body, checked to be exactly `length` bytes, before anything is stored. For KV (values
 * up to 25 MiB): miniflare's KV stores what a stream gave it before the stream failed (measured: a
 * put of a FixedLengthStream that errored after 3 of 20 bytes left "abc"), so a KV value is never
 * handed over as a stream. An R2 body of up to `R2_READ_WHOLE_MAX_BYTES` goes this way too.
 */
export async function exactBytes(rest: Rest, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let received = 0;
  for await (const chunk of chunksOf(rest, length)) {
    if (received + chunk.byteLength > length) throw wrongLength(length, received + chunk.byteLength, true);
    bytes.set(chunk, received);
    received += chunk.byteLength;
  }
  if (received !== length) throw wrongLength(length, received, false);
  return bytes;
}

/**
 * Writes exactly `length` bytes of the body to `writable`, for R2, which stores a body of a known
 * length as it arrives and commits once it has read `length` bytes (measured in miniflare: a put of
 * a FixedLengthStream(3) fed "abc" then more stored "abc"). So a short or long body aborts the
 * writable, and the chunk that completes the length is held back until the body has ended: R2
 * never has all the bytes of a body that goes on, the error reaches it first, and its put fails with
 * the old object in place. `found.mismatch` is the mismatch, if there was one.
 */
async function pumpExact(
  rest: Rest,
  length: number,
  writable: WritableStream<Uint8Array>,
  found: { mismatch?: GatewayError },
): Promise<void> {
  const writer = writable.getWriter();
  let received = 0;
  let held: Uint8Array | undefined;
  try {
    for await (const chunk of chunksOf(rest, length)) {
      received += chunk.byteLength;
      if (received > length) throw wrongLength(length, received, true);
      if (held !== undefined) await writer.write(held);
      held = chunk;
    }
    if (received !== length) throw wrongLength(length, received, false);
    if (held !== undefined) await writer.write(held);
    await writer.close();
  } catch (error) {
    // Known before R2 hears of it: the put's failure is then answered as the mismatch.
    if (error instanceof GatewayError) found.mismatch = error;
    await writer.abort(error).catch(() => {});
  }
}

/**
 * An R2 body of at most this many bytes is read whole and checked (`exactBytes`) before R2 is called,
 * and handed to it as bytes; a longer one streams through `pumpExact`. A body of the wrong length is
 * then refused before R2 hears of it wherever that costs about what the pump holds anyway (a chunk of
 * up to `PUMP_CHUNK_BYTES`): for a body of up to that off the wire, the pump's first read (to the
 * declared length and one byte more) already waits for the whole body and holds it back until the
 * body ends, so R2 had at most the bytes that came with the parameters' line before the end either
 * way. It only had a put under way, which a wrong length then had to tear (an errored stream is the
 * one way to stop an R2 put, see `pumpExact`; miniflare's local R2 logs each torn put as uncaught
 * exceptions, docs/testing.md). Read first, a put this small is no slower (docs/performance.md,
 * 'Figures behind code decisions'). Over it, a wrong length shows only after R2 has had the first
 * chunk, and the put is torn, as it must be.
 */
export const R2_READ_WHOLE_MAX_BYTES = PUMP_CHUNK_BYTES;

/** Stores a streamed R2 body (a put or a part): a wrong length is BAD_INPUT, and nothing is stored. */
export async function storeR2<T>(
  rest: Rest,
  length: number,
  store: (value: ReadableStream<Uint8Array> | Uint8Array) => Promise<T>,
): Promise<T> {
  if (length <= R2_READ_WHOLE_MAX_BYTES) return store(await exactBytes(rest, length));
  const sized = new FixedLengthStream(length);
  const found: { mismatch?: GatewayError } = {};
  const pumped = pumpExact(rest, length, sized.writable, found).catch(() => {});
  try {
    return await store(sized.readable);
  } catch (error) {
    // The pump lets go of the body before the refusal drains it.
    await pumped;
    throw found.mismatch ?? error;
  }
}

/**
 * An answer: the result's line (`encodeFrame`), then the bytes of a read. The result travels in the
 * body, where no header limit applies; the bytes pass through as they come, never held whole.
 */
export function answer(result: unknown, body: ReadableStream | null = null): Response {
  const frame = encodeFrame(result);
  let stream: ReadableStream | Uint8Array = frame;
  if (body !== null) {
    // workerd's own byte stream: the binding's body is pumped into it natively, not chunk by chunk in JS.
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    writer
      .write(frame)
      .then(() => {
        writer.releaseLock();
        return body.pipeTo(writable);
      })
      .catch(() => body.cancel().catch(() => {}));
    stream = readable;
  }
  return new Response(stream, {
    headers: {
      'content-type': 'application/octet-stream',
      // Bytes pass as they are: wrangler dev (like Cloudflare's edge) would otherwise gzip a body
      // without a content type for a client that accepts gzip, as Node's fetch does, and a large
      // read would then run at the speed of the compressor.
      'content-encoding': 'identity',
    },
  });
}
