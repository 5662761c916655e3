import { z } from 'zod';
import { R2Binding } from '../bindings.ts';
import {
  INLINE_BODY_MAX_BYTES,
  R2_MAX_CUSTOM_METADATA_BYTES,
  R2_MAX_DELETE_KEYS,
  R2_MAX_HTTP_METADATA_BYTES,
  R2_MAX_KEY_BYTES,
  R2_MAX_LIST_LIMIT,
  R2_MAX_MULTIPART_PARTS,
  R2_MIN_RANGE_BYTES,
} from '../limits.ts';
import { asBinding, Bytes, bodyBytes, limit, utf8Bytes } from './common.ts';

/** The binding's operations, as its error messages name them ("put: ... (10020)"). */
type R2Operation =
  | 'get'
  | 'head'
  | 'put'
  | 'delete'
  | 'createMultipartUpload'
  | 'uploadPart'
  | 'completeMultipartUpload'
  | 'abortMultipartUpload';

/**
 * An R2 key: any string (the empty key `''` too, as R2 takes it) within 1,024 bytes, refused over
 * that as the binding refuses it for the operation named.
 */
export function r2Key(operation: R2Operation) {
  return z.string().refine(
    (key) => utf8Bytes(key) <= R2_MAX_KEY_BYTES,
    asBinding('LIMIT_EXCEEDED', () => `${operation}: The specified object name is not valid. (10020)`),
  );
}
export const R2Key = r2Key('get');

/** A date R2 takes: the binding refuses those outside 1687–2189; before 1970 means nothing to R2. */
const R2Date = z
  .date()
  .min(new Date('1970-01-01T00:00:00Z'), 'R2 takes dates from 1970')
  .max(new Date('2189-01-01T00:00:00Z'), 'R2 takes dates up to 2189');

/** `R2HTTPMetadata`, as a put takes it: its text fields together within `R2_MAX_HTTP_METADATA_BYTES`. */
export const R2HttpMetadataShape = z.object({
  contentType: z.string().optional(),
  contentLanguage: z.string().optional(),
  contentDisposition: z.string().optional(),
  contentEncoding: z.string().optional(),
  cacheControl: z.string().optional(),
  cacheExpiry: R2Date.optional(),
});
// Strict as a put takes it (an unknown field is a mistake the caller hears of); loose as R2 answers it.
export const R2HttpMetadata = z
  .strictObject(R2HttpMetadataShape.shape)
  .refine(
    ({ cacheExpiry: _, ...text }) =>
      Object.values(text).reduce((sum, value) => sum + (value === undefined ? 0 : utf8Bytes(value)), 0) <=
      R2_MAX_HTTP_METADATA_BYTES,
    limit(`R2 HTTP metadata is over ${R2_MAX_HTTP_METADATA_BYTES} bytes`),
  );

function r2CustomMetadata(operation: R2Operation) {
  return z.record(z.string(), z.string()).refine(
    (metadata) =>
      Object.entries(metadata).reduce((sum, [key, value]) => sum + utf8Bytes(key) + utf8Bytes(value), 0) <=
      R2_MAX_CUSTOM_METADATA_BYTES,
    asBinding(
      'LIMIT_EXCEEDED',
      () => `${operation}: Your metadata headers exceed the maximum allowed metadata size. (10012)`,
    ),
  );
}
export const R2CustomMetadata = r2CustomMetadata('put');

/** An etag as `onlyIf` takes it: bare, not in the quotes of `httpEtag` (the binding refuses those). */
const BareEtag = z.string().regex(/^[^"]*$/, 'an etag is given bare, without quotes');

/** `R2Conditional`: a failed condition is a value (`null` for put, the head for get), not an error. */
export const R2Conditional = z.strictObject({
  etagMatches: BareEtag.optional(),
  etagDoesNotMatch: BareEtag.optional(),
  uploadedBefore: R2Date.optional(),
  uploadedAfter: R2Date.optional(),
  secondsGranularity: z.boolean().optional(),
});

/** A range's `length` or `suffix`: R2 reads at least one byte. */
const RangeBytes = z
  .int()
  .refine(
    (bytes) => bytes >= R2_MIN_RANGE_BYTES,
    asBinding('RANGE_NOT_SATISFIABLE', () => 'get: The requested range is not satisfiable (10039)'),
  )
  .min(R2_MIN_RANGE_BYTES, `R2 reads a range of at least ${R2_MIN_RANGE_BYTES} byte`);

/**
 * `R2Range`: `{ offset, length? }`, `{ offset?, length }` or `{ suffix }` (the last n bytes). One that
 * starts past the object's end is `RANGE_NOT_SATISFIABLE` (only R2 knows the size).
 */
export const R2Range = z.union([
  z.strictObject({ offset: z.int().nonnegative(), length: RangeBytes.optional() }),
  z.strictObject({ offset: z.int().nonnegative().optional(), length: RangeBytes }),
  z.strictObject({ suffix: RangeBytes }),
]);

/** `R2Object`: an object's metadata. Checksums are hex strings, as the binding's `toJSON()` gives. */
export const R2Object = z.object({
  key: z.string(),
  version: z.string(),
  size: z.number(),
  etag: z.string(),
  httpEtag: z.string(),
  checksums: z.record(z.string(), z.string()),
  uploaded: z.date(),
  // What the binding answers is not checked against the put's bound: an object stored before it, or
  // by another client, is still read.
  httpMetadata: R2HttpMetadataShape,
  customMetadata: z.record(z.string(), z.string()),
  range: z
    .object({ offset: z.number().optional(), length: z.number().optional(), suffix: z.number().optional() })
    .optional(),
  storageClass: z.string(),
});
export type R2Object = z.infer<typeof R2Object>;

/** `R2ObjectBody`: the metadata and the body's bytes. */
export const R2ObjectBody = R2Object.extend({ body: Bytes });
export type R2ObjectBody = z.infer<typeof R2ObjectBody>;

/** `R2UploadedPart`: what `r2.uploadPart` answers, and `complete` takes. */
export const R2UploadedPart = z.strictObject({
  partNumber: z.int().min(1).max(R2_MAX_MULTIPART_PARTS),
  etag: z.string().min(1),
});

/** Checksums as R2 takes them: hex of the digest's exact length. */
export const Md5Hex = z.string().regex(/^[0-9a-f]{32}$/i, 'an MD5 is 32 hex characters');
export const Sha1Hex = z.string().regex(/^[0-9a-f]{40}$/i, 'a SHA-1 is 40 hex characters');
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/i, 'a SHA-256 is 64 hex characters');
export const Sha384Hex = z.string().regex(/^[0-9a-f]{96}$/i, 'a SHA-384 is 96 hex characters');
export const Sha512Hex = z.string().regex(/^[0-9a-f]{128}$/i, 'a SHA-512 is 128 hex characters');

/**
 * A storage class (developers.cloudflare.com/r2/buckets/storage-classes): `Standard`,
 * `InfrequentAccess`; R2 refuses another in its own words.
 */
const StorageClass = z.string();

export const r2 = {
  /**
   * `BUCKET.get(key, { range, onlyIf })`: the object with its body, `null` when there is none, or the
   * object without `body` when an `onlyIf` condition failed. Bodies over the inline threshold are
   * refused with `LIMIT_EXCEEDED` (read a range instead).
   */
  get: {
    input: z.strictObject({
      binding: R2Binding,
      key: R2Key,
      range: R2Range.optional(),
      onlyIf: R2Conditional.optional(),
    }),
    output: z.union([R2ObjectBody, R2Object, z.null()]),
  },
  /** `BUCKET.head(key)`: the metadata, or `null`. */
  head: { input: z.strictObject({ binding: R2Binding, key: r2Key('head') }), output: R2Object.nullable() },
  /** `BUCKET.put(key, body, options)`: the stored object's metadata, or `null` if `onlyIf` failed. */
  put: {
    input: z.strictObject({
      binding: R2Binding,
      key: r2Key('put'),
      body: z
        .union([z.string(), Bytes])
        .refine(
          (body) => bodyBytes(body) <= INLINE_BODY_MAX_BYTES,
          limit(`an R2 body sent inline is over ${INLINE_BODY_MAX_BYTES} bytes`),
        ),
      httpMetadata: R2HttpMetadata.optional(),
      customMetadata: R2CustomMetadata.optional(),
      onlyIf: R2Conditional.optional(),
      md5: Md5Hex.optional(),
      sha1: Sha1Hex.optional(),
      sha256: Sha256Hex.optional(),
      sha384: Sha384Hex.optional(),
      sha512: Sha512Hex.optional(),
      storageClass: StorageClass.optional(),
    }),
    output: R2Object.nullable(),
  },
  /** `BUCKET.delete(keys)`: deleting a missing key is not an error. */
  delete: {
    input: z.strictObject({
      binding: R2Binding,
      keys: z.union([
        r2Key('delete'),
        z
          .array(r2Key('delete'))
          .max(R2_MAX_DELETE_KEYS, `R2 deletes at most ${R2_MAX_DELETE_KEYS} keys at once`),
      ]),
    }),
    output: z.void(),
  },
  /** `BUCKET.createMultipartUpload(key, options)`: the upload to send parts to (`r2.uploadPart`). */
  createMultipartUpload: {
    input: z.strictObject({
      binding: R2Binding,
      key: r2Key('createMultipartUpload'),
      httpMetadata: R2HttpMetadata.optional(),
      customMetadata: r2CustomMetadata('createMultipartUpload').optional(),
      storageClass: StorageClass.optional(),
    }),
    output: z.object({ key: z.string(), uploadId: z.string() }),
  },
  /** `upload.complete(parts)`: the object, made of the parts in the order given. */
  completeMultipartUpload: {
    input: z.strictObject({
      binding: R2Binding,
      key: r2Key('completeMultipartUpload'),
      uploadId: z.string().min(1),
      // No part at all is R2's to answer (an empty object), as the binding lets it.
      parts: z.array(R2UploadedPart).max(R2_MAX_MULTIPART_PARTS),
    }),
    output: R2Object,
  },
  /** `upload.abort()`: the parts sent so far are dropped. */
  abortMultipartUpload: {
    input: z.strictObject({
      binding: R2Binding,
      key: r2Key('abortMultipartUpload'),
      uploadId: z.string().min(1),
    }),
    output: z.void(),
  },
  /** `BUCKET.list(options)`. */
  list: {
    input: z.strictObject({
      binding: R2Binding,
      prefix: z.string().optional(),
      limit: z
        .int()
        .refine(
          (count) => count >= 1 && count <= R2_MAX_LIST_LIMIT,
          asBinding(
            'BAD_INPUT',
            () => `list: MaxKeys params must be positive integer <= ${R2_MAX_LIST_LIMIT}. (10022)`,
          ),
        )
        .min(1)
        .max(R2_MAX_LIST_LIMIT)
        .optional(),
      cursor: z.string().optional(),
      delimiter: z.string().optional(),
      startAfter: z.string().optional(),
      include: z.array(z.enum(['httpMetadata', 'customMetadata'])).optional(),
    }),
    output: z.object({
      objects: z.array(R2Object),
      truncated: z.boolean(),
      cursor: z.string().optional(),
      delimitedPrefixes: z.array(z.string()),
    }),
  },
} as const;
