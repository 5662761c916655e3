/**
 * The two ways the bench talks HTTP to the Worker: the original client's, a new connection for every
 * call (its Python client made a new HTTP client per call), and a reused keep-alive connection.
 */
import http from 'node:http';
import zlib from 'node:zlib';

export interface OriginalQueryAnswer {
  success: true;
  results: Record<string, unknown>[];
}

export interface OriginalRunAnswer {
  success: true;
  meta: { changes: number; last_row_id: number };
}

/** The body as sent, undone: Python's clients (requests, httpx) offer gzip and deflate and decode them. */
function decode(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return zlib.gunzipSync(body);
  if (encoding === 'deflate') return zlib.inflateSync(body);
  return body;
}

/**
 * POSTs JSON on a connection of its own (`agent: false`: no pool, `Connection: close`), reads the
 * whole answer and parses it, as the original client did on every call. It offers gzip as Python's
 * clients do by default, so that it pays for compression where the gateway client (fetch) does.
 */
export function postNewConnection<T>(url: URL, body: unknown): Promise<T> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise<T>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.byteLength,
          'accept-encoding': 'gzip, deflate',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = decode(Buffer.concat(chunks), response.headers['content-encoding']).toString('utf8');
          if (response.statusCode !== 200) {
            reject(new Error(`POST ${url.pathname}: HTTP ${response.statusCode}: ${text.slice(0, 500)}`));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The same POST over the global fetch's keep-alive pool (what the gateway client uses). */
export async function postKeepAlive<T>(url: URL, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${url.pathname}: HTTP ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** GET over the keep-alive pool, the body read to the end. */
export async function getKeepAlive(url: URL): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}
