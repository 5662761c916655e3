import type { R2BindingName } from '../bindings.ts';
import type { GatewayClient, GatewayClientOptions } from '../client.ts';
import { INLINE_BODY_MAX_BYTES, R2_MAX_MULTIPART_PARTS } from '../limits.ts';
import { r2GetStream, r2PutStream, r2UploadPart, type StreamBody } from '../stream-client.ts';
import { copyBytes, readPrefix } from './bytes.ts';
import { viaGateway } from './errors.ts';
import { GatewayR2Object, GatewayR2ObjectBody } from './r2-object.ts';
import { checksumsOf, conditionOf, httpMetadataOf, rangeOf } from './r2-options.ts';

type R2Value = ReadableStream | ArrayBuffer | ArrayBufferView | string | null | Blob;

/**
 * Options the contract cannot carry. Dropping them would change what is stored or checked (another
 * storage class, no SSE-C key, a checksum not verified), so they fail loudly instead.
 */
function refuseUnsupported(options: object, names: readonly string[]): void {
  for (const name of names) {
    if ((options as Record<string, unknown>)[name] !== undefined) {
      throw new TypeError(`R2 option ${name} is not supported through the gateway`);
    }
  }
}

const encoder = new TextEncoder();

const UNKNOWN_LENGTH =
  'Provided readable stream must have a known length (request/response body or readable half of ' +
  'FixedLengthStream). Through the gateway a stream over 1 MiB must be a Blob (in Node: ' +
  'fs.openAsBlob) or go through createMultipartUpload.';

/**
 * A `put` value as the gateway takes it: inline (JSON) up to `INLINE_BODY_MAX_BYTES`, streamed with
 * its length above. A ReadableStream has no length, so it is read as far as the threshold: one that
 * ends by then goes inline; a longer one is refused, as the binding refuses a stream of unknown length.
 */
async function toUpload(value: unknown): Promise<{ inline: string | Uint8Array } | { streamed: StreamBody }> {
  const sized = (bytes: Uint8Array) =>
    bytes.byteLength > INLINE_BODY_MAX_BYTES
      ? { streamed: { stream: bytes, length: bytes.byteLength } }
      : { inline: bytes };
  if (value === null) return { inline: '' };
  if (typeof value === 'string')
    return value.length * 3 <= INLINE_BODY_MAX_BYTES ? { inline: value } : sized(encoder.encode(value));
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return sized(copyBytes(value));
  if (value instanceof Blob) {
    if (value.size > INLINE_BODY_MAX_BYTES) return { streamed: { stream: value, length: value.size } };
    return { inline: new Uint8Array(await value.arrayBuffer()) };
  }
  if (value instanceof ReadableStream) {
    const { bytes, done } = await readPrefix(value, INLINE_BODY_MAX_BYTES);
    if (!done) throw new TypeError(UNKNOWN_LENGTH);
    return { inline: bytes };
  }
  throw new TypeError(
    "Failed to execute 'put' on 'R2Bucket': parameter 2 is not of type " +
      "'JsReadableStream or ArrayBuffer or ArrayBufferView or string or Blob'.",
  );
}

/** A multipart part: bytes or a Blob, whose length is known; a stream is read whole first. */
async function toPart(value: unknown): Promise<StreamBody> {
  if (typeof value === 'string') value = encoder.encode(value);
  if (value instanceof Blob) return { stream: value, length: value.size };
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = copyBytes(value);
    return { stream: bytes, length: bytes.byteLength };
  }
  if (value instanceof ReadableStream) {
    const bytes = new Uint8Array(await new Response(value).arrayBuffer());
    return { stream: bytes, length: bytes.byteLength };
  }
  throw new TypeError('a part is a ReadableStream, ArrayBuffer, ArrayBufferView, string or Blob');
}

/** `R2MultipartUpload` over the gateway: parts stream; create, complete and abort are procedures. */
class GatewayR2MultipartUpload implements R2MultipartUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly #bucket: GatewayR2Bucket;

  constructor(bucket: GatewayR2Bucket, key: string, uploadId: string) {
    this.#bucket = bucket;
    this.key = key;
    this.uploadId = uploadId;
  }

  async uploadPart(partNumber: number, value: unknown): Promise<R2UploadedPart> {
    if (!(partNumber >= 1 && partNumber <= R2_MAX_MULTIPART_PARTS)) {
      // The binding's TypeError, before any request.
      throw new TypeError(
        `Part number must be between 1 and ${R2_MAX_MULTIPART_PARTS} (inclusive). Actual value was: ${partNumber}`,
      );
    }
    const { binding, streamOptions } = this.#bucket.parts;
    return r2UploadPart(
      streamOptions,
      { binding, key: this.key, uploadId: this.uploadId, partNumber },
      await toPart(value),
    );
  }

  async abort(): Promise<void> {
    const { binding, client } = this.#bucket.parts;
    await viaGateway(
      client.r2.abortMultipartUpload.mutate({ binding, key: this.key, uploadId: this.uploadId }),
    );
  }

  async complete(parts: R2UploadedPart[]): Promise<R2Object> {
    const { binding, client } = this.#bucket.parts;
    const input = {
      binding,
      key: this.key,
      uploadId: this.uploadId,
      parts: parts.map(({ partNumber, etag }) => ({ partNumber, etag })),
    };
    return new GatewayR2Object(await viaGateway(client.r2.completeMultipartUpload.mutate(input)));
  }
}

/** An `R2Bucket` whose objects are read and written through the gateway. */
class GatewayR2Bucket implements R2Bucket {
  readonly #client: GatewayClient;
  readonly #binding: R2BindingName;
  readonly #stream: GatewayClientOptions;

  constructor(options: GatewayClientOptions, client: GatewayClient, binding: R2BindingName) {
    this.#client = client;
    this.#binding = binding;
    this.#stream = options;
  }

  /** What a multipart upload of this bucket calls with. */
  get parts() {
    return { binding: this.#binding, client: this.#client, streamOptions: this.#stream };
  }

  async head(key: string): Promise<R2Object | null> {
    const object = await viaGateway(this.#client.r2.head.query({ binding: this.#binding, key }));
    return object === null ? null : new GatewayR2Object(object);
  }

  get(
    key: string,
    options: R2GetOptions & { onlyIf: R2Conditional | Headers },
  ): Promise<R2ObjectBody | R2Object | null>;
  get(key: string, options?: R2GetOptions): Promise<R2ObjectBody | null>;
  async get(key: string, options: R2GetOptions = {}): Promise<R2ObjectBody | R2Object | null> {
    refuseUnsupported(options, ['ssecKey']);
    const input = {
      binding: this.#binding,
      key,
      range: rangeOf(options.range),
      onlyIf: conditionOf(options.onlyIf),
    };
    // Bodies stream (r2.getStream): an object of any size is read as it arrives, never held whole.
    const { object, body } = await r2GetStream(this.#stream, input);
    if (object === null) return null;
    // Without a body: an onlyIf condition failed, and the binding gives the object's metadata.
    return body === null ? new GatewayR2Object(object) : new GatewayR2ObjectBody(object, body);
  }

  put(
    key: string,
    value: R2Value,
    options?: R2PutOptions & { onlyIf: R2Conditional | Headers },
  ): Promise<R2Object | null>;
  put(key: string, value: R2Value, options?: R2PutOptions): Promise<R2Object>;
  async put(key: string, value: R2Value, options: R2PutOptions = {}): Promise<R2Object | null> {
    refuseUnsupported(options, ['ssecKey']);
    const checksums = checksumsOf(options);
    // The binding's TypeError: R2 verifies one checksum.
    if (Object.keys(checksums).length > 1)
      throw new TypeError('You cannot specify multiple hashing algorithms.');
    const upload = await toUpload(value);
    const input = {
      binding: this.#binding,
      key,
      httpMetadata: httpMetadataOf(options.httpMetadata),
      customMetadata: options.customMetadata,
      onlyIf: conditionOf(options.onlyIf),
      ...checksums,
      storageClass: options.storageClass,
    };
    const object =
      'inline' in upload
        ? await viaGateway(this.#client.r2.put.mutate({ ...input, body: upload.inline }))
        : await r2PutStream(this.#stream, input, upload.streamed);
    return object === null ? null : new GatewayR2Object(object);
  }

  async delete(keys: string | string[]): Promise<void> {
    await viaGateway(this.#client.r2.delete.mutate({ binding: this.#binding, keys }));
  }

  async list(options: R2ListOptions = {}): Promise<R2Objects> {
    const { limit, prefix, cursor, delimiter, startAfter, include } = options;
    const input = { binding: this.#binding, limit, prefix, cursor, delimiter, startAfter, include };
    const page = await viaGateway(this.#client.r2.list.query(input));
    const objects = page.objects.map((object) => new GatewayR2Object(object));
    const { delimitedPrefixes } = page;
    if (page.truncated) return { objects, delimitedPrefixes, truncated: true, cursor: page.cursor ?? '' };
    // The binding's page has a cursor property, undefined, when it is the last.
    return { objects, delimitedPrefixes, truncated: false, cursor: undefined } as R2Objects;
  }

  async createMultipartUpload(key: string, options: R2MultipartOptions = {}): Promise<R2MultipartUpload> {
    refuseUnsupported(options, ['ssecKey']);
    const input = {
      binding: this.#binding,
      key,
      httpMetadata: httpMetadataOf(options.httpMetadata),
      customMetadata: options.customMetadata,
      storageClass: options.storageClass,
    };
    const { uploadId } = await viaGateway(this.#client.r2.createMultipartUpload.mutate(input));
    return new GatewayR2MultipartUpload(this, key, uploadId);
  }

  resumeMultipartUpload(key: string, uploadId: string): R2MultipartUpload {
    return new GatewayR2MultipartUpload(this, key, uploadId);
  }
}

/** The `R2Bucket` for one of the gateway's R2 bindings. */
export function gatewayR2Bucket(
  options: GatewayClientOptions,
  client: GatewayClient,
  binding: R2BindingName,
): R2Bucket {
  return new GatewayR2Bucket(options, client, binding);
}
