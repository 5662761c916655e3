import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGatewayClient, gatewayCodeOf } from '../../shared/client.ts';
import { transformer } from '../../shared/index.ts';
import { nodeFetch } from '../../shared/node-fetch.ts';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server on port 0 that records what it receives and answers with `answer`. */
let server: http.Server;
let base: string;
let received: Received[];
let connections: number;
let answer: (request: http.IncomingMessage, response: http.ServerResponse) => void;

beforeEach(async () => {
  received = [];
  connections = 0;
  answer = (_request, response) => response.end('{"ok":true}');
  server = http.createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push({ method: request.method, url: request.url, headers: request.headers, body });
    answer(request, response);
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const send = nodeFetch ?? (() => expect.unreachable('nodeFetch is undefined in Node'));

describe('nodeFetch (the client default in Node)', () => {
  it('sends the method, headers and body, and answers with a Response of the status, headers and body', async () => {
    answer = (_request, response) => {
      response.writeHead(207, 'Multi-Status', { 'content-type': 'application/json', 'x-request-id': 'r1' });
      response.end('[{"n":1}]');
    };
    const response = await send(`${base}/trpc/a,b?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gateway-contract': 'v1' },
      body: '{"0":{"json":"é"}}',
    });
    expect(received).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/trpc/a,b?batch=1',
        body: '{"0":{"json":"é"}}',
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'x-gateway-contract': 'v1',
          'content-length': String(Buffer.byteLength('{"0":{"json":"é"}}')),
        }),
      }),
    ]);
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.statusText, response.ok]).toEqual([207, 'Multi-Status', true]);
    expect(response.headers.get('x-request-id')).toBe('r1');
    expect(await response.json()).toEqual([{ n: 1 }]);
  });

  it('sends sequential requests over one keep-alive connection', async () => {
    for (let i = 0; i < 5; i++) await (await send(`${base}/`, { method: 'POST', body: String(i) })).text();
    expect(received.map((r) => r.body)).toEqual(['0', '1', '2', '3', '4']);
    expect(connections).toBe(1);
  });

  it('answers a 204 with no body', async () => {
    answer = (_request, response) => {
      response.writeHead(204);
      response.end();
    };
    const response = await send(`${base}/`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it("rejects with the signal's reason when aborted mid-request, and closes the request", async () => {
    let closed = false;
    // Never answers; notes when the client goes away.
    answer = (_request, response) => response.on('close', () => (closed = true));
    const controller = new AbortController();
    const pending = send(`${base}/`, { method: 'POST', body: 'x', signal: controller.signal });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const reason = new DOMException('the call ran past its deadline', 'TimeoutError');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await vi.waitFor(() => expect(closed).toBe(true));
  });

  it('sends nothing for a signal aborted before the call', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(send(`${base}/`, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(received).toHaveLength(0);
  });

  it('fails as the global fetch does (a TypeError with the cause) when nothing listens', async () => {
    const closed = base;
    server.close();
    await expect(send(`${closed}/`, { method: 'POST', body: 'x' })).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: expect.objectContaining({ code: 'ECONNREFUSED' }),
    });
  });

  it('hands a streamed body to the global fetch, which streams it', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed '));
        controller.enqueue(new TextEncoder().encode('body'));
        controller.close();
      },
    });
    const init = { method: 'POST', body, duplex: 'half' } as RequestInit;
    expect((await send(`${base}/`, init)).status).toBe(200);
    expect(received[0]?.body).toBe('streamed body');
    // undici's own headers: the global fetch sent it.
    expect(received[0]?.headers['sec-fetch-mode']).toBe('cors');
  });

  it('is what a gateway client sends with when no fetch is given', async () => {
    answer = (_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify([{ result: { data: transformer.serialize({ n: 42 }) } }]));
    };
    const gateway = createGatewayClient({ url: `${base}/trpc` });
    expect(await gateway.db.first.query({ sql: 'SELECT 42 AS n' })).toEqual({ n: 42 });
    // The global fetch would have sent its own headers (and offered gzip).
    expect(received[0]?.headers['sec-fetch-mode']).toBeUndefined();
    expect(received[0]?.headers['accept-encoding']).toBeUndefined();
  });

  it('gives a gateway call UNAVAILABLE when the gateway is unreachable', async () => {
    const closed = base;
    server.close();
    const gateway = createGatewayClient({ url: `${closed}/trpc`, retries: 0 });
    const error = await gateway.gateway.info.query().catch((e: unknown) => e);
    expect(gatewayCodeOf(error)).toBe('UNAVAILABLE');
  });
});
