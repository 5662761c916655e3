import { GATEWAY_MAX_DRAIN_BYTES } from '../shared/limits.ts';

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
  let byob: ReadableStreamBYOBReader | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    byob = body.getReader({ mode: 'byob' });
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
