/**
 * Where one `GET /api/users` spends its time (issue 25, items 4 and 5), one request at a time, every
 * probe once per round in a rotating order so that drift spreads over all of them; medians.
 */
import { createGatewayEnv, type GatewayEnv } from '../shared/env/index.ts';
import { type Answer, expectJson, send } from './api-http.ts';
import { benchApiPath } from './api-route.ts';
import type { RunningSystem, SystemName } from './api-systems.ts';
import { median } from './stats.ts';

export const USERS_SQL = 'SELECT id, email, name, created_at FROM users ORDER BY created_at DESC, id DESC';
/** The original's own query (bench/original/app.py). */
export const ORIGINAL_USERS_SQL = 'SELECT * FROM users ORDER BY created_at DESC';

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
  'env.DB.all': 'its one env.DB call (the same SELECT, .all()), from the bench process',
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

/** `rounds` rounds of every probe (after one unrecorded round); the median of each. */
export async function attribute(ctx: AttributionContext, rounds: number): Promise<ProbeMedians> {
  const all = Object.entries(probes(ctx)) as [ProbeName, () => Promise<number>][];
  for (const [, probe] of all) await probe();
  const samples = new Map<ProbeName, number[]>(all.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const shift = round % all.length;
    for (const [name, probe] of [...all.slice(shift), ...all.slice(0, shift)]) {
      samples.get(name)?.push(await probe());
    }
  }
  return Object.fromEntries(all.map(([name]) => [name, median(samples.get(name) ?? [])])) as ProbeMedians;
}
