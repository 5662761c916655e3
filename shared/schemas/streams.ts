import { z } from 'zod';
import { R2Binding } from '../bindings.ts';
import {
  KV_MAX_VALUE_BYTES,
  R2_MAX_MULTIPART_PART_BYTES,
  R2_MAX_MULTIPART_PARTS,
  R2_MAX_SINGLE_PUT_BYTES,
} from '../limits.ts';
import { transformer } from '../transformer.ts';
import { kv } from './kv.ts';
import { r2, r2Key } from './r2.ts';

/**
 * Calls whose body is a byte stream, too large to travel inline in JSON. They are plain HTTP beside
 * the tRPC procedures, on the same endpoint (`<gateway>/<name>`), with the same callers, policy, log
 * lines and error shape. The body starts with the call's parameters (a line of the transformer's
 * JSON, `encodeFrame`), then the bytes of a write; the answer starts with the result (a line the
 * same way), then the bytes of a read.
 */
export const streams = {
  /** `BUCKET.get(key, { range, onlyIf })` with the body streamed; the object's metadata first. */
  'r2.getStream': { input: r2.get.input },
  /** `BUCKET.put(key, stream, options)`: `r2.put` with the body streamed; its length must be known. */
  'r2.putStream': { input: r2.put.input.omit({ body: true }), maxBodyBytes: R2_MAX_SINGLE_PUT_BYTES },
  /** `upload.uploadPart(partNumber, stream)`: one part of a multipart upload, streamed. */
  'r2.uploadPart': {
    input: z.strictObject({
      binding: R2Binding,
      key: r2Key('uploadPart'),
      uploadId: z.string().min(1),
      partNumber: z.int().min(1).max(R2_MAX_MULTIPART_PARTS),
    }),
    maxBodyBytes: R2_MAX_MULTIPART_PART_BYTES,
  },
  /** `KV.get(key, 'stream')`: the value streamed; its metadata first. */
  'kv.getStream': { input: kv.get.input.omit({ type: true }) },
  /** `KV.put(key, stream, options)`: `kv.put` with the value streamed, up to KV's 25 MiB. */
  'kv.putStream': { input: kv.put.input.omit({ value: true }), maxBodyBytes: KV_MAX_VALUE_BYTES },
} as const;

export type StreamCall = keyof typeof streams;

/** The most bytes a stream call takes after its parameters' line: the binding's limit (none for a read). */
export function streamBodyLimit(call: StreamCall): number | undefined {
  const entry = streams[call];
  return 'maxBodyBytes' in entry ? entry.maxBodyBytes : undefined;
}

/**
 * Why a body of `length` bytes is refused for `call` (LIMIT_EXCEEDED), if it is: the gateway says
 * it before it reads the body, and the clients before they send it, in the same words.
 */
export function overBodyLimit(call: StreamCall, length: number): string | undefined {
  const max = streamBodyLimit(call);
  return max !== undefined && length > max
    ? `a body of ${length} bytes is over the ${max} allowed for ${call}`
    : undefined;
}

/**
 * A stream call's parameters (in the request) and its result (in the answer) travel at the start of
 * the body, before the bytes: one line, the transformer's JSON (`{"json":…,"meta":…}`, UTF-8) and a
 * line feed. No header carries them: an object's metadata can be 8 KiB of characters JSON escapes
 * six times over, more than Node's fetch takes in the headers of an answer (16 KiB). JSON never
 * holds a raw line feed (it escapes control characters), so the first one ends the line.
 */
export const FRAME_END = 0x0a;
/** The framing's name, in the contract's hash (`computeContractVersion`). */
export const STREAM_FRAMING = 'first-line-json';

const encoder = new TextEncoder();

/** A value as the first line of a stream call's body: the transformer's JSON and a line feed. */
export function encodeFrame(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(transformer.serialize(value))}\n`);
}

/** Why a body's first line could not be read. */
export class StreamFrameError extends Error {
  readonly reason: 'ended' | 'too-long' | 'not-utf8' | 'no-line-feed';

  constructor(reason: StreamFrameError['reason'], message: string) {
    super(message);
    this.name = 'StreamFrameError';
    this.reason = reason;
  }
}

/** A body's first line, read: its text, its size in bytes with the line feed, and the bytes after it read with it. */
export interface FrameHead {
  text: string;
  frameBytes: number;
  /** The bytes that came in the line's last chunk after its line feed (perhaps none). */
  leftover: Uint8Array;
}

/**
 * Reads a body's first line (at most `maxBytes`, its line feed not counted; it must end with a line
 * feed) and hands back the reader that read it, where the line's last chunk ended. Throws
 * `StreamFrameError`, the body cancelled, or with `onError: 'release'` left to the caller (unlocked,
 * where reading stopped): a server drains the rest so that its refusal can be read.
 */
export async function readFrameHead(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  onError: 'cancel' | 'release' = 'cancel',
): Promise<FrameHead & { reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = body.getReader();
  try {
    return { ...(await readLine(reader, maxBytes)), reader };
  } catch (error) {
    if (onError === 'release') reader.releaseLock();
    else reader.cancel(error).catch(() => {});
    throw error;
  }
}

async function readLine(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
): Promise<FrameHead> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const read = await reader.read();
    if (read.done && size === 0)
      throw new StreamFrameError('ended', 'the body is empty: it has no first line');
    // A line cut short is not taken for a whole one: parameters that lost their end could still parse.
    if (read.done) {
      throw new StreamFrameError(
        'no-line-feed',
        'the first line of a stream call ends without its line feed (\\n): the parameters are one line of JSON and a line feed',
      );
    }
    const { value } = read;
    const end = value.indexOf(FRAME_END);
    const take = end === -1 ? value.byteLength : end;
    if (size + take > maxBytes) {
      throw new StreamFrameError('too-long', `the first line of a stream call is over ${maxBytes} bytes`);
    }
    parts.push(value.subarray(0, take));
    size += take;
    if (end === -1) continue;
    const line = new Uint8Array(size);
    let offset = 0;
    for (const part of parts) {
      line.set(part, offset);
      offset += part.byteLength;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(line);
    } catch {
      throw new StreamFrameError('not-utf8', 'the first line of a stream call is not UTF-8');
    }
    return { text, frameBytes: size + 1, leftover: value.subarray(end + 1) };
  }
}

/**
 * Reads a body's first line (`readFrameHead`): its text, its size in bytes with the line feed, and
 * the rest of the body as a stream that passes the source's chunks on as they come (cancelling it
 * cancels the source). Throws `StreamFrameError`.
 */
export async function readFrame(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<{ text: string; frameBytes: number; rest: ReadableStream<Uint8Array> }> {
  const head = await readFrameHead(body, maxBytes);
  const { reader } = head;
  let leftover: Uint8Array | undefined = head.leftover;
  // A byte stream, as a fetch's body is, so that BYOB readers work on it too.
  const rest = new ReadableStream({
    type: 'bytes',
    async pull(controller) {
      if (leftover !== undefined) {
        const chunk = leftover;
        leftover = undefined;
        if (chunk.byteLength > 0) return controller.enqueue(chunk);
      }
      // An empty chunk is skipped: a pull that enqueues nothing is not called again.
      for (;;) {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          // A BYOB read waiting at the end is answered with no bytes.
          controller.byobRequest?.respond(0);
          return;
        }
        if (next.value.byteLength > 0) return controller.enqueue(next.value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }) as ReadableStream<Uint8Array>;
  return { text: head.text, frameBytes: head.frameBytes, rest };
}

/** The frame, then the bytes of `body`, as one stream (a request's body, or an answer's). */
export function framedStream(
  frame: Uint8Array,
  body: ReadableStream<Uint8Array> | Uint8Array,
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let sent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(frame);
        if (body instanceof Uint8Array) {
          if (body.byteLength > 0) controller.enqueue(body);
          controller.close();
        }
        return;
      }
      reader ??= (body as ReadableStream<Uint8Array>).getReader();
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => (body instanceof ReadableStream ? (reader ?? body).cancel(reason) : undefined),
  });
}
