/**
 * The users API end to end, beside the original system (issue 25, items 4 and 5):
 *
 *   PATH=$PWD/node_modules/.bin:$PATH WRANGLER_SEND_METRICS=false node bench/api.ts [--quick]
 *     [--requests 160] [--rounds 60] [--concurrency 1,8,32]
 *
 * One bench Worker under wrangler dev, one D1, three container processes (api-systems.ts) behind its
 * `/__api/<port>/*` forward (production's own). For each concurrency, `GET /api/users` then
 * `POST /api/users` on each system, a fixed number of requests each; after every POST phase the
 * users it added are counted (every 2xx exactly one row, no row without one: the run fails
 * otherwise) and removed, so that
 * every GET reads the same seeded users. Before the load, one request at a time, the attribution.
 * Prints the tables; writes bench/api-results.json.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGatewayEnv } from '../shared/env/index.ts';
import { DEV_GATEWAY_PATH } from '../shared/transport.ts';
import { attribute, PROBE_INFO, recordedEnv } from './api-attribution.ts';
import { expectJson, send } from './api-http.ts';
import { runPhase } from './api-load.ts';
import {
  type ApiResults,
  derive,
  formatAttribution,
  formatPhases,
  formatTargets,
  type Method,
  type PhaseResult,
  targets,
  withRatios,
} from './api-report.ts';
import { benchApiPath } from './api-route.ts';
import { type RunningSystem, SYSTEM_NAMES, SYSTEMS, type SystemName, startSystem } from './api-systems.ts';
import { positiveInt } from './args.ts';
import { BENCH_DIR, type BenchServer, startBenchServer } from './server.ts';

// A page of users: every GET reads these and only these.
const SEEDED_USERS = 20;
const EMAIL_DOMAIN = '@bench-api.example';

function readArgs() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      requests: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const concurrency = (values.concurrency ?? '1,8,32')
    .split(',')
    .map((c) => positiveInt('concurrency', c.trim(), 1));
  return {
    requests: positiveInt('requests', values.requests, quick ? 48 : 160),
    rounds: positiveInt('rounds', values.rounds, quick ? 5 : 60),
    concurrency,
  };
}

/** SQL through the bench Worker's re-created original endpoints: the bench's own bookkeeping. */
async function sql<T>(
  workerUrl: URL,
  kind: 'query' | 'run',
  text: string,
  params: unknown[] = [],
): Promise<T> {
  const answer = await send(new URL(`/internal/db/${kind}`, workerUrl), {
    method: 'POST',
    json: { sql: text, params },
  });
  return expectJson<T>(answer, 200, `/internal/db/${kind}`);
}

async function seedUsers(workerUrl: URL): Promise<void> {
  await sql(workerUrl, 'run', 'DELETE FROM users');
  const values = Array.from({ length: SEEDED_USERS }, () => '(?, ?)').join(', ');
  const params = Array.from({ length: SEEDED_USERS }, (_, i) => [
    `seeded-${i}${EMAIL_DOMAIN}`,
    `Seeded ${i}`,
  ]);
  await sql(workerUrl, 'run', `INSERT INTO users (email, name) VALUES ${values}`, params.flat());
}

/**
 * The rows a POST phase left: how many, and how many of them are doubled or came without a 2xx
 * (every 2xx must be exactly one row). Then removes them.
 */
async function countRows(workerUrl: URL, prefix: string, created: Set<string>) {
  const { results } = await sql<{ results: { email: string; n: number }[] }>(
    workerUrl,
    'query',
    'SELECT email, COUNT(*) AS n FROM users WHERE email LIKE ? GROUP BY email',
    [`${prefix}%`],
  );
  await sql(workerUrl, 'run', 'DELETE FROM users WHERE email LIKE ?', [`${prefix}%`]);
  return {
    rows: results.reduce((sum, row) => sum + row.n, 0),
    strayRows: results.filter((row) => row.n !== 1 || !created.has(row.email)).length,
  };
}

type RawPhase = Omit<PhaseResult, 'rpsRatio' | 'p50Ratio' | 'p99Ratio'>;

async function load(
  workerUrl: URL,
  systems: Record<SystemName, RunningSystem>,
  args: ReturnType<typeof readArgs>,
  runId: string,
): Promise<RawPhase[]> {
  const phases: RawPhase[] = [];
  const url = (system: RunningSystem) => new URL(benchApiPath(system.port, '/api/users'), workerUrl);
  for (const [k, concurrency] of args.concurrency.entries()) {
    // Another system first at each concurrency: drift spreads over all three.
    const order = [...SYSTEM_NAMES.slice(k % 3), ...SYSTEM_NAMES.slice(0, k % 3)];
    for (const method of ['GET', 'POST'] as Method[]) {
      for (const name of order) {
        const system = systems[name];
        const prefix = `${runId}-${name}-c${concurrency}-`;
        const created = new Set<string>();
        const figures = await runPhase(
          concurrency,
          args.requests,
          (i) =>
            method === 'GET'
              ? { url: url(system), method }
              : {
                  url: url(system),
                  method,
                  json: { email: `${prefix}${i}${EMAIL_DOMAIN}`, name: `User ${i}` },
                },
          (i, answer) => {
            if (method === 'POST') {
              if (answer.status !== system.createdStatus) return false;
              created.add(`${prefix}${i}${EMAIL_DOMAIN}`);
              return true;
            }
            if (answer.status !== 200) return false;
            return (JSON.parse(answer.body) as { users: unknown[] }).users.length === SEEDED_USERS;
          },
        );
        phases.push({
          system: name,
          method,
          concurrency,
          ...figures,
          ...(method === 'POST'
            ? { created: created.size, ...(await countRows(workerUrl, prefix, created)) }
            : {}),
        });
        process.stderr.write(
          `${method} ×${concurrency} ${name}: ${figures.rps.toFixed(1)} req/s, p99 ${figures.p99.toFixed(1)} ms\n`,
        );
      }
    }
  }
  return phases;
}

/** Runs everything and returns the results; stops the container processes it started. */
async function bench(server: BenchServer, args: ReturnType<typeof readArgs>): Promise<ApiResults> {
  const systems = {} as Record<SystemName, RunningSystem>;
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const name of SYSTEM_NAMES) {
      const system = await startSystem(name, server.url, server.token);
      systems[name] = system;
      stops.push(system.stop);
    }
    await seedUsers(server.url);
    const gateway = { url: new URL(DEV_GATEWAY_PATH, server.url).href, token: server.token };
    const env = createGatewayEnv(gateway);
    const cannedEnv = await recordedEnv(gateway);
    process.stderr.write(`attribution: ${args.rounds} rounds\n`);
    const probes = await attribute(
      { workerUrl: server.url, systems, env, cannedEnv, seededUsers: SEEDED_USERS },
      args.rounds,
    );
    const runId = `api${Date.now().toString(36)}`;
    const phases = withRatios(await load(server.url, systems, args, runId));
    return {
      config: {
        requestsPerPhase: args.requests,
        attributionRounds: args.rounds,
        seededUsers: SEEDED_USERS,
        concurrency: args.concurrency,
      },
      systems: SYSTEMS,
      phases,
      attribution: {
        probes: Object.fromEntries(
          (Object.keys(PROBE_INFO) as (keyof typeof PROBE_INFO)[]).map((name) => [
            name,
            { ms: probes[name], what: PROBE_INFO[name] },
          ]),
        ),
        derived: derive(probes),
      },
      targets: targets(phases, probes),
    };
  } finally {
    await Promise.all(stops.map((stop) => stop()));
  }
}

/** Formats the results as the repository's Biome does, so that `biome check` stays clean. */
async function formatWithBiome(file: string): Promise<void> {
  const biome = path.join(BENCH_DIR, '..', 'node_modules', '.bin', 'biome');
  const child = spawn(biome, ['format', '--write', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) console.warn(`biome format did not format the results (${code}): ${errors.trim()}`);
}

async function main(): Promise<void> {
  // Bad arguments fail before anything starts.
  const args = readArgs();
  const started = performance.now();
  const server = await startBenchServer();
  const interrupt = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  let results: ApiResults;
  try {
    results = await bench(server, args);
  } finally {
    process.off('SIGINT', interrupt);
    await server.stop();
  }
  console.log(
    `\n${formatPhases(results.phases)}\n\n${formatAttribution(results.attribution)}\n\ntargets:\n${formatTargets(results.targets)}\n`,
  );
  // Microseconds are the most the clocks here can tell apart.
  const rounded = (_key: string, value: unknown) =>
    typeof value === 'number' ? Math.round(value * 1000) / 1000 : value;
  const output = path.join(BENCH_DIR, 'api-results.json');
  await writeFile(output, `${JSON.stringify(results, rounded, 2)}\n`);
  await formatWithBiome(output);
  console.log(`wrote bench/api-results.json (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (results.phases.some((phase) => phase.failed > 0)) {
    console.error('some requests did not get the answer expected (the failed column)');
    process.exitCode = 1;
  }
  if (results.phases.some((phase) => phase.created !== phase.rows || (phase.strayRows ?? 0) > 0)) {
    console.error('some 2xx was not exactly one row, or some row came without a 2xx');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
