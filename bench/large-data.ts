/**
 * The large object's bytes, made on the fly: the AES-128-CTR keystream of a 16-byte seed, 1 MiB at a
 * time (pseudo-random, incompressible, the same bytes for the same seed, never held whole).
 */
import { createCipheriv, createHash } from 'node:crypto';

export const MiB = 1024 * 1024;
export const CHUNK_BYTES = MiB;

/** `size` bytes of the seed's keystream, in chunks of `CHUNK_BYTES` (a new buffer each). */
export function* chunks(seed: Buffer, size: number): Generator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', seed, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK_BYTES);
  for (let made = 0; made < size; made += CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, size - made);
    yield cipher.update(n === CHUNK_BYTES ? zeros : zeros.subarray(0, n));
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A cancelled upload fails the transfer itself; this would otherwise be unhandled.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export interface Source {
  /** The bytes, one chunk per `pull`: nothing is made before the reader asks for it. */
  stream: ReadableStream<Uint8Array>;
  /** The sha256 (hex) of every byte the stream gave, once it has ended. */
  sha256: Promise<string>;
  /** `performance.now()` when the last chunk was handed over, once it has ended. */
  endedAt: Promise<number>;
}

/** The seed's `size` bytes as a pull stream, hashed on the way out. */
export function source(seed: Buffer, size: number): Source {
  const hash = createHash('sha256');
  const made = chunks(seed, size);
  const ended = deferred<number>();
  const digest = deferred<string>();
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = made.next();
        if (next.done) {
          controller.close();
          ended.resolve(performance.now());
          digest.resolve(hash.digest('hex'));
          return;
        }
        hash.update(next.value);
        controller.enqueue(next.value);
      },
      cancel(reason) {
        const error = new Error(`the upload stream was cancelled: ${String(reason)}`);
        ended.reject(error);
        digest.reject(error);
      },
    },
    { highWaterMark: 1 },
  );
  return { stream, sha256: digest.promise, endedAt: ended.promise };
}

export interface Drained {
  bytes: number;
  sha256: string;
  chunks: number;
  /** `performance.now()` when the first chunk came in. */
  firstChunkAt: number;
}

/** Reads a body to its end, counting and hashing it. */
export async function drain(body: ReadableStream<Uint8Array>): Promise<Drained> {
  const hash = createHash('sha256');
  let bytes = 0;
  let count = 0;
  let firstChunkAt = Number.NaN;
  for await (const chunk of body) {
    if (count++ === 0) firstChunkAt = performance.now();
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, sha256: hash.digest('hex'), chunks: count, firstChunkAt };
}
