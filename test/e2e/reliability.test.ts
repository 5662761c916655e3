import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalSession, startLocalSession } from '../../scripts/local-session.ts';
import { createGatewayClient, type GatewayClient } from '../../shared/client.ts';
import { DEV_GATEWAY_PATH, REQUEST_ID_HEADER } from '../../shared/transport.ts';
import { freePort } from './helpers.ts';

// Load and faults through the whole chain: Node client → Worker (wrangler dev) → container process →
// gateway → local D1.

let session: LocalSession;
let state: string;
let gateway: GatewayClient;
/** What the Worker logged (the gateway's one line per call among it). */
const workerLines: string[] = [];
const token = randomBytes(32).toString('hex');
const api = (pathname: string) => new URL(pathname, session.url);
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(api('/api/users'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
/** A domain of its own per test (D1 refuses LIKE patterns over 50 bytes). */
const domain = () => `${randomUUID().slice(0, 8)}.test`;
const usersAt = async (at: string) =>
  gateway.db.first.query({
    sql: 'SELECT count(*) AS n FROM users WHERE email LIKE ?',
    params: [`%@${at}`],
    column: 'n',
  });

beforeAll(async () => {
  state = mkdtempSync(path.join(tmpdir(), 'binding-gateway-rel-'));
  session = await startLocalSession({
    port: 0,
    containerPort: await freePort(),
    token,
    persistTo: state,
    // One line per gateway call is a lot under load: show only what went wrong.
    workerLog: (level, message) => {
      workerLines.push(message);
      if (level === 'error') console.error(message);
    },
  });
  gateway = createGatewayClient({ url: api(DEV_GATEWAY_PATH).href, token });
});

afterAll(async () => {
  await session?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe('under load', () => {
  it('1,000 concurrent POST /api/users with distinct emails make exactly 1,000 rows, with no error', async () => {
    const at = domain();
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => post({ email: `u${i}@${at}` })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    expect(await usersAt(at)).toBe(1000);
  }, 120_000);

  it('100 concurrent POST /api/users with one email make one row and 99 × 409', async () => {
    const at = domain();
    const responses = await Promise.all(Array.from({ length: 100 }, () => post({ email: `same@${at}` })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    expect(await usersAt(at)).toBe(1);
  }, 60_000);
});

describe('faults', () => {
  it('a container killed mid-call gives clean errors, then the restarted one serves', async () => {
    const at = domain();
    // Ten callers, each sending its next insert as soon as the last is answered: at the kill each has
    // one under way, so the kill cuts calls in flight (at least one answer must say so: 503).
    let sent = 0;
    let killed = false;
    let answered = 0;
    const responses: Response[] = [];
    const caller = async () => {
      while (!killed) {
        const response = await post({ email: `k${sent++}@${at}` });
        responses.push(response);
        answered++;
      }
    };
    const callers = Array.from({ length: 10 }, caller);
    await vi.waitFor(() => expect(answered).toBeGreaterThanOrEqual(20), { timeout: 30_000, interval: 5 });
    killed = true;
    process.kill(-(session.container.pid as number), 'SIGKILL');
    await Promise.all(callers);
    const statuses = responses.map((r) => r.status);
    for (const response of responses) {
      expect([201, 503]).toContain(response.status);
      // Every answer is the API's JSON, never an HTML error page or a dropped connection.
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      await response.json();
    }
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    const created = statuses.filter((s) => s === 201).length;
    const rows = await usersAt(at);
    // A cut call may or may not have written its row; nothing is written twice or out of thin air.
    expect(rows).toBeGreaterThanOrEqual(created);
    expect(rows).toBeLessThanOrEqual(sent);

    await session.restartContainer();
    expect((await post({ email: `after@${at}` })).status).toBe(201);
  }, 60_000);

  it('carries the request id from the caller through the container and back', async () => {
    const response = await post({ email: `id@${domain()}` }, { [REQUEST_ID_HEADER]: 'e2e-request-1' });
    expect(response.status).toBe(201);
    expect(response.headers.get(REQUEST_ID_HEADER)).toBe('e2e-request-1');
    // The container sent it on with its gateway call: the gateway's log line for it has it.
    await vi.waitFor(() =>
      expect(
        workerLines.some(
          (line) => line.includes('"requestId":"e2e-request-1"') && line.includes('"gateway.calls"'),
        ),
      ).toBe(true),
    );
    const fresh = await fetch(api('/api/users'));
    expect(fresh.headers.get(REQUEST_ID_HEADER)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
