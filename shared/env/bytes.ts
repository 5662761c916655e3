import { readUpTo } from '../body.ts';
// Byte conversions for the binding-shaped clients, with Web APIs only: they run in Node and workerd.

/**
 * A copy of a buffer's or a view's bytes as a `Uint8Array`. A copy, because the call is sent a tick
 * later (calls of one tick share a request): the binding has taken the bytes by the time it returns.
 */
export function copyBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
}

/** Every byte of a stream. */
export async function readStream(stream: ReadableStream): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Exactly the bytes of a view as an `ArrayBuffer`: its own buffer when the view covers all of it. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) {
    return buffer;
  }
  return bytes.slice().buffer;
}

/**
 * A byte stream (BYOB readers work, as on the binding's streams) of the given bytes. `onRead` runs
 * when a reader first asks for data, which is when the binding's `bodyUsed` turns true.
 */
export function bytesStream(bytes: Uint8Array, onRead?: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: 'bytes',
    pull(controller) {
      onRead?.();
      // A byte stream takes over (detaches) the buffer it is given, and refuses an empty chunk.
      if (bytes.byteLength > 0) controller.enqueue(bytes.slice());
      controller.close();
    },
  });
}

/** Lower-case hex of some bytes, the form the contract carries checksums in. */
export function toHex(value: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    value instanceof ArrayBuffer
      ? new Uint8Array(value)
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The bytes a hex string spells. */
export function fromHex(hex: string): ArrayBuffer {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes.buffer;
}

/**
 * A stream's first bytes, up to `max`, and whether the stream ended within them. The rest stays
 * unread (and the stream is cancelled), so a long stream costs at most `max` bytes of memory.
 */
export async function readPrefix(
  stream: ReadableStream,
  max: number,
): Promise<{ bytes: Uint8Array; done: boolean }> {
  const reader = stream.getReader();
  const read = await readUpTo(reader, max);
  if ('bytes' in read) return { bytes: read.bytes, done: true };
  await reader.cancel();
  return { bytes: new Uint8Array(0), done: false };
}
