import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSession, startLocalSession } from '../../scripts/local-session.ts';
import { createGatewayClient } from '../../shared/client.ts';
import { createGatewayEnv } from '../../shared/env/index.ts';
import { CONTAINER_API_MAX_BODY_BYTES } from '../../shared/limits.ts';
import { DEV_GATEWAY_PATH, REQUEST_ID_HEADER } from '../../shared/transport.ts';
import { freePort } from './helpers.ts';
import { usersApiBehaviour } from './users-api.ts';

// Tier (b): the Worker under wrangler's dev server on an ephemeral port, the container as a real
// Node process, real HTTP between them. Only Docker is missing: the Worker forwards /api/* to the
// process instead of a Container, and the container calls the token route instead of the
// intercepted gateway.internal (whose handler is tested in test/worker/transports.test.ts).

let session: LocalSession;
let state: string;
const token = randomBytes(32).toString('hex');
const api = (pathname: string) => new URL(pathname, session.url);

beforeAll(async () => {
  state = mkdtempSync(path.join(tmpdir(), 'binding-gateway-e2e-'));
  session = await startLocalSession({
    port: 0,
    containerPort: await freePort(),
    token,
    persistTo: state,
    // One line per gateway call is a lot under load: show only what went wrong.
    workerLog: (level, message) => level === 'error' && console.error(message),
  });
});

afterAll(async () => {
  await session?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe('/api/users through the Worker, the container and the gateway', () => {
  usersApiBehaviour(() => session.url);

  it('allows any origin and exposes its request id on every answer: 200, 201, 400, 404, 413', async () => {
    const origin = { origin: 'https://app.example' };
    const post = (body: string) =>
      fetch(api('/api/users'), {
        method: 'POST',
        headers: { ...origin, 'content-type': 'application/json' },
        body,
      });
    const answers = [
      await fetch(api('/api/users'), { headers: origin }),
      await post(JSON.stringify({ email: `${randomUUID()}@example.com` })),
      await post('{'),
      await fetch(api('/api/nothing-here'), { headers: origin }),
      await post(JSON.stringify({ email: 'a@example.com', name: 'x'.repeat(CONTAINER_API_MAX_BODY_BYTES) })),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 201, 400, 404, 413]);
    for (const answer of answers) {
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
      expect(answer.headers.get('access-control-expose-headers')).toBe(REQUEST_ID_HEADER);
      expect(answer.headers.get(REQUEST_ID_HEADER)).toMatch(/^[\w.:-]{1,128}$/);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      await answer.arrayBuffer();
    }
  });
});

describe('no public path reaches the gateway', () => {
  const info = (pathname: string, headers: Record<string, string> = {}) =>
    fetch(api(`${pathname}/gateway.info?batch=1`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ 0: { json: null } }),
    });

  it.each(['/trpc', '/internal/db', '/internal', '/gateway'])('answers 404 at %s', async (pathname) => {
    expect((await info(pathname)).status).toBe(404);
  });

  it('answers the original /internal/db/query with 404', async () => {
    const response = await fetch(api('/internal/db/query'), {
      method: 'POST',
      body: JSON.stringify({ sql: 'SELECT * FROM users' }),
    });
    expect(response.status).toBe(404);
  });

  it('answers the dev route with 401 without the token or with a wrong one', async () => {
    expect((await info(DEV_GATEWAY_PATH)).status).toBe(401);
    expect((await info(DEV_GATEWAY_PATH, { authorization: `Bearer ${'0'.repeat(64)}` })).status).toBe(401);
    expect((await info(DEV_GATEWAY_PATH, { authorization: token })).status).toBe(401);
  });

  it('serves the dev route to the session token, with the caller marked as the local session', async () => {
    const gateway = createGatewayClient({ url: api(DEV_GATEWAY_PATH).href, token });
    expect((await gateway.gateway.info.query()).caller).toEqual({ transport: 'dev', id: 'local-session' });
  });
});

describe('large bodies over real HTTP (Node → wrangler dev → gateway → local R2 and KV)', () => {
  const digest = (bytes: Uint8Array | ArrayBuffer) =>
    createHash('sha256').update(new Uint8Array(bytes)).digest('hex');

  it('streams a 20 MiB R2 object up from a Blob and down byte-exact, and a 3 MiB KV value', async () => {
    const env = createGatewayEnv({ url: api(DEV_GATEWAY_PATH).href, token });
    const data = randomBytes(20 * 1024 * 1024);
    const key = `e2e/${randomUUID()}`;
    const stored = await env.BUCKET.put(key, new Blob([data]), {
      httpMetadata: { contentType: 'application/octet-stream' },
    });
    expect(stored?.size).toBe(data.byteLength);
    const object = await env.BUCKET.get(key);
    if (object === null || !('body' in object)) return expect.unreachable('expected a body');
    expect(digest(await object.arrayBuffer())).toBe(digest(data));

    const value = data.subarray(0, 3 * 1024 * 1024);
    await env.KV.put(key, value);
    expect(digest((await env.KV.get(key, 'arrayBuffer')) ?? new ArrayBuffer(0))).toBe(digest(value));
  }, 60_000);

  it('reads back an object with the largest metadata, put inline and streamed (issue 15, finding 6)', async () => {
    // 8,000 bytes of a character JSON escapes six times over: as a header, the read's result was
    // 65 KB, more than the 16 KiB of headers Node's fetch takes in an answer.
    const env = createGatewayEnv({ url: api(DEV_GATEWAY_PATH).href, token });
    const customMetadata = { m: '\u0001'.repeat(8_000) };
    const httpMetadata = { contentType: '\u0001'.repeat(4_000), cacheControl: '\u0001'.repeat(4_000) };
    for (const data of [new TextEncoder().encode('small'), randomBytes(2 * 1024 * 1024)]) {
      const key = `e2e/metadata/${randomUUID()}`;
      const stored = await env.BUCKET.put(key, data, { customMetadata, httpMetadata });
      expect(stored?.customMetadata).toEqual(customMetadata);
      const object = await env.BUCKET.get(key);
      if (object === null || !('body' in object)) return expect.unreachable('expected a body');
      expect(object.customMetadata).toEqual(customMetadata);
      expect(object.httpMetadata).toEqual(httpMetadata);
      expect(digest(await object.arrayBuffer())).toBe(digest(data));
    }
  }, 60_000);
});
