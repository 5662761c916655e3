/**
 * HTTP for `npm run bench:api`: the users' side (a keep-alive pool, as a browser or a load balancer
 * keeps its connections) and, for attribution, a new connection per request. Neither offers gzip:
 * the same bytes cross every hop for every system, and the client's CPU stays small beside theirs.
 */
import http from 'node:http';

export interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** One pool for the whole run: at most one connection per concurrent client, each reused. */
export const keepAlive = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/** Sends one request and reads the whole answer; `ms` runs from before the send to the last byte. */
export function send(
  url: URL,
  options: { method?: 'GET' | 'POST'; json?: unknown; agent?: http.Agent | false } = {},
): Promise<Answer> {
  const payload = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
  const headers: http.OutgoingHttpHeaders = payload
    ? { 'content-type': 'application/json', 'content-length': payload.byteLength }
    : {};
  return new Promise<Answer>((resolve, reject) => {
    const start = performance.now();
    const request = http.request(
      url,
      { method: options.method ?? 'GET', agent: options.agent ?? keepAlive, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - start,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The answer's JSON when its status is `status`; otherwise an error that shows what came. */
export function expectJson<T>(answer: Answer, status: number, what: string): T {
  if (answer.status !== status) {
    throw new Error(`${what}: HTTP ${answer.status} (expected ${status}): ${answer.body.slice(0, 300)}`);
  }
  return JSON.parse(answer.body) as T;
}
