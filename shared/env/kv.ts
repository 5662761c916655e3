import type { KvBindingName } from '../bindings.ts';
import type { GatewayClient, GatewayClientOptions } from '../client.ts';
import { INLINE_BODY_MAX_BYTES, KV_MAX_VALUE_BYTES } from '../limits.ts';
import type { Json } from '../schemas/common.ts';
import { kvGetStream, kvPutStream } from '../stream-client.ts';
import { bytesStream, copyBytes, readStream, toArrayBuffer } from './bytes.ts';
import { GatewayBindingError, viaGateway } from './errors.ts';

type ValueType = 'text' | 'json' | 'arrayBuffer' | 'stream';
type GetArgument = ValueType | Partial<KVNamespaceGetOptions<ValueType | undefined>> | undefined;
type Options = Partial<KVNamespaceGetOptions<undefined>>;

interface Read {
  type: ValueType;
  cacheTtl: number | undefined;
}

const encoder = new TextEncoder();

/** Keys per bulk read, the binding's limit. */
const MAX_BULK_KEYS = 100;

function readOf(argument: GetArgument): Read {
  const { type = 'text', cacheTtl } = typeof argument === 'string' ? { type: argument } : (argument ?? {});
  return { type, cacheTtl: integer(cacheTtl) };
}

/** A number option as the binding converts it (WebIDL): to a number, its fraction dropped, NaN as 0. */
function integer(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? Math.trunc(number) : 0;
}

const INT32_RANGE = 'Value out of range. Must be between -2147483648 and 2147483647 (inclusive).';

/** `expiration` as the binding converts it: a 32-bit integer, anything else a TypeError. */
function expirationOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = integer(value) ?? 0;
  if (number < -(2 ** 31) || number >= 2 ** 31) throw new TypeError(INT32_RANGE);
  return number;
}

// The binding refuses these before any request, with a TypeError; so do we, in its words.
function checkKey(key: string): void {
  if (key === '') throw new TypeError('Key name cannot be empty.');
  if (key === '.' || key === '..') throw new TypeError(`"${key}" is not allowed as a key name.`);
}

/**
 * The value as the binding gives it. JSON is read as text and parsed here, so that a value that is
 * not JSON fails with the binding's SyntaxError rather than the gateway's BAD_INPUT.
 */
function toValue(value: Json | Uint8Array | null, type: ValueType): unknown {
  if (value === null) return null;
  switch (type) {
    case 'text':
      return value;
    case 'json':
      return JSON.parse(value as string);
    case 'arrayBuffer':
      return toArrayBuffer(value as Uint8Array);
    case 'stream':
      return bytesStream(value as Uint8Array);
    default:
      // Checked only when there is a value: the binding gives null for a missing key whatever the type.
      throw new TypeError(
        'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".',
      );
  }
}

/** What the contract stores for a `put` value: the binding's own conversions, never an object. */
async function toPutValue(value: unknown): Promise<string | Uint8Array> {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return copyBytes(value);
  if (value instanceof ReadableStream) return readStream(value);
  if (typeof value === 'object' && value !== null) {
    throw new TypeError(
      'KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.',
    );
  }
  // The binding stores other primitives as their string: 123 as "123", null as "null".
  return String(value);
}

/** Metadata as the binding stores it: its JSON (a Date becomes its ISO string, undefined drops out). */
function toMetadata(metadata: unknown): Json | undefined {
  if (metadata === null || metadata === undefined) return undefined;
  const text = JSON.stringify(metadata);
  return text === undefined ? undefined : (JSON.parse(text) as Json);
}

/** A `KVNamespace` whose reads and writes run on the gateway. */
class GatewayKvNamespace implements KVNamespace {
  readonly #client: GatewayClient;
  readonly #binding: KvBindingName;
  readonly #stream: GatewayClientOptions;

  constructor(options: GatewayClientOptions, client: GatewayClient, binding: KvBindingName) {
    this.#client = client;
    this.#binding = binding;
    this.#stream = options;
  }

  // JSON travels as text (see toValue); a stream travels as bytes.
  #input(key: string, { type, cacheTtl }: Read) {
    checkKey(key);
    const wire = type === 'arrayBuffer' || type === 'stream' ? 'bytes' : 'text';
    return { binding: this.#binding, key, type: wire, cacheTtl } as const;
  }

  /** The value streamed (kv.getStream), up to KV's 25 MiB: the body, or its bytes, or its text. */
  async #readStreamed<T>(
    key: string,
    read: Read,
    as: (body: ReadableStream) => T | Promise<T>,
  ): Promise<{ value: T | null; metadata: Json | null }> {
    checkKey(key);
    const input = { binding: this.#binding, key, cacheTtl: read.cacheTtl };
    const { value, metadata } = await kvGetStream(this.#stream, input);
    return { value: value === null ? null : await as(value), metadata };
  }

  /**
   * Text (and JSON, as text) travels inline, the common case. A value the gateway will not send
   * inline (over `INLINE_BODY_MAX_BYTES`, or past the answer's budget, which the calls of one tick
   * share: `LIMIT_EXCEEDED`) is read again through the stream call, so that `get` returns any value
   * KV holds, as the binding does.
   */
  async #readText(
    key: string,
    read: Read,
    inline: () => Promise<{ value: Json | Uint8Array | null; metadata: Json | null }>,
  ): Promise<{ value: unknown; metadata: Json | null }> {
    let text: { value: Json | Uint8Array | null; metadata: Json | null };
    try {
      text = await viaGateway(inline());
    } catch (error) {
      if (!(error instanceof GatewayBindingError) || error.gatewayCode !== 'LIMIT_EXCEEDED') throw error;
      text = await this.#readStreamed(key, read, (body) => new Response(body).text());
    }
    return { value: toValue(text.value, read.type), metadata: text.metadata };
  }

  async #read(key: string, read: Read): Promise<{ value: unknown; metadata: Json | null }> {
    // Bytes always stream, rather than travel inline in JSON as base64.
    if (read.type === 'stream') return this.#readStreamed(key, read, (body) => body);
    if (read.type === 'arrayBuffer') {
      return this.#readStreamed(key, read, (body) => new Response(body).arrayBuffer());
    }
    const input = this.#input(key, read);
    return this.#readText(key, read, () => this.#client.kv.getWithMetadata.query(input));
  }

  async #readValue(key: string, read: Read): Promise<unknown> {
    if (read.type === 'stream' || read.type === 'arrayBuffer') return (await this.#read(key, read)).value;
    const input = this.#input(key, read);
    const { value } = await this.#readText(key, read, async () => ({
      value: await this.#client.kv.get.query(input),
      metadata: null,
    }));
    return value;
  }

  /**
   * The binding's bulk read, as parallel single reads: calls of one tick share a request. Its checks
   * and failures are the binding's, in its words.
   */
  async #readMany<T>(keys: string[], read: Read, one: (key: string) => Promise<T>): Promise<Map<string, T>> {
    const refuse = (reason: string) =>
      new GatewayBindingError(`KV GET_BULK failed: 400 ${reason}`, 'BAD_INPUT');
    if (keys.length === 0) throw refuse('You must request a minimum of 1 key');
    if (keys.length > MAX_BULK_KEYS) throw refuse(`You can request a maximum of ${MAX_BULK_KEYS} keys`);
    if (read.type !== 'text' && read.type !== 'json') {
      throw refuse(`"${read.type}" is not a valid type. Use "json" or "text"`);
    }
    const unique = [...new Set(keys)];
    try {
      const values = await Promise.all(unique.map(one));
      return new Map(unique.map((key, i) => [key, values[i] as T]));
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw refuse('At least one of the requested keys corresponds to a non-json value');
      }
      throw error;
    }
  }

  get(key: string, options?: Options): Promise<string | null>;
  get(key: string, type: 'text'): Promise<string | null>;
  get<T = unknown>(key: string, type: 'json'): Promise<T | null>;
  get(key: string, type: 'arrayBuffer'): Promise<ArrayBuffer | null>;
  get(key: string, type: 'stream'): Promise<ReadableStream | null>;
  get(key: string, options?: KVNamespaceGetOptions<'text'>): Promise<string | null>;
  get<T = unknown>(key: string, options?: KVNamespaceGetOptions<'json'>): Promise<T | null>;
  get(key: string, options?: KVNamespaceGetOptions<'arrayBuffer'>): Promise<ArrayBuffer | null>;
  get(key: string, options?: KVNamespaceGetOptions<'stream'>): Promise<ReadableStream | null>;
  get(keys: string[], type: 'text'): Promise<Map<string, string | null>>;
  get<T = unknown>(keys: string[], type: 'json'): Promise<Map<string, T | null>>;
  get(keys: string[], options?: Options): Promise<Map<string, string | null>>;
  get(keys: string[], options?: KVNamespaceGetOptions<'text'>): Promise<Map<string, string | null>>;
  get<T = unknown>(keys: string[], options?: KVNamespaceGetOptions<'json'>): Promise<Map<string, T | null>>;
  async get(key: string | string[], argument?: GetArgument): Promise<unknown> {
    const read = readOf(argument);
    if (Array.isArray(key)) return this.#readMany(key, read, (one) => this.#readValue(one, read));
    return this.#readValue(key, read);
  }

  getWithMetadata<M = unknown>(
    key: string,
    options?: Options,
  ): Promise<KVNamespaceGetWithMetadataResult<string, M>>;
  getWithMetadata<M = unknown>(
    key: string,
    type: 'text',
  ): Promise<KVNamespaceGetWithMetadataResult<string, M>>;
  getWithMetadata<T = unknown, M = unknown>(
    key: string,
    type: 'json',
  ): Promise<KVNamespaceGetWithMetadataResult<T, M>>;
  getWithMetadata<M = unknown>(
    key: string,
    type: 'arrayBuffer',
  ): Promise<KVNamespaceGetWithMetadataResult<ArrayBuffer, M>>;
  getWithMetadata<M = unknown>(
    key: string,
    type: 'stream',
  ): Promise<KVNamespaceGetWithMetadataResult<ReadableStream, M>>;
  getWithMetadata<M = unknown>(
    key: string,
    options: KVNamespaceGetOptions<'text'>,
  ): Promise<KVNamespaceGetWithMetadataResult<string, M>>;
  getWithMetadata<T = unknown, M = unknown>(
    key: string,
    options: KVNamespaceGetOptions<'json'>,
  ): Promise<KVNamespaceGetWithMetadataResult<T, M>>;
  getWithMetadata<M = unknown>(
    key: string,
    options: KVNamespaceGetOptions<'arrayBuffer'>,
  ): Promise<KVNamespaceGetWithMetadataResult<ArrayBuffer, M>>;
  getWithMetadata<M = unknown>(
    key: string,
    options: KVNamespaceGetOptions<'stream'>,
  ): Promise<KVNamespaceGetWithMetadataResult<ReadableStream, M>>;
  getWithMetadata<M = unknown>(
    keys: string[],
    type: 'text',
  ): Promise<Map<string, KVNamespaceGetWithMetadataResult<string, M>>>;
  getWithMetadata<T = unknown, M = unknown>(
    keys: string[],
    type: 'json',
  ): Promise<Map<string, KVNamespaceGetWithMetadataResult<T, M>>>;
  getWithMetadata<M = unknown>(
    keys: string[],
    options?: Options,
  ): Promise<Map<string, KVNamespaceGetWithMetadataResult<string, M>>>;
  getWithMetadata<M = unknown>(
    keys: string[],
    options?: KVNamespaceGetOptions<'text'>,
  ): Promise<Map<string, KVNamespaceGetWithMetadataResult<string, M>>>;
  getWithMetadata<T = unknown, M = unknown>(
    keys: string[],
    options?: KVNamespaceGetOptions<'json'>,
  ): Promise<Map<string, KVNamespaceGetWithMetadataResult<T, M>>>;
  async getWithMetadata(key: string | string[], argument?: GetArgument): Promise<unknown> {
    const read = readOf(argument);
    if (Array.isArray(key)) {
      // In a bulk read a missing key is null, and an entry has no cacheStatus, as from the binding.
      return this.#readMany(key, read, async (one) => {
        const { value, metadata } = await this.#read(one, read);
        return value === null ? null : { value, metadata };
      });
    }
    const { value, metadata } = await this.#read(key, read);
    return { value, metadata, cacheStatus: null };
  }

  async put(
    key: string,
    value: string | ArrayBuffer | ArrayBufferView | ReadableStream,
    options: KVNamespacePutOptions = {},
  ): Promise<void> {
    checkKey(key);
    const expiration = expirationOf(options.expiration);
    const expirationTtl = integer(options.expirationTtl);
    const metadata = toMetadata(options.metadata);
    const stored = await toPutValue(value);
    const input = { binding: this.#binding, key, expiration, expirationTtl, metadata };
    const bytes =
      typeof stored === 'string'
        ? stored.length * 3 > INLINE_BODY_MAX_BYTES && encoder.encode(stored)
        : stored;
    if (bytes && bytes.byteLength > KV_MAX_VALUE_BYTES) {
      // The binding's refusal, before a byte of the value is sent.
      throw new GatewayBindingError(
        `KV PUT failed: 413 Value length of ${bytes.byteLength} exceeds limit of ${KV_MAX_VALUE_BYTES}.`,
        'LIMIT_EXCEEDED',
      );
    }
    if (bytes && bytes.byteLength > INLINE_BODY_MAX_BYTES) {
      // Over the inline threshold the value streams (kv.putStream), up to KV's 25 MiB.
      await kvPutStream(this.#stream, input, { stream: bytes, length: bytes.byteLength });
      return;
    }
    await viaGateway(this.#client.kv.put.mutate({ ...input, value: stored }));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await viaGateway(this.#client.kv.delete.mutate({ binding: this.#binding, key }));
  }

  async list<M = unknown>(options: KVNamespaceListOptions = {}): Promise<KVNamespaceListResult<M, string>> {
    const page = await viaGateway(
      this.#client.kv.list.query({
        binding: this.#binding,
        prefix: options.prefix ?? undefined,
        // The binding takes a limit of 0 as no limit given.
        limit: options.limit === 0 ? undefined : options.limit,
        cursor: options.cursor ?? undefined,
      }),
    );
    // Metadata is stored as JSON and read back as the caller says it is, as from the binding.
    const keys = page.keys as KVNamespaceListKey<M, string>[];
    if (page.list_complete) return { keys, list_complete: true, cacheStatus: null };
    return { keys, list_complete: false, cursor: page.cursor ?? '', cacheStatus: null };
  }
}

/** The `KVNamespace` for one of the gateway's KV bindings. */
export function gatewayKvNamespace(
  options: GatewayClientOptions,
  client: GatewayClient,
  binding: KvBindingName,
): KVNamespace {
  return new GatewayKvNamespace(options, client, binding);
}
