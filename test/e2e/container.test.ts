import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, waitForOk } from '../../scripts/local-session.ts';
import { CONTAINER_API_MAX_BODY_BYTES } from '../../shared/limits.ts';
import { freePort } from './helpers.ts';

// The Dockerfile's steps without Docker (no engine here): build the bundle, copy only it to an
// empty directory (as the runtime stage does, no node_modules), start it, ask its health route.

const run = promisify(execFile);
let image: string;
let slowGateway: Server;
let gatewayUrl: string;

beforeAll(async () => {
  await run('npm', ['run', 'build:container'], { cwd: ROOT });
  image = mkdtempSync(path.join(tmpdir(), 'binding-gateway-image-'));
  cpSync(path.join(ROOT, 'dist', 'container'), image, { recursive: true });
  // A gateway that takes 800 ms to answer, to hold a request in flight; its error is one the client
  // does not retry (OVERLOADED), so that one attempt is all there is.
  slowGateway = createServer((_request, response) => {
    slowGateway.emit('call');
    setTimeout(() => {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify([
          { error: { json: { message: 'slow', code: -32603, data: { gatewayCode: 'OVERLOADED' } } } },
        ]),
      );
    }, 800);
  });
  slowGateway.listen(0, '127.0.0.1');
  await once(slowGateway, 'listening');
  const address = slowGateway.address();
  gatewayUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/trpc`;
});

afterAll(() => {
  slowGateway?.close();
  if (image) rmSync(image, { recursive: true, force: true });
});

async function startImage(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: image,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEWAY_URL: gatewayUrl,
    },
    stdio: 'ignore',
  });
  await waitForOk(new URL(`http://127.0.0.1:${port}/health`), 10_000, () => child.exitCode === null);
  return { child, port };
}

describe('the container image steps', () => {
  it('run the bundle with no node_modules beside it and answer the health route', async () => {
    const { child, port } = await startImage();
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toEqual({ ok: true });
    child.kill('SIGTERM');
    expect(await once(child, 'exit')).toEqual([0, null]);
  });

  it(`answer a body over ${CONTAINER_API_MAX_BODY_BYTES} bytes with 413 before reading it, by its length or chunked`, async () => {
    const { child, port } = await startImage();
    const url = `http://127.0.0.1:${port}/api/users`;
    const headers = { 'content-type': 'application/json' };
    const user = (name: string) => JSON.stringify({ email: 'ada@example.com', name });
    // 90 MB took the process from 107 to 471 MB when the API parsed whatever it was sent.
    const declared = await fetch(url, { method: 'POST', headers, body: user('x'.repeat(90_000_000)) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: `the body is over ${CONTAINER_API_MAX_BODY_BYTES} bytes`,
    });
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const chunked = await fetch(url, {
      method: 'POST',
      headers,
      duplex: 'half',
      body: new ReadableStream({
        pull(controller) {
          if (sent > 4 * CONTAINER_API_MAX_BODY_BYTES) return controller.close();
          controller.enqueue(sent === 0 ? new TextEncoder().encode('{"name":"') : chunk);
          sent += chunk.byteLength;
        },
      }),
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // Within the limit, the request reaches the gateway (this one fails slowly: 502).
    const within = await fetch(url, { method: 'POST', headers, body: user('Ada') });
    expect(within.status).toBe(502);
    child.kill('SIGTERM');
    expect(await once(child, 'exit')).toEqual([0, null]);
  });

  it('finish a request under way on SIGTERM before exiting', async () => {
    const { child, port } = await startImage();
    // SIGTERM once the request has reached the gateway: it is then in flight inside the container.
    const reached = once(slowGateway, 'call');
    const inFlight = fetch(`http://127.0.0.1:${port}/api/users`);
    await reached;
    child.kill('SIGTERM');
    const response = await inFlight;
    // The slow gateway's failure, answered in full rather than a dropped connection.
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'OVERLOADED' });
    expect(await once(child, 'exit')).toEqual([0, null]);
  });
});
