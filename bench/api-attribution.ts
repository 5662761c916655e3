/**
 * Where one `GET /api/users` spends its time (issue 25, items 4 and 5), one request at a time, every
 * probe once per round in a shuffled order, so that drift spreads over all of them and no probe
 * always follows the same one; medians.
 */
import { createGatewayEnv, type GatewayEnv } from '../shared/env/index.ts';
import { type Answer, expectJson, send } from './api-http.ts';
import { benchApiPath } from './api-route.ts';
import { ORIGINAL_USERS_SQL, USERS_SQL } from './api-sql.ts';
import type { RunningSystem, SystemName } from './api-systems.ts';
import { median } from './stats.ts';

export { ORIGINAL_USERS_SQL, USERS_SQL };

const FLOOR_RUNS = 5;

/**
 * A binding-shaped env whose fetch answers every call with the reply the real gateway gave to the
 * first: what the client itself costs (links, superjson, parsing), with no network and no Worker.
 */
export async function recordedEnv(options: { url: string; token: string }): Promise<GatewayEnv> {
  let recorded: string | undefined;
  const recorder = createGatewayEnv({
    ...options,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      recorded = await response.clone().text();
      return response;
    },
  });
  await recorder.DB.prepare(USERS_SQL).all();
  const body = recorded;
  if (body === undefined) throw new Error('no gateway reply was recorded');
  return createGatewayEnv({
    ...options,
    fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
}

export const PROBE_INFO = {
  'worker.empty': "GET /empty on the Worker: the Worker's own round trip",
  'node.empty': 'GET /health on the Node container, direct: HTTP, routing and a tiny answer',
  'node.empty.forwarded': 'the same through the Worker (production’s /api/* forward)',
  'node.users': 'GET /api/users on the Node container, direct: the container’s own time',
  'node.users.forwarded': 'the same through the Worker',
  'node.env.DB': "its one env.DB call (the same SELECT, .all()), timed inside the container's process",
  'env.DB.all': 'the same call from the bench process (another process, a client of its own)',
  'env.DB.client': 'the same call answered by a recorded reply: the client alone, no network',
  'd1.floor': "the same SELECT timed inside the Worker (mean of 5): D1's own time",
  'python.empty': 'GET /health on the FastAPI app on the Python client, direct',
  'python.users': 'GET /api/users on it, direct',
  'original.empty': 'GET /health on the original app, direct (it has no such route: a 404)',
  'original.users': 'GET /api/users on the original app, direct',
  'original.query.new': "its DB call: POST /internal/db/query, a new connection (the seed's client)",
  'original.query.keepalive': 'the same over a reused connection (attribution: connection reuse)',
} as const;
export type ProbeName = keyof typeof PROBE_INFO;
export type ProbeMedians = Record<ProbeName, number>;

export interface AttributionContext {
  workerUrl: URL;
  systems: Record<SystemName, RunningSystem>;
  env: GatewayEnv;
  /** The same env whose fetch answers every call with a recorded reply (recordedEnv). */
  cannedEnv: GatewayEnv;
  seededUsers: number;
}

function probes(ctx: AttributionContext): Record<ProbeName, () => Promise<number>> {
  const direct = (name: SystemName, path: string) =>
    new URL(path, `http://127.0.0.1:${ctx.systems[name].port}`);
  const forwarded = (name: SystemName, path: string) =>
    new URL(benchApiPath(ctx.systems[name].port, path), ctx.workerUrl);
  const users = async (url: URL): Promise<number> => {
    const answer = await send(url);
    const body = expectJson<{ users: unknown[] }>(answer, 200, `GET ${url.pathname}`);
    if (body.users.length !== ctx.seededUsers) throw new Error(`GET ${url}: ${body.users.length} users`);
    return answer.ms;
  };
  const status = (expected: number) => async (url: URL, agent?: false) => {
    const answer: Answer = await send(url, { agent });
    expectJson<unknown>(answer, expected, `GET ${url.pathname}`);
    return answer.ms;
  };
  const ok = status(200);
  const originalQuery = async (agent?: false) => {
    const answer = await send(new URL('/internal/db/query', ctx.workerUrl), {
      method: 'POST',
      json: { sql: ORIGINAL_USERS_SQL, params: [] },
      agent,
    });
    const body = expectJson<{ results: unknown[] }>(answer, 200, 'POST /internal/db/query');
    if (body.results.length !== ctx.seededUsers) throw new Error(`${body.results.length} users`);
    return answer.ms;
  };
  return {
    'worker.empty': async () => {
      const answer = await send(new URL('/empty', ctx.workerUrl));
      if (answer.status !== 204) throw new Error(`GET /empty: HTTP ${answer.status}`);
      return answer.ms;
    },
    'node.empty': () => ok(direct('node', '/health')),
    'node.empty.forwarded': () => ok(forwarded('node', '/health')),
    'node.users': () => users(direct('node', '/api/users')),
    'node.users.forwarded': () => users(forwarded('node', '/api/users')),
    'node.env.DB': async () => {
      const port = ctx.systems.node.probePort;
      if (port === undefined) throw new Error('the Node container was started without its probe');
      const answer = await send(new URL(`http://127.0.0.1:${port}/`));
      const body = expectJson<{ ms: number; rows: number }>(answer, 200, 'the container probe');
      if (body.rows !== ctx.seededUsers) throw new Error(`the container's env.DB: ${body.rows} users`);
      return body.ms;
    },
    'env.DB.all': async () => {
      const start = performance.now();
      const { results } = await ctx.env.DB.prepare(USERS_SQL).all();
      const ms = performance.now() - start;
      if (results.length !== ctx.seededUsers) throw new Error(`env.DB: ${results.length} users`);
      return ms;
    },
    'env.DB.client': async () => {
      const start = performance.now();
      const { results } = await ctx.cannedEnv.DB.prepare(USERS_SQL).all();
      const ms = performance.now() - start;
      if (results.length !== ctx.seededUsers) throw new Error(`recorded reply: ${results.length} users`);
      return ms;
    },
    'd1.floor': async () => {
      const answer = await send(new URL('/floor', ctx.workerUrl), {
        method: 'POST',
        json: { sql: USERS_SQL, n: FLOOR_RUNS },
      });
      return expectJson<{ totalMs: number }>(answer, 200, 'POST /floor').totalMs / FLOOR_RUNS;
    },
    'python.empty': () => ok(direct('python', '/health')),
    'python.users': () => users(direct('python', '/api/users')),
    'original.empty': () => status(404)(direct('original', '/health')),
    'original.users': () => users(direct('original', '/api/users')),
    'original.query.new': () => originalQuery(false),
    'original.query.keepalive': () => originalQuery(),
  };
}

/** A fixed sequence of numbers in [0, 1) (mulberry32): the same shuffles on every run. */
function sequence(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * `rounds` rounds of every probe (after one unrecorded round); the median of each. Each round in its
 * own order (Fisher–Yates): with a rotating order every probe always followed the same probe, and
 * one that followed a gateway call always paid the work the Worker leaves for after an answer (its
 * log line, its limiter count: issue 25, item 2), while one that followed a Worker forward never did.
 */
export async function attribute(ctx: AttributionContext, rounds: number): Promise<ProbeMedians> {
  const all = Object.entries(probes(ctx)) as [ProbeName, () => Promise<number>][];
  for (const [, probe] of all) await probe();
  const samples = new Map<ProbeName, number[]>(all.map(([name]) => [name, []]));
  const random = sequence(25);
  for (let round = 0; round < rounds; round++) {
    const order = [...all];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as (typeof order)[number], order[i] as (typeof order)[number]];
    }
    for (const [name, probe] of order) samples.get(name)?.push(await probe());
  }
  return Object.fromEntries(all.map(([name]) => [name, median(samples.get(name) ?? [])])) as ProbeMedians;
}
