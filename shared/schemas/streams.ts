import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from '../base64.ts';
import { R2Binding } from '../bindings.ts';
import { R2_MAX_MULTIPART_PARTS } from '../limits.ts';
import { transformer } from '../transformer.ts';
import { kv } from './kv.ts';
import { R2Key, r2 } from './r2.ts';

/**
 * Calls whose body is a byte stream, too large to travel inline in JSON. They are plain HTTP beside
 * the tRPC procedures, on the same endpoint (`<gateway>/<name>`), with the same callers, policy, log
 * lines and error shape. The call's parameters travel in the `x-gateway-call` header (the
 * transformer's JSON, base64); the body is the bytes; the answer is the bytes (reads) or JSON.
 */
export const streams = {
  /** `BUCKET.get(key, { range, onlyIf })` with the body streamed; the object's metadata in a header. */
  'r2.getStream': { input: r2.get.input },
  /** `BUCKET.put(key, stream, options)`: `r2.put` with the body streamed; its length must be known. */
  'r2.putStream': { input: r2.put.input.omit({ body: true }) },
  /** `upload.uploadPart(partNumber, stream)`: one part of a multipart upload, streamed. */
  'r2.uploadPart': {
    input: z.object({
      binding: R2Binding,
      key: R2Key,
      uploadId: z.string().min(1),
      partNumber: z.int().min(1).max(R2_MAX_MULTIPART_PARTS),
    }),
  },
  /** `KV.get(key, 'stream')`: the value streamed; its metadata in a header. */
  'kv.getStream': { input: kv.get.input.omit({ type: true }) },
  /** `KV.put(key, stream, options)`: `kv.put` with the value streamed, up to KV's 25 MiB. */
  'kv.putStream': { input: kv.put.input.omit({ value: true }) },
} as const;

export type StreamCall = keyof typeof streams;

/** The header that carries a stream call's parameters, and the one that carries a read's metadata. */
export const CALL_HEADER = 'x-gateway-call';
export const RESULT_HEADER = 'x-gateway-result';

/** A value as a header: the transformer's JSON, base64 (keys and metadata may be any Unicode). */
export function encodeCallHeader(value: unknown): string {
  return bytesToBase64(new TextEncoder().encode(JSON.stringify(transformer.serialize(value))));
}

/** The text of a header made by `encodeCallHeader` (to be parsed and checked by the reader). */
export function decodeCallHeader(header: string): string {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(base64ToBytes(header));
}
