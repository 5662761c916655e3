/**
 * What the bench measures. Each scenario runs once per round and returns its duration(s) in ms;
 * each checks its answer after the clock stops, so a broken path fails the bench instead of
 * looking fast. Work that is not the scenario (deleting inserted rows) is done after timing.
 */
import { type GatewayClient, gatewayCodeOf } from '../shared/client.ts';
import type { GatewayEnv } from '../shared/env/index.ts';
import {
  getKeepAlive,
  type OriginalQueryAnswer,
  type OriginalRunAnswer,
  postKeepAlive,
  postNewConnection,
} from './http.ts';
import { median } from './stats.ts';

export const SEED_ROWS = 10_000;
export const INSERT_ROWS = 1_000;
export const CONCURRENT_READS = 10;
// Inserted rows get ids above the seeded ones, and are deleted after each insert scenario.
const INSERT_FIRST_ID = SEED_ROWS + 1;
// The single INSERTs (original.run, gateway.run…) take ids above those, one per call, each row
// deleted after its call is timed.
const RUN_FIRST_ID = INSERT_FIRST_ID + INSERT_ROWS;
// The sustained writes take ids from here, far above the single INSERTs', and are deleted after
// each sustained scenario.
const SUSTAINED_FIRST_ID = 1_000_000;
/** Clients of the concurrent sustained scenarios. */
export const SUSTAINED_CLIENTS = 10;

export const SELECT_ONE = 'SELECT * FROM bench_rows WHERE id = ?';
const SELECT_ALL = 'SELECT * FROM bench_rows';
const INSERT = 'INSERT INTO bench_rows (id, name, score, created_at) VALUES (?, ?, ?, ?)';
const DELETE_INSERTED = `DELETE FROM bench_rows WHERE id >= ${INSERT_FIRST_ID}`;
const DELETE_ONE = 'DELETE FROM bench_rows WHERE id = ?';
const DELETE_SUSTAINED = `DELETE FROM bench_rows WHERE id >= ${SUSTAINED_FIRST_ID}`;

/** Every reported figure, in the table's order, with what it is. */
export const SCENARIO_INFO = {
  empty: 'GET /empty, keep-alive: the round trip alone',
  floor: 'the single-row query timed in the Worker (mean of n runs)',
  'floor.run-median': 'the same, median of n runs (workerd clock ticks in 1 ms)',
  'original.query': 'original POST /internal/db/query, a new connection per call',
  'original.query.keepalive': 'the same over keep-alive (not the original client: for attribution)',
  'original.run': 'original POST /internal/db/run, one INSERT, a new connection per call',
  'gateway.query': 'typed client db.query, keep-alive',
  'gateway.query.outbound':
    "the same through the container's outbound handler (production's transport: no token route)",
  'gateway.query.entrypoint':
    'the same through the Gateway entrypoint, ctx.exports with props (the Durable-Object mount)',
  'gateway.query.fetch': "the same over Node's global fetch instead of the default transport (attribution)",
  'gateway.query.bytes':
    "the typed client's db.query request, its bytes sent by hand over the same transport: the Worker's side alone (attribution)",
  'gateway.run': 'typed client db.run, one INSERT, with the idempotency key the client adds',
  'gateway.run.unkeyed': 'the same with idempotencyKey: undefined (no exactly-once record)',
  'gateway.batch1.unkeyed':
    "the same INSERT alone in an unkeyed db.batch (attribution: D1's batch(), which a keyed write uses)",
  'gateway.client-cpu': 'typed client db.query answered by a recorded reply: the client alone',
  'cpu.typed': "this process's CPU per typed db.query over the default transport (ms of CPU)",
  'cpu.transport':
    "this process's CPU per the same request's bytes sent by hand over the same transport (ms of CPU)",
  'gateway.query.quiet': 'the same gateway without the per-call log line and the token check (attribution)',
  'env.DB.first': 'createGatewayEnv().DB.prepare(sql).bind(id).first()',
  'concurrent10.original': '10 concurrent reads, original, 10 new connections',
  'concurrent10.gateway': '10 concurrent reads, typed client: one HTTP request, one D1 batch',
  'insert1000.original': '1,000 sequential /internal/db/run INSERTs, new connection each',
  'insert1000.batch': '1,000 INSERTs in one db.batch through the gateway',
  'rows10k.original': 'SELECT * (10,000 rows), original, new connection',
  'rows10k.gateway': 'SELECT * (10,000 rows), typed client db.query',
  'sustained.original.run': 'INSERTs back to back for --sustain-ms, 1 client, original (ms per write)',
  'sustained.gateway.run': 'the same with the typed client, keyed db.run (ms per write)',
  'sustained.gateway.run.unkeyed':
    'the same without an idempotency key (attribution: the exactly-once record)',
  'sustained10.original.run': 'the same, 10 clients at once, original (ms of wall time per write)',
  'sustained10.gateway.run': 'the same, 10 clients at once, typed client, keyed (ms per write)',
  'worker-cpu.original.run':
    "CPU of the Worker's whole wrangler dev session per sustained.original.run write (ms; /proc, Linux)",
  'worker-cpu.gateway.run': 'the same per sustained.gateway.run write (ms of CPU)',
  'worker-cpu.gateway.run.unkeyed': 'the same per sustained.gateway.run.unkeyed write (ms of CPU)',
  'sustained.original.query': 'single-row reads back to back, 1 client, original (ms per read)',
  'sustained.gateway.query': 'the same with the typed client (ms per read)',
  'sustained10.original.query': 'the same, 10 clients at once, original (ms of wall time per read)',
  'sustained10.gateway.query': 'the same, 10 clients at once, typed client (ms per read)',
  'worker-cpu.original.query': "CPU of the Worker's session per sustained.original.query read (ms)",
  'worker-cpu.gateway.query': 'the same per sustained.gateway.query read (ms of CPU)',
} as const;

export type ScenarioName = keyof typeof SCENARIO_INFO;
export type Durations = Partial<Record<ScenarioName, number>>;

export interface Scenario {
  name: ScenarioName;
  /**
   * Runs in fewer rounds, as it takes seconds: the 1,000 inserts (`--insert-rounds`) or a sustained
   * load (`--sustained-rounds`); other scenarios run every round.
   */
  heavy?: 'insert' | 'sustained';
  /** Runs once; `id` is the round's row (1..SEED_ROWS). */
  measure(id: number): Promise<Durations>;
}

export interface BenchContext {
  url: URL;
  /** The typed client, one for the whole run: its connections stay open. */
  client: GatewayClient;
  /** The binding-shaped env over its own client. */
  env: GatewayEnv;
  /** A typed client whose fetch answers with a recorded db.query reply, no network. */
  cannedClient: GatewayClient;
  /** A typed client of the quiet gateway route (no log line, no token). */
  quietClient: GatewayClient;
  /** A typed client of the outbound handler's route (what the container's calls reach in production). */
  outboundClient: GatewayClient;
  /** A typed client of the Gateway entrypoint's route (ctx.exports.Gateway({ props })). */
  entrypointClient: GatewayClient;
  /** A typed client like `client`, as a caller of its own: the dev route's caller header (letters, digits, - and _). */
  callerClient: (caller: string) => GatewayClient;
  /** The typed client with Node's global fetch injected instead of its default transport. */
  fetchClient: GatewayClient;
  /** Runs of the query per /floor request. */
  floorRuns: number;
  /** Statements per db.batch call for the 1,000 inserts (1,000 unless a limit refused that). */
  insertBatchSize: number;
  /** How long each sustained scenario keeps its clients calling, ms. */
  sustainMs: number;
  /** The typed client's first db.query as sent (url, headers, body), for `cpu.transport`. */
  recordedRequest: { url: string; init: RequestInit };
  /** The transport the typed client uses (its default `fetch`). */
  transport: typeof globalThis.fetch;
  /** CPU used so far by the Worker's wrangler dev session, ms (NaN where it cannot be read). */
  sessionCpuMs: () => number;
}

/** The sustained scenarios whose Worker CPU per call is reported too (one client: no overlap). */
const WORKER_CPU: Partial<Record<ScenarioName, ScenarioName>> = {
  'sustained.original.run': 'worker-cpu.original.run',
  'sustained.gateway.run': 'worker-cpu.gateway.run',
  'sustained.gateway.run.unkeyed': 'worker-cpu.gateway.run.unkeyed',
  'sustained.original.query': 'worker-cpu.original.query',
  'sustained.gateway.query': 'worker-cpu.gateway.query',
};

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`bench check failed: ${message}`);
}

async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await run();
  return [performance.now() - start, value];
}

/**
 * Answers once the Worker has no after-answer work left (GET /settled, bench/worker/index.ts): each
 * scenario starts with none of what the calls before it left running.
 */
export async function settle(url: URL): Promise<void> {
  const status = await getKeepAlive(new URL('/settled', url));
  check(status === 204, `GET /settled answered ${status}`);
}

/**
 * Calls `call` back to back from `clients` loops (closed loop: each starts its next call when its
 * last one is answered) until `durationMs` have passed; the wall time per completed call, ms.
 */
async function sustained(
  clients: number,
  durationMs: number,
  call: (n: number) => Promise<void>,
): Promise<{ msPerCall: number; calls: number }> {
  let calls = 0;
  let next = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        await call(next++);
        calls++;
      }
    }),
  );
  return { msPerCall: (performance.now() - start) / calls, calls };
}

/** CPU time of this process spent in `run`, ms (user and system). */
async function cpuMs(run: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Calls per round of the CPU pair: enough to be well above cpuUsage's resolution. */
const CPU_CALLS = 20;

function insertStatements(): { sql: string; params: (number | string)[] }[] {
  return Array.from({ length: INSERT_ROWS }, (_, i) => ({
    sql: INSERT,
    params: [INSERT_FIRST_ID + i, `inserted-${i}`, i / 4, '2026-11-23 12:00:00'],
  }));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Inserts the 1,000 rows in `size`-statement db.batch calls, made in one tick (one HTTP request). */
export function insertByBatch(client: GatewayClient, size: number): Promise<unknown> {
  return Promise.all(
    chunks(insertStatements(), size).map((statements) => client.db.batch.mutate({ statements })),
  );
}

/** Removes the rows an insert scenario added, and checks how many there were. */
async function deleteInserted(url: URL): Promise<void> {
  const answer = await postKeepAlive<OriginalRunAnswer>(new URL('/internal/db/run', url), {
    sql: DELETE_INSERTED,
    params: [],
  });
  check(answer.meta.changes === INSERT_ROWS, `${answer.meta.changes} inserted rows, not ${INSERT_ROWS}`);
}

/** Removes the row a single-INSERT scenario added. */
async function deleteRow(url: URL, id: number): Promise<void> {
  const answer = await postKeepAlive<OriginalRunAnswer>(new URL('/internal/db/run', url), {
    sql: DELETE_ONE,
    params: [id],
  });
  check(answer.meta.changes === 1, `row ${id}: ${answer.meta.changes} rows deleted, not 1`);
}

/**
 * The fewest db.batch calls that hold the 1,000 inserts: one, unless a gateway or D1 limit refuses
 * it; then halves until one passes. Leaves no rows behind.
 */
export async function findInsertBatchSize(client: GatewayClient, url: URL): Promise<number> {
  for (let size = INSERT_ROWS; size >= 1; size = Math.ceil(size / 2)) {
    try {
      await insertByBatch(client, size);
      await deleteInserted(url);
      return size;
    } catch (error) {
      const code = gatewayCodeOf(error);
      if (code !== 'LIMIT_EXCEEDED' && code !== 'BAD_INPUT' && code !== 'OVERLOADED') throw error;
      console.error(`a db.batch of ${size} statements was refused (${code}): ${(error as Error).message}`);
      if (size === 1) throw error;
    }
  }
  throw new Error('unreachable');
}

export function scenarios(ctx: BenchContext): Scenario[] {
  const { url, client, env, cannedClient, quietClient, outboundClient, entrypointClient, fetchClient } = ctx;
  const { sustainMs, transport, recordedRequest, sessionCpuMs, callerClient } = ctx;
  /**
   * Runs a sustained scenario: the wall time per call, and for those in WORKER_CPU the Worker
   * session's CPU per call, counted until its after-answer work is over too.
   */
  const sustainedRun = async (
    name: ScenarioName,
    clients: number,
    call: (n: number) => Promise<void>,
  ): Promise<{ durations: Durations; calls: number }> => {
    const cpuBefore = sessionCpuMs();
    const { msPerCall, calls } = await sustained(clients, sustainMs, call);
    await settle(url);
    const cpuName = WORKER_CPU[name];
    const durations: Durations = { [name]: msPerCall };
    if (cpuName) durations[cpuName] = (sessionCpuMs() - cpuBefore) / calls;
    return { durations, calls };
  };
  const original = (path: 'query' | 'run', sql: string, params: (number | string)[]) =>
    postNewConnection<OriginalQueryAnswer & OriginalRunAnswer>(new URL(`/internal/db/${path}`, url), {
      sql,
      params,
    });
  const one = (
    name: ScenarioName,
    measure: (id: number) => Promise<number>,
    heavy?: Scenario['heavy'],
  ): Scenario => ({
    name,
    ...(heavy ? { heavy } : {}),
    measure: async (id) => ({ [name]: await measure(id) }),
  });
  const ids = (id: number) =>
    Array.from({ length: CONCURRENT_READS }, (_, i) => ((id + i - 1) % SEED_ROWS) + 1);
  let nextRunId = RUN_FIRST_ID;
  /** One INSERT of a new row, timed by `insert`, and the row deleted after the clock stops. */
  const insertOne =
    (name: ScenarioName, insert: (params: (number | string)[]) => Promise<{ changes: number }>) =>
    async (id: number) => {
      const rowId = nextRunId++;
      const [ms, { changes }] = await timed(() =>
        insert([rowId, `run-${id}`, id / 4, '2026-11-23 12:00:00']),
      );
      check(changes === 1, `${name} changed ${changes} rows`);
      await deleteRow(url, rowId);
      return ms;
    };

  /** A sustained write scenario: each acknowledged INSERT must be exactly one row, counted after. */
  const sustainedWrites =
    (name: ScenarioName, clients: number, insert: (params: (number | string)[]) => Promise<number>) =>
    async (id: number): Promise<Durations> => {
      const { durations, calls } = await sustainedRun(name, clients, async (n) => {
        const changes = await insert([
          SUSTAINED_FIRST_ID + n,
          `sustained-${id}`,
          n / 4,
          '2026-11-23 12:00:00',
        ]);
        check(changes === 1, `${name} changed ${changes} rows`);
      });
      const removed = await postKeepAlive<OriginalRunAnswer>(new URL('/internal/db/run', url), {
        sql: DELETE_SUSTAINED,
        params: [],
      });
      check(
        removed.meta.changes === calls,
        `${name}: ${calls} writes answered, ${removed.meta.changes} rows`,
      );
      return durations;
    };
  /** A sustained read scenario: each read must return its row. */
  const sustainedReads =
    (name: ScenarioName, clients: number, read: (id: number) => Promise<unknown>) =>
    async (id: number): Promise<Durations> => {
      const { durations } = await sustainedRun(name, clients, async (n) => {
        const rowId = ((id + n - 1) % SEED_ROWS) + 1;
        check((await read(rowId)) === rowId, `${name} returned another row`);
      });
      return durations;
    };
  const originalRun = async (params: (number | string)[]) =>
    (await original('run', INSERT, params)).meta.changes;
  // Each sustained gateway scenario is a caller of its own (as each container instance is): ten
  // clients back to back make ~1,100 calls a second, and two such scenarios in one fair-share period
  // (10 s) would pass one caller's 3,000 calls and be refused.
  const gatewayRun = (caller: GatewayClient) => async (params: (number | string)[]) =>
    (await caller.db.run.mutate({ sql: INSERT, params })).meta.changes;
  const gatewayRunUnkeyed = (caller: GatewayClient) => async (params: (number | string)[]) =>
    (await caller.db.run.mutate({ sql: INSERT, params, idempotencyKey: undefined })).meta.changes;
  const originalRead = async (id: number) => (await original('query', SELECT_ONE, [id])).results[0]?.id;
  const gatewayRead = (caller: GatewayClient) => async (id: number) =>
    (await caller.db.query.query({ sql: SELECT_ONE, params: [id] })).results[0]?.id;
  // Each system's writes and reads, by one client and by ten.
  const sustainedScenario = (name: ScenarioName, measure: (id: number) => Promise<Durations>): Scenario => ({
    name,
    heavy: 'sustained',
    measure,
  });
  const sustainedScenarios = [
    ...(
      [
        ['sustained.original.run', 1, originalRun],
        ['sustained.gateway.run', 1, gatewayRun(callerClient('sustained-gateway-run'))],
        [
          'sustained.gateway.run.unkeyed',
          1,
          gatewayRunUnkeyed(callerClient('sustained-gateway-run-unkeyed')),
        ],
        ['sustained10.original.run', SUSTAINED_CLIENTS, originalRun],
        ['sustained10.gateway.run', SUSTAINED_CLIENTS, gatewayRun(callerClient('sustained10-gateway-run'))],
      ] as const
    ).map(([name, clients, run]) => sustainedScenario(name, sustainedWrites(name, clients, run))),
    ...(
      [
        ['sustained.original.query', 1, originalRead],
        ['sustained.gateway.query', 1, gatewayRead(callerClient('sustained-gateway-query'))],
        ['sustained10.original.query', SUSTAINED_CLIENTS, originalRead],
        [
          'sustained10.gateway.query',
          SUSTAINED_CLIENTS,
          gatewayRead(callerClient('sustained10-gateway-query')),
        ],
      ] as const
    ).map(([name, clients, read]) => sustainedScenario(name, sustainedReads(name, clients, read))),
  ];

  return [
    ...sustainedScenarios,
    {
      // The client's CPU against the transport's own, in the same process and round: the typed call,
      // then the bytes it sends sent by hand over the same transport and the answer parsed, in turn.
      name: 'cpu.typed',
      async measure(id) {
        let typed = 0;
        let bytes = 0;
        for (let i = 0; i < CPU_CALLS; i++) {
          typed += await cpuMs(async () => {
            const answer = await client.db.query.query({ sql: SELECT_ONE, params: [id] });
            check(answer.results[0]?.id === id, 'cpu.typed returned another row');
          });
          bytes += await cpuMs(async () => {
            const response = await transport(recordedRequest.url, recordedRequest.init);
            check(response.status === 200, `cpu.transport answered ${response.status}`);
            JSON.parse(await response.text());
          });
        }
        return { 'cpu.typed': typed / CPU_CALLS, 'cpu.transport': bytes / CPU_CALLS };
      },
    },
    one('empty', async () => {
      const [ms, status] = await timed(() => getKeepAlive(new URL('/empty', url)));
      check(status === 204, `GET /empty answered ${status}`);
      return ms;
    }),
    {
      name: 'floor',
      async measure(id) {
        const body = { sql: SELECT_ONE, params: [id], n: ctx.floorRuns };
        const { ms, totalMs } = await postKeepAlive<{ ms: number[]; totalMs: number }>(
          new URL('/floor', url),
          body,
        );
        check(ms.length === ctx.floorRuns, `/floor ran ${ms.length} times`);
        return { floor: totalMs / ms.length, 'floor.run-median': median(ms) };
      },
    },
    one('original.query', async (id) => {
      const [ms, answer] = await timed(() => original('query', SELECT_ONE, [id]));
      check(answer.results[0]?.id === id, 'original.query returned another row');
      return ms;
    }),
    one('original.query.keepalive', async (id) => {
      const body = { sql: SELECT_ONE, params: [id] };
      const [ms, answer] = await timed(() =>
        postKeepAlive<OriginalQueryAnswer>(new URL('/internal/db/query', url), body),
      );
      check(answer.results[0]?.id === id, 'original.query.keepalive returned another row');
      return ms;
    }),
    one(
      'original.run',
      insertOne('original.run', async (params) => (await original('run', INSERT, params)).meta),
    ),
    one('gateway.query', async (id) => {
      const [ms, answer] = await timed(() => client.db.query.query({ sql: SELECT_ONE, params: [id] }));
      check(answer.results[0]?.id === id, 'gateway.query returned another row');
      return ms;
    }),
    one('gateway.query.outbound', async (id) => {
      const [ms, answer] = await timed(() =>
        outboundClient.db.query.query({ sql: SELECT_ONE, params: [id] }),
      );
      check(answer.results[0]?.id === id, 'gateway.query.outbound returned another row');
      return ms;
    }),
    one('gateway.query.entrypoint', async (id) => {
      const [ms, answer] = await timed(() =>
        entrypointClient.db.query.query({ sql: SELECT_ONE, params: [id] }),
      );
      check(answer.results[0]?.id === id, 'gateway.query.entrypoint returned another row');
      return ms;
    }),
    one('gateway.query.bytes', async () => {
      const [ms, answer] = await timed(async () => {
        const response = await transport(recordedRequest.url, recordedRequest.init);
        check(response.status === 200, `gateway.query.bytes answered ${response.status}`);
        return JSON.parse(await response.text()) as [
          { result: { data: { json: { results: { id: number }[] } } } },
        ];
      });
      // The recorded request reads row 1.
      check(answer[0].result.data.json.results[0]?.id === 1, 'gateway.query.bytes returned another row');
      return ms;
    }),
    one('gateway.query.fetch', async (id) => {
      const [ms, answer] = await timed(() => fetchClient.db.query.query({ sql: SELECT_ONE, params: [id] }));
      check(answer.results[0]?.id === id, 'gateway.query.fetch returned another row');
      return ms;
    }),
    one(
      'gateway.run',
      insertOne('gateway.run', async (params) => (await client.db.run.mutate({ sql: INSERT, params })).meta),
    ),
    one(
      'gateway.run.unkeyed',
      insertOne(
        'gateway.run.unkeyed',
        async (params) =>
          (await client.db.run.mutate({ sql: INSERT, params, idempotencyKey: undefined })).meta,
      ),
    ),
    one(
      'gateway.batch1.unkeyed',
      insertOne('gateway.batch1.unkeyed', async (params) => {
        const [result] = await client.db.batch.mutate({
          statements: [{ sql: INSERT, params }],
          idempotencyKey: undefined,
        });
        return { changes: result?.meta.changes ?? 0 };
      }),
    ),
    one('gateway.query.quiet', async (id) => {
      const [ms, answer] = await timed(() => quietClient.db.query.query({ sql: SELECT_ONE, params: [id] }));
      check(answer.results[0]?.id === id, 'gateway.query.quiet returned another row');
      return ms;
    }),
    one('gateway.client-cpu', async (id) => {
      const [ms, answer] = await timed(() => cannedClient.db.query.query({ sql: SELECT_ONE, params: [id] }));
      check(answer.results.length === 1, 'the recorded reply has no row');
      return ms;
    }),
    one('env.DB.first', async (id) => {
      const [ms, row] = await timed(() => env.DB.prepare(SELECT_ONE).bind(id).first<{ id: number }>());
      check(row?.id === id, 'env.DB.first returned another row');
      return ms;
    }),
    one('concurrent10.original', async (id) => {
      const [ms, answers] = await timed(() =>
        Promise.all(ids(id).map((i) => original('query', SELECT_ONE, [i]))),
      );
      check(
        answers.every((a, i) => a.results[0]?.id === ids(id)[i]),
        'concurrent10.original: wrong rows',
      );
      return ms;
    }),
    one('concurrent10.gateway', async (id) => {
      const [ms, answers] = await timed(() =>
        Promise.all(ids(id).map((i) => client.db.query.query({ sql: SELECT_ONE, params: [i] }))),
      );
      check(
        answers.every((a, i) => a.results[0]?.id === ids(id)[i]),
        'concurrent10.gateway: wrong rows',
      );
      return ms;
    }),
    one(
      'insert1000.original',
      async () => {
        const [ms] = await timed(async () => {
          for (const { sql, params } of insertStatements()) await original('run', sql, params);
        });
        await deleteInserted(url);
        return ms;
      },
      'insert',
    ),
    one(
      'insert1000.batch',
      async () => {
        const [ms] = await timed(() => insertByBatch(client, ctx.insertBatchSize));
        await deleteInserted(url);
        return ms;
      },
      'insert',
    ),
    one('rows10k.original', async () => {
      const [ms, answer] = await timed(() => original('query', SELECT_ALL, []));
      check(answer.results.length === SEED_ROWS, `rows10k.original: ${answer.results.length} rows`);
      return ms;
    }),
    one('rows10k.gateway', async () => {
      const [ms, answer] = await timed(() => client.db.query.query({ sql: SELECT_ALL }));
      check(answer.results.length === SEED_ROWS, `rows10k.gateway: ${answer.results.length} rows`);
      return ms;
    }),
  ];
}

/** Creates and fills `bench_rows` through the original `/internal/db/run`, as the old client would. */
export async function seed(url: URL): Promise<void> {
  const run = (sql: string) =>
    postKeepAlive<OriginalRunAnswer>(new URL('/internal/db/run', url), { sql, params: [] });
  await run('CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT, score REAL, created_at TEXT)');
  // One statement (a recursive CTE) rather than 10,000 calls: seeding is not what is measured.
  const filled = await run(
    `INSERT INTO bench_rows (id, name, score, created_at)
     WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${SEED_ROWS})
     SELECT i, 'name-' || i, i * 1.5, '2026-11-23 10:00:00' FROM seq`,
  );
  check(filled.meta.changes === SEED_ROWS, `seeded ${filled.meta.changes} rows`);
}
