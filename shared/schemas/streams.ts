import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from '../base64.ts';
import { KvBinding, R2Binding } from '../bindings.ts';
import { KV_MIN_CACHE_TTL_S, KV_MIN_EXPIRATION_TTL_S, R2_MAX_MULTIPART_PARTS } from '../limits.ts';
import { transformer } from '../transformer.ts';
import { IdempotencyKey } from './common.ts';
import { KvKey, KvMetadata } from './kv.ts';
import { Md5Hex, R2Conditional, R2CustomMetadata, R2HttpMetadata, R2Key, R2Range, Sha256Hex } from './r2.ts';

/**
 * Calls whose body is a byte stream, too large to travel inline in JSON. They are plain HTTP beside
 * the tRPC procedures, on the same endpoint (`<gateway>/<name>`), with the same callers, policy, log
 * lines and error shape. The call's parameters travel in the `x-gateway-call` header (the
 * transformer's JSON, base64); the body is the bytes; the answer is the bytes (reads) or JSON.
 */
export const streams = {
  /** `BUCKET.get(key, { range, onlyIf })` with the body streamed; the object's metadata in a header. */
  'r2.getStream': {
    input: z.object({
      binding: R2Binding,
      key: R2Key,
      range: R2Range.optional(),
      onlyIf: R2Conditional.optional(),
    }),
  },
  /** `BUCKET.put(key, stream, options)`: the body is streamed; its length must be known. */
  'r2.putStream': {
    input: z.object({
      binding: R2Binding,
      key: R2Key,
      httpMetadata: R2HttpMetadata.optional(),
      customMetadata: R2CustomMetadata.optional(),
      onlyIf: R2Conditional.optional(),
      md5: Md5Hex.optional(),
      sha256: Sha256Hex.optional(),
      idempotencyKey: IdempotencyKey,
    }),
  },
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
  'kv.getStream': {
    input: z.object({ binding: KvBinding, key: KvKey, cacheTtl: z.int().min(KV_MIN_CACHE_TTL_S).optional() }),
  },
  /** `KV.put(key, stream, options)`: the value streamed, up to KV's 25 MiB. */
  'kv.putStream': {
    input: z.object({
      binding: KvBinding,
      key: KvKey,
      expiration: z.int().positive().optional(),
      expirationTtl: z.int().min(KV_MIN_EXPIRATION_TTL_S).optional(),
      metadata: KvMetadata.optional(),
      idempotencyKey: IdempotencyKey,
    }),
  },
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
