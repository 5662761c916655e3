import { z } from 'zod';
import { KvBinding } from '../bindings.ts';
import {
  INLINE_BODY_MAX_BYTES,
  KV_MAX_EXPIRATION_S,
  KV_MAX_KEY_BYTES,
  KV_MAX_LIST_LIMIT,
  KV_MAX_LIST_PREFIX_BYTES,
  KV_MAX_METADATA_BYTES,
  KV_MAX_VALUE_BYTES,
  KV_MIN_CACHE_TTL_S,
  KV_MIN_EXPIRATION_TTL_S,
} from '../limits.ts';
import { Bytes, bodyBytes, Json, jsonBytes, limit, utf8Bytes } from './common.ts';

const MAX_INLINE_VALUE_BYTES = Math.min(KV_MAX_VALUE_BYTES, INLINE_BODY_MAX_BYTES);

export const KvKey = z
  .string()
  .min(1, 'key is empty')
  .refine((key) => key !== '.' && key !== '..', 'KV keys cannot be "." or ".."')
  .refine((key) => utf8Bytes(key) <= KV_MAX_KEY_BYTES, limit(`a KV key is over ${KV_MAX_KEY_BYTES} bytes`));

export const KvMetadata = Json.refine(
  (metadata) => jsonBytes(metadata) <= KV_MAX_METADATA_BYTES,
  limit(`KV metadata is over ${KV_MAX_METADATA_BYTES} bytes as JSON`),
);

/** How a value is read back: as text, parsed JSON, or bytes (the binding's `arrayBuffer`). */
export const KvType = z.enum(['text', 'json', 'bytes']);
export type KvType = z.infer<typeof KvType>;

const GetInput = z.strictObject({
  binding: KvBinding,
  key: KvKey,
  type: KvType.optional(),
  cacheTtl: z.int().min(KV_MIN_CACHE_TTL_S).max(KV_MAX_EXPIRATION_S).optional(),
});

/** A stored value as read: text, JSON, or bytes. */
export const KvValue = z.union([Bytes, Json]);

/**
 * What can be stored: a string (stored as it is), bytes, or any other JSON value (stored as its
 * JSON text, as `put(key, JSON.stringify(value))` would).
 */
export const KvPutValue = z
  .union([z.string(), Bytes, Json])
  .refine(
    (value) =>
      (typeof value === 'string' || value instanceof Uint8Array ? bodyBytes(value) : jsonBytes(value)) <=
      MAX_INLINE_VALUE_BYTES,
    limit(`a KV value sent inline is over ${MAX_INLINE_VALUE_BYTES} bytes`),
  );

export const KvListKey = z.object({
  name: z.string(),
  expiration: z.number().optional(),
  metadata: Json.optional(),
});

export const kv = {
  /** `KV.get(key, { type, cacheTtl })`: the value, or `null` when the key does not exist. */
  get: { input: GetInput, output: KvValue.nullable() },
  /** `KV.getWithMetadata(key, ...)`: `{ value: null, metadata: null }` when the key does not exist. */
  getWithMetadata: {
    input: GetInput,
    output: z.object({ value: KvValue.nullable(), metadata: Json.nullable() }),
  },
  /** `KV.put(key, value, { expiration, expirationTtl, metadata })`. */
  put: {
    input: z.strictObject({
      binding: KvBinding,
      key: KvKey,
      value: KvPutValue,
      expiration: z.int().positive().max(KV_MAX_EXPIRATION_S).optional(),
      expirationTtl: z.int().min(KV_MIN_EXPIRATION_TTL_S).max(KV_MAX_EXPIRATION_S).optional(),
      metadata: KvMetadata.optional(),
    }),
    output: z.void(),
  },
  /** `KV.delete(key)`: deleting a missing key is not an error. */
  delete: {
    input: z.strictObject({ binding: KvBinding, key: KvKey }),
    output: z.void(),
  },
  /** `KV.list({ prefix, limit, cursor })`. */
  list: {
    input: z.strictObject({
      binding: KvBinding,
      prefix: z
        .string()
        .refine(
          (prefix) => utf8Bytes(prefix) <= KV_MAX_LIST_PREFIX_BYTES,
          limit(`a KV list prefix is over ${KV_MAX_LIST_PREFIX_BYTES} bytes`),
        )
        .optional(),
      limit: z.int().min(1).max(KV_MAX_LIST_LIMIT).optional(),
      cursor: z.string().optional(),
    }),
    output: z.object({
      keys: z.array(KvListKey),
      list_complete: z.boolean(),
      cursor: z.string().optional(),
    }),
  },
} as const;
