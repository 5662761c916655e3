import type { R2BindingName } from '../bindings.ts';
import type { GatewayClient } from '../client.ts';
import { copyBytes, readStream, toHex } from './bytes.ts';
import { GatewayBindingError, viaGateway } from './errors.ts';
import { GatewayR2Object, GatewayR2ObjectBody } from './r2-object.ts';

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

/**
 * A `Range` header as the binding reads it: one range of bytes. The binding serves the whole object
 * for a header it does not take (several ranges, another unit), and so does this.
 */
function rangeOf(range: R2Range | Headers | undefined): R2Range | undefined {
  if (!(range instanceof Headers)) return range;
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.get('range')?.trim() ?? '');
  if (match === null) return undefined;
  const [, start = '', end = ''] = match;
  if (start === '') return end === '' ? undefined : { suffix: Number(end) };
  const offset = Number(start);
  if (end === '') return { offset };
  return Number(end) < offset ? undefined : { offset, length: Number(end) - offset + 1 };
}

function conditionOf(onlyIf: R2Conditional | Headers | undefined): R2Conditional | undefined {
  if (onlyIf instanceof Headers) {
    // The binding reads If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since with
    // HTTP's rules (etag lists, weak etags, '*'); a half-right reading would be worse than none.
    throw new TypeError(
      'R2 onlyIf as Headers is not supported through the gateway; pass an R2Conditional object ' +
        '({ etagMatches, etagDoesNotMatch, uploadedBefore, uploadedAfter })',
    );
  }
  return onlyIf;
}

/** `R2HTTPMetadata` from the headers the binding takes it from (others are ignored, as there). */
function httpMetadataOf(metadata: R2HTTPMetadata | Headers | undefined): R2HTTPMetadata | undefined {
  if (!(metadata instanceof Headers)) return metadata;
  const header = (name: string) => metadata.get(name) ?? undefined;
  const expires = header('expires');
  const out: R2HTTPMetadata = {
    contentType: header('content-type'),
    contentLanguage: header('content-language'),
    contentDisposition: header('content-disposition'),
    contentEncoding: header('content-encoding'),
    cacheControl: header('cache-control'),
    cacheExpiry: expires === undefined ? undefined : new Date(expires),
  };
  for (const [name, value] of Object.entries(out)) {
    if (value === undefined) delete out[name as keyof R2HTTPMetadata];
  }
  return out;
}

function hexOf(checksum: ArrayBuffer | ArrayBufferView | string | undefined): string | undefined {
  return checksum === undefined || typeof checksum === 'string' ? checksum : toHex(checksum);
}

/** The body the contract carries for a `put` value; what the binding refuses, refused in its words. */
async function toBody(value: unknown): Promise<string | Uint8Array> {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return copyBytes(value);
  if (value instanceof ReadableStream) return readStream(value);
  if (value instanceof Blob) return new Uint8Array(await value.arrayBuffer());
  throw new TypeError(
    "Failed to execute 'put' on 'R2Bucket': parameter 2 is not of type " +
      "'ReadableStream or ArrayBuffer or ArrayBufferView or string or Blob'.",
  );
}

function multipartUnavailable(): GatewayBindingError {
  return new GatewayBindingError('multipart uploads are not available through the gateway yet', 'NOT_FOUND');
}

/** An `R2Bucket` whose objects are read and written through the gateway. */
class GatewayR2Bucket implements R2Bucket {
  readonly #client: GatewayClient;
  readonly #binding: R2BindingName;

  constructor(client: GatewayClient, binding: R2BindingName) {
    this.#client = client;
    this.#binding = binding;
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
    const object = await viaGateway(this.#client.r2.get.query(input));
    if (object === null) return null;
    // Without a body: an onlyIf condition failed, and the binding gives the object's metadata.
    return 'body' in object ? new GatewayR2ObjectBody(object) : new GatewayR2Object(object);
  }

  put(
    key: string,
    value: R2Value,
    options?: R2PutOptions & { onlyIf: R2Conditional | Headers },
  ): Promise<R2Object | null>;
  put(key: string, value: R2Value, options?: R2PutOptions): Promise<R2Object>;
  async put(key: string, value: R2Value, options: R2PutOptions = {}): Promise<R2Object | null> {
    refuseUnsupported(options, ['sha1', 'sha384', 'sha512', 'storageClass', 'ssecKey']);
    const input = {
      binding: this.#binding,
      key,
      body: await toBody(value),
      httpMetadata: httpMetadataOf(options.httpMetadata),
      customMetadata: options.customMetadata,
      onlyIf: conditionOf(options.onlyIf),
      md5: hexOf(options.md5),
      sha256: hexOf(options.sha256),
    };
    const object = await viaGateway(this.#client.r2.put.mutate(input));
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
    return { objects, delimitedPrefixes, truncated: false };
  }

  createMultipartUpload(_key: string, _options?: R2MultipartOptions): Promise<R2MultipartUpload> {
    return Promise.reject(multipartUnavailable());
  }

  resumeMultipartUpload(_key: string, _uploadId: string): R2MultipartUpload {
    throw multipartUnavailable();
  }
}

/** The `R2Bucket` for one of the gateway's R2 bindings. */
export function gatewayR2Bucket(client: GatewayClient, binding: R2BindingName): R2Bucket {
  return new GatewayR2Bucket(client, binding);
}
