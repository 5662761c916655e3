/**
 * Reading request bodies within a bound, in workerd and in Node alike: what the gateway's guards,
 * its stream calls, the binding-shaped clients and the container's body limit all need.
 */
import { GATEWAY_MAX_DRAIN_BYTES } from './limits.ts';

/** Chunks as one array of bytes (the one chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * What `reader` has left, read to its end, or `{ over }` (the bytes read so far) as soon as it passes
 * `max`: the rest is then unread and the reader still locked, for the caller to drain or cancel.
 */
export async function readUpTo(
  reader: ReadableStreamDefaultReader<Uint8Array | ArrayBuffer>,
  max: number,
): Promise<{ bytes: Uint8Array } | { over: number }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concatBytes(chunks, size) };
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
    size += chunk.byteLength;
    if (size > max) return { over: size };
    chunks.push(chunk);
  }
}

/** Read at least this much at a time where the body allows it (workerd's `readAtLeast`): fewer turns of the loop. */
const DRAIN_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads the rest of a refused request's body and discards it, so that the refusal reaches the client
 * (see `GATEWAY_MAX_DRAIN_BYTES`). Past `maxBytes`, or on a read error, it stops and cancels the body.
 * Resolves to whether the body was read to its end. A body locked to a reader is left as it is.
 */
export async function drainBody(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number = GATEWAY_MAX_DRAIN_BYTES,
): Promise<boolean> {
  if (body === null) return true;
  if (body.locked) return false;
  let byob: (ReadableStreamBYOBReader & Pick<ReadableStreamBYOBReader, 'readAtLeast'>) | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const candidate = body.getReader({ mode: 'byob' });
    // workerd's BYOB readers have readAtLeast; Node's do not, and read chunk by chunk instead.
    if (typeof candidate.readAtLeast === 'function') byob = candidate;
    else {
      candidate.releaseLock();
      reader = body.getReader();
    }
  } catch {
    // A stream made in JavaScript (a test's, a transport's) has no BYOB reader.
    reader = body.getReader();
  }
  let read = 0;
  let buffer = new Uint8Array(DRAIN_CHUNK_BYTES);
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      if (byob) {
        next = await byob.readAtLeast(DRAIN_CHUNK_BYTES, buffer);
        // The buffer is handed back with the bytes; reused for the next read.
        if (next.value) buffer = new Uint8Array(next.value.buffer as ArrayBuffer);
      } else {
        next = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      }
      if (next.done) return true;
      read += next.value.byteLength;
      if (read > maxBytes) {
        await (byob ?? reader)?.cancel().catch(() => {});
        return false;
      }
    }
  } catch {
    await (byob ?? reader)?.cancel().catch(() => {});
    return false;
  }
}
