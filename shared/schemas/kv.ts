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
import { asBinding, Bytes, bodyBytes, Json, jsonBytes, limit, utf8Bytes } from './common.ts';

const MAX_INLINE_VALUE_BYTES = Math.min(KV_MAX_VALUE_BYTES, INLINE_BODY_MAX_BYTES);

/** A KV key, refused over 512 bytes as the binding refuses it for the operation named (`GET`, ...). */
function kvKey(operation: 'GET' | 'PUT' | 'DELETE') {
  return z
    .string()
    .min(1, 'key is empty')
    .refine((key) => key !== '.' && key !== '..', 'KV keys cannot be "." or ".."')
    .refine(
      (key) => utf8Bytes(key) <= KV_MAX_KEY_BYTES,
      asBinding(
        'LIMIT_EXCEEDED',
        (key: string) =>
          `KV ${operation} failed: 414 UTF-8 encoded length of ${utf8Bytes(key)} exceeds key length limit of ${KV_MAX_KEY_BYTES}.`,
      ),
    );
}
export const KvKey = kvKey('GET');

export const KvMetadata = Json.refine(
  (metadata) => jsonBytes(metadata) <= KV_MAX_METADATA_BYTES,
  asBinding(
    'LIMIT_EXCEEDED',
    (metadata: unknown) =>
      `KV PUT failed: 413 Metadata length of ${jsonBytes(metadata)} exceeds limit of ${KV_MAX_METADATA_BYTES}.`,
  ),
);

// The binding's words for a TTL it will not take (it truncates fractions before it checks).
const expirationTtlRefusal = (ttl: number) =>
  ttl <= 0
    ? `KV PUT failed: 400 Invalid expiration_ttl of ${ttl}. Please specify integer greater than 0.`
    : `KV PUT failed: 400 Invalid expiration_ttl of ${ttl}. Expiration TTL must be at least ${KV_MIN_EXPIRATION_TTL_S}.`;

/** How a value is read back: as text, parsed JSON, or bytes (the binding's `arrayBuffer`). */
export const KvType = z.enum(['text', 'json', 'bytes']);
export type KvType = z.infer<typeof KvType>;

const GetInput = z.strictObject({
  binding: KvBinding,
  key: KvKey,
  type: KvType.optional(),
  cacheTtl: z
    .int()
    .refine(
      (ttl) => ttl >= KV_MIN_CACHE_TTL_S,
      asBinding(
        'BAD_INPUT',
        (ttl: number) =>
          `KV GET failed: 400 Invalid cache_ttl of ${ttl}. Cache TTL must be at least ${KV_MIN_CACHE_TTL_S}.`,
      ),
    )
    .min(KV_MIN_CACHE_TTL_S)
    .max(KV_MAX_EXPIRATION_S)
    .optional(),
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
      key: kvKey('PUT'),
      value: KvPutValue,
      expiration: z
        .int()
        .refine(
          (at) => at > 0,
          asBinding(
            'BAD_INPUT',
            (at: number) =>
              `KV PUT failed: 400 Invalid expiration of ${at}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
          ),
        )
        .positive()
        .max(KV_MAX_EXPIRATION_S)
        .optional(),
      expirationTtl: z
        .int()
        .refine((ttl) => ttl >= KV_MIN_EXPIRATION_TTL_S, asBinding('BAD_INPUT', expirationTtlRefusal))
        .min(KV_MIN_EXPIRATION_TTL_S)
        .max(KV_MAX_EXPIRATION_S)
        .optional(),
      metadata: KvMetadata.optional(),
    }),
    output: z.void(),
  },
  /** `KV.delete(key)`: deleting a missing key is not an error. */
  delete: {
    input: z.strictObject({ binding: KvBinding, key: kvKey('DELETE') }),
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
          asBinding(
            'LIMIT_EXCEEDED',
            (prefix: string) =>
              `KV GET failed: 414 UTF-8 encoded length of ${utf8Bytes(prefix)} exceeds key length limit of ${KV_MAX_LIST_PREFIX_BYTES}.`,
          ),
        )
        .optional(),
      limit: z
        .int()
        .refine(
          (count) => count <= KV_MAX_LIST_LIMIT,
          asBinding(
            'LIMIT_EXCEEDED',
            (count: number) =>
              `KV GET failed: 400 Invalid key_count_limit of ${count}. Please specify an integer less than ${KV_MAX_LIST_LIMIT}.`,
          ),
        )
        .min(1)
        .max(KV_MAX_LIST_LIMIT)
        .optional(),
      cursor: z.string().optional(),
    }),
    output: z.object({
      keys: z.array(KvListKey),
      list_complete: z.boolean(),
      cursor: z.string().optional(),
    }),
  },
} as const;
