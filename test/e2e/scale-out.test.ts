import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalSession, startLocalSession } from '../../scripts/local-session.ts';
import { createGatewayClient, gatewayCodeOf } from '../../shared/client.ts';
import { CONTRACT_VERSION } from '../../shared/index.ts';
import { encodeFrame } from '../../shared/schemas/streams.ts';
import {
  DEV_CALLER_HEADER,
  DEV_GATEWAY_PATH,
  INSTANCE_HEADER,
  SESSION_KEY_HEADER,
  STREAM_LENGTH_HEADER,
} from '../../shared/transport.ts';
import { freePort } from './helpers.ts';

// Scale-out over real HTTP: the Worker under wrangler's dev server, three container processes (one
// per instance, each naming itself to the gateway), local D1. Fair-share limits small enough to
// reach in a test: 16 calls running per caller (a call over it waits up to 3 s), 500 calls a minute.

const INSTANCES = ['instance-0', 'instance-1', 'instance-2'];
const MAX_CONCURRENT = 16;
const MAX_WAIT_MS = 3000;
const CALLS_PER_MINUTE = 500;

let session: LocalSession;
let state: string;
const token = randomBytes(32).toString('hex');
/** The gateway log lines of the Worker, parsed. */
const calls: { caller: string; path: string; code: string }[] = [];
/** The instances the Worker could not reach (its `container_unreachable` lines). */
const unreachable: string[] = [];
const api = (pathname: string) => new URL(pathname, session.url);
const domain = () => `${randomUUID().slice(0, 8)}.test`;

/** The typed client of a caller the test names on the token route, as the container processes do. */
function clientAs(caller: string, retries = 0) {
  return createGatewayClient({
    url: api(DEV_GATEWAY_PATH).href,
    token,
    retries,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set(DEV_CALLER_HEADER, caller);
      return fetch(input, { ...init, headers });
    }) as typeof fetch,
  });
}

const usersAt = (at: string) =>
  clientAs('observer', 3).db.first.query({
    sql: 'SELECT count(*) AS n FROM users WHERE email LIKE ?',
    params: [`%@${at}`],
    column: 'n',
  });

async function post(email: string, headers: Record<string, string> = {}) {
  const response = await fetch(api('/api/users'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email }),
  });
  const json = response.headers.get('content-type')?.includes('application/json');
  const body: unknown = json ? await response.json() : await response.text();
  return { status: response.status, instance: response.headers.get(INSTANCE_HEADER), json, body };
}

/** Runs `task(i)` for i < count, at most `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

const servedBy = (answers: { instance: string | null }[]) =>
  Object.fromEntries(INSTANCES.map((name) => [name, answers.filter((a) => a.instance === name).length]));

beforeAll(async () => {
  state = mkdtempSync(path.join(tmpdir(), 'binding-gateway-scale-'));
  session = await startLocalSession({
    port: 0,
    containerPort: [await freePort(), await freePort(), await freePort()],
    token,
    persistTo: state,
    bindings: {
      FAIR_SHARE_MAX_CONCURRENT: { type: 'json', value: MAX_CONCURRENT },
      FAIR_SHARE_MAX_WAIT_MS: { type: 'json', value: MAX_WAIT_MS },
      CALLER_RATE_LIMIT: {
        type: 'ratelimit',
        namespace_id: '9101',
        simple: { limit: CALLS_PER_MINUTE, period: 60 },
      },
    },
    workerLog: (level, message) => {
      if (message.includes('"gateway.calls"')) calls.push(...JSON.parse(message).calls);
      else if (message.includes('"container_unreachable"')) unreachable.push(JSON.parse(message).instance);
      else if (level === 'error') console.error(message);
    },
  });
}, 120_000);

afterAll(async () => {
  await session?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe('three container instances behind one Worker', () => {
  it('300 POST /api/users make 300 rows, every instance serving some, each as a caller of its own', async () => {
    const at = domain();
    const logged = calls.length;
    const answers = await pool(300, 24, (i) => post(`u${i}@${at}`));
    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    expect(await usersAt(at)).toBe(300);
    const served = servedBy(answers);
    for (const name of INSTANCES) expect(served[name]).toBeGreaterThan(0);
    expect(Object.values(served).reduce((a, b) => a + b)).toBe(300);
    // Each instance's inserts reached the gateway as that instance's own calls.
    await vi.waitFor(() => {
      const inserts = calls.slice(logged).filter((c) => c.path === 'db.statement' && c.code === 'OK');
      for (const name of INSTANCES) {
        expect(inserts.filter((c) => c.caller === name).length).toBe(served[name]);
      }
    });
  }, 120_000);

  it('sends every request with one x-session-key to one instance', async () => {
    const at = domain();
    const answers = await pool(12, 4, (i) => post(`s${i}@${at}`, { [SESSION_KEY_HEADER]: 'alice' }));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
    expect(new Set(answers.map((a) => a.instance)).size).toBe(1);
  });

  it('keeps serving from the others when one instance is killed mid-run; its requests get the JSON 503, nothing is written twice', async () => {
    const at = domain();
    const victim = session.containers[1];
    if (!victim?.pid) return expect.unreachable('instance-1 has no process');
    let killedAfter = Number.POSITIVE_INFINITY;
    let finished = 0;
    const answers = await pool(240, 24, async (i) => {
      const answer = await post(`k${i}@${at}`);
      if (++finished === 60) {
        // A third of the way through, with requests in flight on every instance.
        process.kill(-(victim.pid as number), 'SIGKILL');
        killedAfter = i;
      }
      return { ...answer, i };
    });
    expect(killedAfter).toBeLessThan(240);

    for (const answer of answers) {
      // Never an HTML page or a dropped connection: the API's JSON, or the Worker's JSON 503.
      expect(answer.json, JSON.stringify(answer)).toBe(true);
      expect([201, 503]).toContain(answer.status);
    }
    const failed = answers.filter((a) => a.status !== 201);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((a) => a.instance))).toEqual(new Set(['instance-1']));
    expect(failed.map((a) => a.body)).toEqual(
      failed.map(() => ({ error: 'the API container is not reachable; try again shortly' })),
    );
    expect(new Set(unreachable)).toEqual(new Set(['instance-1']));
    // The others kept serving after the kill.
    const late = answers.slice(120);
    for (const name of ['instance-0', 'instance-2']) {
      const theirs = late.filter((a) => a.instance === name);
      expect(theirs.length).toBeGreaterThan(0);
      expect(theirs.every((a) => a.status === 201)).toBe(true);
    }
    // Every 201 is one row; a request cut off mid-way wrote its row once or not at all.
    const created = answers.filter((a) => a.status === 201).length;
    const rows = await usersAt(at);
    expect(rows).toBeGreaterThanOrEqual(created);
    expect(rows).toBeLessThanOrEqual(240);
    const duplicates = await clientAs('observer').db.query.query({
      sql: 'SELECT email FROM users WHERE email LIKE ? GROUP BY email HAVING count(*) > 1',
      params: [`%@${at}`],
    });
    expect(duplicates.results).toEqual([]);

    // Restarted, as the platform restarts a Container, it serves again.
    await session.restartContainer(1);
    await vi.waitFor(
      async () => {
        const answer = await post(`again${randomUUID().slice(0, 6)}@${at}`);
        expect(answer.status).toBe(201);
        expect(answer.instance).toBe('instance-1');
      },
      { timeout: 20_000, interval: 0 },
    );
  }, 120_000);
});

describe('fair share over real HTTP', () => {
  it('refuses a caller over its calls per minute with RATE_LIMITED while other callers are served', async () => {
    const hog = clientAs('hog');
    const bystander = clientAs('bystander');
    const outcomes: string[] = [];
    const rounds = 80;
    const started = Date.now();
    // 25 calls a request, one request after another: two windows of a minute let at most 1,000 by.
    for (let round = 0; round < rounds; round++) {
      const settled = await Promise.allSettled(Array.from({ length: 25 }, () => hog.gateway.info.query()));
      outcomes.push(...settled.map((s) => (s.status === 'fulfilled' ? 'OK' : gatewayCodeOf(s.reason))));
      if (round === 30) expect((await bystander.gateway.info.query()).caller.id).toBe('bystander');
    }
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(outcomes.filter((o) => o !== 'OK' && o !== 'RATE_LIMITED')).toEqual([]);
    // The binding is asked off the calls' path: each time a one-second refusal ends, the caller can
    // go over by one request's calls (25) before the binding's "no" is heard again.
    const most = 2 * CALLS_PER_MINUTE + 25 * (seconds + 1);
    expect(most, 'the run was too slow for the bound to tell a limit from none').toBeLessThan(rounds * 25);
    expect(outcomes.filter((o) => o === 'OK').length).toBeLessThanOrEqual(most);
    // The hog's refusals do not reach the instances: /api/users is served.
    expect((await post(`after-hog@${domain()}`)).status).toBe(201);
    expect((await bystander.gateway.info.query()).caller.id).toBe('bystander');
  }, 60_000);

  it('refuses a caller whose calls all run and keep running with RATE_LIMITED and retry-after, while another is served at once', async () => {
    // The greedy caller holds all its slots: streamed puts whose bodies have not ended.
    const finishers: (() => void)[] = [];
    const held = Array.from({ length: MAX_CONCURRENT }, (_, i) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encodeFrame({ key: `greedy/${randomUUID()}/${i}` }));
          controller.enqueue(new Uint8Array([1]));
          finishers.push(() => {
            controller.enqueue(new Uint8Array([2]));
            controller.close();
          });
        },
      });
      return fetch(api(`${DEV_GATEWAY_PATH}/kv.putStream`), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          [DEV_CALLER_HEADER]: 'greedy',
          [STREAM_LENGTH_HEADER]: '2',
          'x-gateway-contract': CONTRACT_VERSION,
          'content-type': 'application/octet-stream',
        },
        body,
        duplex: 'half',
      } as RequestInit);
    });
    try {
      // The greedy caller's next call waits for a slot that does not come, then is refused.
      const started = Date.now();
      const refused = await fetch(api(`${DEV_GATEWAY_PATH}/gateway.info?batch=1`), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          [DEV_CALLER_HEADER]: 'greedy',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ 0: { json: null } }),
      });
      const waited = Date.now() - started;
      // Meanwhile nobody else waited.
      const otherStarted = Date.now();
      expect((await clientAs('patient').gateway.info.query()).caller.id).toBe('patient');
      expect(Date.now() - otherStarted).toBeLessThan(MAX_WAIT_MS);

      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      const [item] = (await refused.json()) as { error: { json: { data: { gatewayCode: string } } } }[];
      expect(item?.error.json.data.gatewayCode).toBe('RATE_LIMITED');
      expect(waited).toBeGreaterThanOrEqual(MAX_WAIT_MS - 100);
    } finally {
      for (const finish of finishers) finish();
    }
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(MAX_CONCURRENT).fill(200));
  }, 60_000);
});
