import type { z } from 'zod';
import type { GatewayClientOptions } from './client.ts';
import { GatewayBindingError } from './env/errors.ts';
import { isGatewayCode } from './errors.ts';
import { STREAM_FRAME_MAX_BYTES } from './limits.ts';
import type { Json } from './schemas/common.ts';
import type { R2Object, R2UploadedPart } from './schemas/r2.ts';
import {
  encodeFrame,
  framedStream,
  overBodyLimit,
  readFrame,
  type StreamCall,
  StreamFrameError,
  type streams,
} from './schemas/streams.ts';
import { transformer } from './transformer.ts';
import { CONTRACT_HEADER, REQUEST_ID_HEADER, STREAM_LENGTH_HEADER } from './transport.ts';
import { CONTRACT_VERSION } from './version.ts';

/**
 * The gateway never redirects. Node's fetch keeps a copy of a streamed request body unless redirects
 * are an error (nodejs/undici#4058): a 1 GiB upload held 979 MiB in the container. workerd takes no
 * 'error', and keeps no copy with 'manual'; a 3xx there is a failure below.
 */
const NO_REDIRECT: 'manual' | 'error' =
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'
    ? 'manual'
    : 'error';

type Input<C extends StreamCall> = z.input<(typeof streams)[C]['input']>;

/** A body to stream, and its length in bytes (R2 and KV store a stream only when they know it). */
export interface StreamBody {
  stream: ReadableStream<Uint8Array> | Blob | Uint8Array;
  length: number;
}

type StreamOptions = Pick<GatewayClientOptions, 'url' | 'token' | 'fetch' | 'requestId'> & {
  signal?: AbortSignal;
};

/**
 * The request's body: the parameters' line, then the bytes. A Blob stays a Blob (Node streams a
 * file's from disk, and sends its length); bytes and streams become a stream, never a copy.
 */
function requestBody(frame: Uint8Array, body: StreamBody | undefined): Blob | Uint8Array | ReadableStream {
  if (body === undefined) return frame;
  if (body.stream instanceof Blob) return new Blob([frame as Uint8Array<ArrayBuffer>, body.stream]);
  return framedStream(frame, body.stream);
}

async function send<C extends StreamCall>(
  options: StreamOptions,
  call: C,
  input: Input<C>,
  body?: StreamBody,
) {
  const headers: Record<string, string> = {
    [CONTRACT_HEADER]: CONTRACT_VERSION,
    [REQUEST_ID_HEADER]: options.requestId?.() ?? crypto.randomUUID(),
    'content-type': 'application/octet-stream',
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body) {
    // Refused here, in the gateway's words, rather than after the body has been sent.
    const over = overBodyLimit(call, body.length);
    if (over) throw new GatewayBindingError(over, 'LIMIT_EXCEEDED');
    headers[STREAM_LENGTH_HEADER] = String(body.length);
  }
  const sent = requestBody(encodeFrame(input), body);
  const init: RequestInit & { duplex?: 'half' } = {
    method: 'POST',
    headers,
    body: sent as BodyInit,
    redirect: NO_REDIRECT,
  };
  // A streamed request body must say so in Node's fetch.
  if (sent instanceof ReadableStream) init.duplex = 'half';
  if (options.signal) init.signal = options.signal;
  const response = await (options.fetch ?? globalThis.fetch)(`${options.url}/${call}`, init);
  if (!response.ok) {
    const failure = (await response.json().catch(() => null)) as {
      error?: { json?: { message?: string; data?: { gatewayCode?: unknown } } };
    } | null;
    const code = failure?.error?.json?.data?.gatewayCode;
    throw new GatewayBindingError(
      failure?.error?.json?.message ?? `the gateway answered ${response.status}`,
      isGatewayCode(code) ? code : 'UNAVAILABLE',
    );
  }
  // The result is the answer's first line; a read's bytes follow it.
  let frame: Awaited<ReturnType<typeof readFrame>>;
  try {
    frame = await readFrame(response.body ?? new Blob([]).stream(), STREAM_FRAME_MAX_BYTES);
  } catch (error) {
    if (!(error instanceof StreamFrameError)) throw error;
    // An answer that ends before its line's end was cut short on the way: an outage, not a bad answer.
    throw new GatewayBindingError(
      `the gateway's answer is not a stream call's: ${error.message}`,
      error.reason === 'ended' || error.reason === 'no-line-feed' ? 'UNAVAILABLE' : 'INTERNAL',
    );
  }
  return { result: transformer.deserialize(JSON.parse(frame.text)), body: frame.rest };
}

/** `BUCKET.get` with the body streamed: the object (or null), and its body unless `onlyIf` failed. */
export async function r2GetStream(options: StreamOptions, input: Input<'r2.getStream'>) {
  const { body: rest, result } = await send(options, 'r2.getStream', input);
  const { object, body } = result as { object: R2Object | null; body?: boolean };
  if (!body) await rest.cancel();
  return { object, body: body ? rest : null };
}

/** `BUCKET.put` with the body streamed; the stored object, or null when `onlyIf` failed. */
export async function r2PutStream(options: StreamOptions, input: Input<'r2.putStream'>, body: StreamBody) {
  const { body: rest, result } = await send(options, 'r2.putStream', input, body);
  await rest.cancel();
  return (result as { object: R2Object | null }).object;
}

/** `KV.getWithMetadata(key, 'stream')`: the value streamed (or null), and its metadata. */
export async function kvGetStream(options: StreamOptions, input: Input<'kv.getStream'>) {
  const { body, result } = await send(options, 'kv.getStream', input);
  const { found, metadata } = result as { found: boolean; metadata: Json | null };
  if (!found) await body.cancel();
  return { value: found ? body : null, metadata };
}

/** `KV.put` with the value streamed. */
export async function kvPutStream(options: StreamOptions, input: Input<'kv.putStream'>, body: StreamBody) {
  const { body: rest } = await send(options, 'kv.putStream', input, body);
  await rest.cancel();
}

/** One part of a multipart upload, streamed: the part to give `complete`. */
export async function r2UploadPart(options: StreamOptions, input: Input<'r2.uploadPart'>, body: StreamBody) {
  const { body: rest, result } = await send(options, 'r2.uploadPart', input, body);
  await rest.cancel();
  return (result as { part: z.output<typeof R2UploadedPart> }).part;
}
