import { INLINE_BODY_MAX_BYTES, type R2Object as R2ObjectOut, r2 } from '../../shared/index.ts';
import { base64Bytes, takeInlineBytes } from '../answer-budget.ts';
import { r2Binding } from '../bindings.ts';
import { classifyBindingError, GatewayError } from '../errors.ts';
import { checkCallerWaits } from '../idempotency.ts';
import { procedure, router } from '../trpc.ts';

function definedOnly(
  record: { [name: string]: string | undefined } | R2StringChecksums,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) if (value !== undefined) out[name] = value;
  return out;
}

/** The binding's `R2Object` as plain data: checksums as hex, no methods, no undefined fields. */
export function toObject(object: R2Object): R2ObjectOut {
  return {
    key: object.key,
    version: object.version,
    size: object.size,
    etag: object.etag,
    httpEtag: object.httpEtag,
    checksums: definedOnly(object.checksums.toJSON()),
    uploaded: object.uploaded,
    httpMetadata: { ...object.httpMetadata },
    customMetadata: { ...object.customMetadata },
    ...(object.range === undefined ? {} : { range: { ...object.range } }),
    storageClass: object.storageClass,
  };
}

/** How many bytes of the object `get` returns, given the range R2 served. */
function bodyLength(object: R2Object): number {
  // The binding's range object may carry every field, the unused ones undefined.
  const range = object.range as { offset?: number; length?: number; suffix?: number } | undefined;
  if (range === undefined) return object.size;
  if (range.suffix !== undefined) return Math.min(range.suffix, object.size);
  const offset = range.offset ?? 0;
  return Math.min(range.length ?? object.size - offset, object.size - offset);
}

/** Whether a range starts at or past the end of an object of `size` bytes: R2 cannot serve it. */
function startsPastEnd(range: R2Range, size: number): boolean {
  return 'suffix' in range ? size === 0 : (range.offset ?? 0) >= size;
}

/**
 * `BUCKET.get`, answering alike locally and deployed: a range that starts at the object's end is
 * unsatisfiable (R2's 10039, as one past the end is, and as `{ offset: size }` is locally too), but
 * local R2 (miniflare) fails inside on one with a `length` ("Unspecified error (0)"). The stream
 * call (`r2.getStream`, streams.ts) reads through it too.
 */
export async function r2Get(bucket: R2Bucket, key: string, options: R2GetOptions) {
  try {
    return await bucket.get(key, options);
  } catch (error) {
    const { range } = options;
    if (range === undefined || range instanceof Headers || classifyBindingError(error) !== 'INTERNAL') {
      throw error;
    }
    const object = await bucket.head(key);
    if (object === null || !startsPastEnd(range, object.size)) throw error;
    throw new GatewayError('RANGE_NOT_SATISFIABLE', 'get: The requested range is not satisfiable (10039)', {
      cause: error,
    });
  }
}

export const r2Router = router({
  get: procedure
    .input(r2.get.input)
    .output(r2.get.output)
    .query(async ({ input, ctx }) => {
      const { binding, key, ...options } = input;
      const object = await r2Get(r2Binding(ctx.env, binding), key, options);
      if (object === null) return null;
      if (!('body' in object)) return toObject(object);
      const length = bodyLength(object);
      if (length > INLINE_BODY_MAX_BYTES) {
        await object.body.cancel();
        throw new GatewayError(
          'LIMIT_EXCEEDED',
          `"${key}" is ${length} bytes, over the ${INLINE_BODY_MAX_BYTES} bytes a body travels inline; read a range`,
        );
      }
      try {
        takeInlineBytes(ctx, base64Bytes(length), { what: `the body of "${key}"`, stream: 'r2.getStream' });
      } catch (error) {
        await object.body.cancel();
        throw error;
      }
      return { ...toObject(object), body: await object.bytes() };
    }),

  head: procedure
    .input(r2.head.input)
    .output(r2.head.output)
    .query(async ({ input, ctx }) => {
      const object = await r2Binding(ctx.env, input.binding).head(input.key);
      return object === null ? null : toObject(object);
    }),

  put: procedure
    .input(r2.put.input)
    .output(r2.put.output)
    .mutation(async ({ input, ctx }) => {
      const { binding, key, body, ...options } = input;
      checkCallerWaits(ctx);
      const object = await r2Binding(ctx.env, binding).put(key, body, options);
      return object === null ? null : toObject(object);
    }),

  delete: procedure
    .input(r2.delete.input)
    .output(r2.delete.output)
    .mutation(async ({ input, ctx }) => {
      checkCallerWaits(ctx);
      await r2Binding(ctx.env, input.binding).delete(input.keys);
    }),

  createMultipartUpload: procedure
    .input(r2.createMultipartUpload.input)
    .output(r2.createMultipartUpload.output)
    .mutation(async ({ input, ctx }) => {
      const { binding, key, ...options } = input;
      const upload = await r2Binding(ctx.env, binding).createMultipartUpload(key, options);
      return { key: upload.key, uploadId: upload.uploadId };
    }),

  completeMultipartUpload: procedure
    .input(r2.completeMultipartUpload.input)
    .output(r2.completeMultipartUpload.output)
    .mutation(async ({ input, ctx }) => {
      const upload = r2Binding(ctx.env, input.binding).resumeMultipartUpload(input.key, input.uploadId);
      return toObject(await upload.complete(input.parts));
    }),

  abortMultipartUpload: procedure
    .input(r2.abortMultipartUpload.input)
    .output(r2.abortMultipartUpload.output)
    .mutation(async ({ input, ctx }) => {
      await r2Binding(ctx.env, input.binding).resumeMultipartUpload(input.key, input.uploadId).abort();
    }),

  list: procedure
    .input(r2.list.input)
    .output(r2.list.output)
    .query(async ({ input, ctx }) => {
      const { binding, ...options } = input;
      const page = await r2Binding(ctx.env, binding).list(options);
      return {
        objects: page.objects.map(toObject),
        truncated: page.truncated,
        ...(page.truncated ? { cursor: page.cursor } : {}),
        delimitedPrefixes: page.delimitedPrefixes,
      };
    }),
});
