/**
 * The transfers bench/large.ts times: raw loopback, the gateway's stream calls, and the R2 floor,
 * each moving the same bytes with the same kind of client code (Node's fetch, a pull stream up, the
 * response body read down), counted and hashed on the way.
 */
import { r2GetStream, r2PutStream } from '../shared/stream-client.ts';
import { drain, source } from './large-data.ts';
import { FLOOR_LENGTH_HEADER } from './large-floor.ts';
import { type MemorySummary, sampleMemory } from './large-memory.ts';

export interface Moved {
  bytes: number;
  sha256: string;
  /** ms from the start: the last upload chunk handed over, or the download's first byte in. */
  milestoneMs: number;
  /** Download only: chunks read, and the response's Content-Encoding. */
  chunks?: number;
  encoding?: string;
}

export interface Transfer extends Moved {
  ms: number;
  memory: MemorySummary;
}

export type Fetch = typeof globalThis.fetch;
type StreamInit = RequestInit & { duplex?: 'half' };
export type GatewayOptions = { url: string; token: string; fetch?: Fetch };

export const KEY = 'bench/large-object';

/**
 * Node's fetch (undici 6) clones a request with a body unless its redirect mode is 'error', and the
 * clone tees the body's stream: the branch never read holds every chunk, the whole upload (undici
 * issue #4058). shared/stream-client.ts sets no redirect mode; this fetch adds one, for comparison.
 */
export const noRedirectFetch: Fetch = (input, init) => fetch(input, { ...init, redirect: 'error' });

/**
 * Miniflare's entry worker plays Cloudflare's edge: a response with no Content-Type (the gateway's
 * stream answers have none) or a compressible one is gzipped when the client accepts gzip, as Node's
 * fetch does by default. This fetch accepts only `identity`, for comparison.
 */
export const identityFetch: Fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('accept-encoding', 'identity');
  return fetch(input, { ...init, headers });
};

/** Runs one transfer with the memory sampled and the clock running. */
export async function measure(workerPids: number[], run: (start: number) => Promise<Moved>) {
  const sampler = sampleMemory(workerPids);
  const start = performance.now();
  try {
    const moved = await run(start);
    return { ...moved, ms: performance.now() - start, memory: sampler.stop() } satisfies Transfer;
  } finally {
    sampler.stop();
  }
}

/** A streamed upload to `url`; `bytes` is what `count` reads from the answer. */
async function upload(
  url: URL,
  headers: Record<string, string>,
  size: number,
  seed: Buffer,
  start: number,
  fetcher: Fetch,
  count: (answer: unknown) => number,
): Promise<Moved> {
  const made = source(seed, size);
  const init: StreamInit = {
    method: url.pathname === '/upload' ? 'POST' : 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: made.stream as BodyInit,
    duplex: 'half',
  };
  const response = await fetcher(url, init);
  if (!response.ok) throw new Error(`${url.pathname} answered ${response.status}: ${await response.text()}`);
  const bytes = count(await response.json());
  return { bytes, sha256: await made.sha256, milestoneMs: (await made.endedAt) - start };
}

async function downloaded(body: ReadableStream<Uint8Array>, start: number, encoding: string): Promise<Moved> {
  const { bytes, sha256, chunks, firstChunkAt } = await drain(body);
  return { bytes, sha256, chunks, encoding, milestoneMs: firstChunkAt - start };
}

const encodingOf = (response: Response) => response.headers.get('content-encoding') ?? 'none';

async function download(url: URL, start: number, fetcher: Fetch = fetch): Promise<Moved> {
  const response = await fetcher(url);
  if (!response.ok || !response.body) throw new Error(`${url.pathname} answered ${response.status}`);
  return downloaded(response.body, start, encodingOf(response));
}

export const rawUpload = (raw: URL, seed: Buffer, size: number, start: number, fetcher: Fetch) =>
  upload(new URL('/upload', raw), {}, size, seed, start, fetcher, (a) => (a as { bytes: number }).bytes);

export const rawDownload = (raw: URL, size: number, start: number) =>
  download(new URL(`/download?size=${size}`, raw), start);

/** The floor's upload avoids the tee (noRedirectFetch): it measures R2, not the client. */
export const floorPut = (floor: URL, seed: Buffer, size: number, start: number) =>
  upload(
    new URL(`/${KEY}`, floor),
    { [FLOOR_LENGTH_HEADER]: String(size) },
    size,
    seed,
    start,
    noRedirectFetch,
    (a) => (a as { size: number }).size,
  );

/** `workerIdentity`: the Worker answers with `Content-Encoding: identity`. */
export const floorGet = (floor: URL, start: number, fetcher: Fetch = fetch, workerIdentity = false) =>
  download(new URL(`/${KEY}${workerIdentity ? '?identity' : ''}`, floor), start, fetcher);

export async function gatewayPut(gateway: GatewayOptions, seed: Buffer, size: number, start: number) {
  const made = source(seed, size);
  const object = await r2PutStream(gateway, { key: KEY }, { stream: made.stream, length: size });
  return { bytes: object?.size ?? -1, sha256: await made.sha256, milestoneMs: (await made.endedAt) - start };
}

export async function gatewayGet(gateway: GatewayOptions, start: number): Promise<Moved> {
  let encoding = 'unknown';
  const fetcher = gateway.fetch ?? fetch;
  const spy: Fetch = async (input, init) => {
    const response = await fetcher(input, init);
    encoding = encodingOf(response);
    return response;
  };
  const { object, body } = await r2GetStream({ ...gateway, fetch: spy }, { key: KEY });
  if (!object || !body) throw new Error(`r2.getStream found no object at ${KEY}`);
  return downloaded(body, start, encoding);
}
