/**
 * The gateway client's default transport in Node: a `fetch` over `node:http` with a keep-alive agent.
 *
 * Node's global `fetch` (undici) costs more per request than `node:http` (WHATWG streams for every
 * body, a response body decoder, gzip offered and decoded). A gateway call is a small POST answered
 * with a small JSON body, so that overhead is a good part of the client's time. This fetch takes
 * what the batch link sends (an `http:` URL, a string or bytes body, headers, a signal) and reads
 * the answer into a real `Response`; anything else (a stream body, a `Request`, `https:`) goes to
 * the global `fetch`. It follows no redirect (the gateway never redirects: a 3xx is the answer).
 *
 * `shared/` is also type-checked and bundled for workerd, where there is no `node:http`: the module
 * is reached through `process.getBuiltinModule` at run time (no import a bundler would follow), and
 * the little of its API used here is typed below instead of with Node's types.
 */

import { concatBytes } from './body.ts';

interface IncomingMessage {
  statusCode?: number;
  statusMessage?: string;
  rawHeaders: string[];
  on(event: 'data', listener: (chunk: Uint8Array) => void): IncomingMessage;
  on(event: 'end', listener: () => void): IncomingMessage;
  on(event: 'error', listener: (error: Error) => void): IncomingMessage;
}

interface ClientRequest {
  on(event: 'error', listener: (error: Error) => void): ClientRequest;
  end(body?: Uint8Array): void;
  destroy(): void;
}

interface NodeHttp {
  Agent: new (options: { keepAlive: boolean; timeout: number }) => object;
  request(
    url: string,
    options: { method: string; headers: Record<string, string>; agent: object },
    callback: (response: IncomingMessage) => void,
  ): ClientRequest;
}

interface NodeProcess {
  versions?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

// undici's own default: an idle connection is closed after 4 s, before a server is likely to close
// it first (a request sent on a connection the server is closing fails).
const IDLE_CONNECTION_MS = 4_000;

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** `node:http`, in Node itself only: not in workerd (which has a `process` with nodejs_compat), Bun or Deno. */
function nodeHttp(): NodeHttp | undefined {
  const runtime = globalThis as { process?: NodeProcess; navigator?: { userAgent?: string } };
  const versions = runtime.process?.versions;
  if (!versions?.node || versions.bun || versions.deno) return undefined;
  if (runtime.navigator?.userAgent === 'Cloudflare-Workers') return undefined;
  return runtime.process?.getBuiltinModule?.('node:http') as NodeHttp | undefined;
}

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  if (init === undefined) return {};
  if (init instanceof Headers || Array.isArray(init)) return Object.fromEntries(new Headers(init));
  return { ...init };
}

function bytesOf(body: BodyInit | null | undefined): Uint8Array | undefined | false {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return false;
}

function leanFetch(http: NodeHttp): typeof globalThis.fetch {
  let agent: object | undefined;
  return (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    const body = bytesOf(init.body);
    if (url === undefined || !url.startsWith('http:') || body === false) return globalThis.fetch(input, init);
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const headers = headersOf(init.headers);
      if (body) headers['content-length'] = String(body.byteLength);
      agent ??= new http.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS });
      const onAbort = () => {
        request.destroy();
        reject(signal?.reason);
      };
      const request = http.request(url, { method: init.method ?? 'GET', headers, agent }, (response) => {
        const chunks: Uint8Array[] = [];
        let length = 0;
        response.on('data', (chunk) => {
          chunks.push(chunk);
          length += chunk.byteLength;
        });
        response.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
        response.on('end', () => {
          signal?.removeEventListener('abort', onAbort);
          const status = response.statusCode ?? 0;
          const responseHeaders = new Headers();
          const raw = response.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i] ?? '', raw[i + 1] ?? '');
          const content = NULL_BODY_STATUS.has(status) || length === 0 ? null : concatBytes(chunks, length);
          resolve(
            new Response(content as BodyInit | null, {
              status,
              statusText: response.statusMessage ?? '',
              headers: responseHeaders,
            }),
          );
        });
      });
      // As the global fetch: a network failure is a TypeError whose cause says what failed.
      request.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(body);
    });
  };
}

const http = nodeHttp();

/**
 * The gateway client's default `fetch` in Node (`node:http`, keep-alive); `undefined` elsewhere,
 * where the global `fetch` is the default. Fetch-compatible: any gateway client option that takes a
 * `fetch` takes this one.
 *
 * @example
 * const gateway = createGatewayClient({ url, fetch: nodeFetch ?? globalThis.fetch });
 */
export const nodeFetch: typeof globalThis.fetch | undefined = http ? leanFetch(http) : undefined;
