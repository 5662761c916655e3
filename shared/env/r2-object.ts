import type { R2Object as ContractObject } from '../schemas/r2.ts';
import { fromHex, readStream, toArrayBuffer } from './bytes.ts';

/** `R2Checksums` from the contract's hex strings: each as bytes, and `toJSON()` as the hex. */
class GatewayR2Checksums implements R2Checksums {
  readonly md5?: ArrayBuffer;
  readonly sha1?: ArrayBuffer;
  readonly sha256?: ArrayBuffer;
  readonly sha384?: ArrayBuffer;
  readonly sha512?: ArrayBuffer;
  readonly #hex: R2StringChecksums;

  constructor(hex: R2StringChecksums) {
    this.#hex = hex;
    const bytes = (value: string | undefined) => (value === undefined ? undefined : fromHex(value));
    this.md5 = bytes(hex.md5);
    this.sha1 = bytes(hex.sha1);
    this.sha256 = bytes(hex.sha256);
    this.sha384 = bytes(hex.sha384);
    this.sha512 = bytes(hex.sha512);
  }

  toJSON(): R2StringChecksums {
    return { ...this.#hex };
  }
}

/** An `R2Object` (an object's metadata) as the gateway sent it. */
export class GatewayR2Object implements R2Object {
  readonly key: string;
  readonly version: string;
  readonly size: number;
  readonly etag: string;
  readonly httpEtag: string;
  readonly checksums: R2Checksums;
  readonly uploaded: Date;
  readonly httpMetadata: R2HTTPMetadata;
  readonly customMetadata: Record<string, string>;
  readonly range?: R2Range;
  readonly storageClass: string;

  constructor(object: ContractObject) {
    this.key = object.key;
    this.version = object.version;
    this.size = object.size;
    this.etag = object.etag;
    this.httpEtag = object.httpEtag;
    this.checksums = new GatewayR2Checksums(object.checksums);
    this.uploaded = object.uploaded;
    this.httpMetadata = object.httpMetadata;
    this.customMetadata = object.customMetadata;
    // The binding's own range, as it served it: `{ offset, length }`.
    this.range = object.range as R2Range | undefined;
    this.storageClass = object.storageClass;
  }

  writeHttpMetadata(headers: Headers): void {
    const metadata = this.httpMetadata;
    const set = (name: string, value: string | undefined) => {
      if (value !== undefined) headers.set(name, value);
    };
    set('content-type', metadata.contentType);
    set('content-language', metadata.contentLanguage);
    set('content-disposition', metadata.contentDisposition);
    set('content-encoding', metadata.contentEncoding);
    set('cache-control', metadata.cacheControl);
    set('expires', metadata.cacheExpiry?.toUTCString());
  }
}

const BODY_USED =
  'Body has already been used. It can only be used once. Use tee() first if you need to read it twice.';

/**
 * An `R2ObjectBody` whose body streams from the gateway as it is read, once. `bodyUsed` turns true
 * when the stream is first read, by a reader or by one of the methods, as on the binding.
 */
export class GatewayR2ObjectBody extends GatewayR2Object implements R2ObjectBody {
  readonly body: ReadableStream;
  #used = false;

  constructor(object: ContractObject, source: ReadableStream<Uint8Array>) {
    super(object);
    const reader = source.getReader();
    this.body = new ReadableStream({
      // A byte stream, so that BYOB readers work as on the binding's bodies.
      type: 'bytes',
      pull: async (controller) => {
        this.#used = true;
        // An empty chunk is skipped, not answered: a pull that enqueues nothing is not called again,
        // and the read waiting on it would wait for ever.
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            // A BYOB read waiting at the end must be answered with no bytes.
            controller.byobRequest?.respond(0);
            return;
          }
          if (value.byteLength > 0) return controller.enqueue(value);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  #read(): Promise<Uint8Array> {
    if (this.#used) return Promise.reject(new TypeError(BODY_USED));
    return readStream(this.body);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return toArrayBuffer(await this.#read());
  }

  bytes(): Promise<Uint8Array> {
    return this.#read();
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.#read());
  }

  async json<T>(): Promise<T> {
    return JSON.parse(await this.text()) as T;
  }

  async blob(): Promise<Blob> {
    const bytes = await this.#read();
    return new Blob([toArrayBuffer(bytes)], { type: this.httpMetadata.contentType ?? '' });
  }
}
