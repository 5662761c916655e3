/**
 * The benchmark: the typed gateway against the original JSON proxy and against the floor (an empty
 * round trip plus D1's own time), on one local Worker and one D1.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH WRANGLER_SEND_METRICS=false node bench/run.ts [--rounds 30]
 *     [--insert-rounds 5] [--sustained-rounds 5] [--sustain-ms 1000] [--floor-runs 20]
 *     [--only gateway.query,original.query]
 *
 * Every round runs every scenario once, in an order that rotates from round to round, so that drift
 * (the machine warming up, another process) spreads over all scenarios instead of favouring one.
 * Each scenario starts once the Worker has no after-answer work left (GET /settled): the single
 * calls are isolated, each measured without what the calls before it left running; the sustained
 * scenarios then show what that work costs calls made back to back.
 * Prints one table; writes bench/results.json and bench/results.svg. With --only, runs the scenarios
 * named (as the table names them; `cpu.typed` measures `cpu.transport` too) and the targets they
 * give, for an A/B of a change in many rounds, and writes nothing.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { positiveInt } from './args.ts';
import { renderChart } from './chart.ts';
import { benchContext } from './context.ts';
import { type BenchConfig, formatLegend, formatTable, summarize } from './report.ts';
import {
  CONCURRENT_READS,
  INSERT_ROWS,
  SCENARIO_INFO,
  type Scenario,
  type ScenarioName,
  SEED_ROWS,
  SUSTAINED_CLIENTS,
  scenarios,
  seed,
  settle,
} from './scenarios.ts';
import { BENCH_DIR, type BenchServer, startBenchServer } from './server.ts';

function readArgs() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      'insert-rounds': { type: 'string' },
      'floor-runs': { type: 'string' },
      'sustained-rounds': { type: 'string' },
      'sustain-ms': { type: 'string' },
      only: { type: 'string' },
    },
  });
  const rounds = positiveInt('rounds', values.rounds, 30);
  const only = values.only === undefined ? undefined : new Set(values.only.split(','));
  for (const name of only ?? []) {
    if (!(name in SCENARIO_INFO)) throw new Error(`--only: no scenario ${name} (see bench/scenarios.ts)`);
  }
  return {
    rounds,
    only,
    insertRounds: Math.min(rounds, positiveInt('insert-rounds', values['insert-rounds'], 5)),
    sustainedRounds: Math.min(rounds, positiveInt('sustained-rounds', values['sustained-rounds'], 5)),
    sustainMs: positiveInt('sustain-ms', values['sustain-ms'], 1000),
    floorRuns: positiveInt('floor-runs', values['floor-runs'], 20),
  };
}

/** The rounds (of `rounds`) that also run a heavy scenario: `count` of them, spread evenly. */
function heavyRounds(rounds: number, count: number): Set<number> {
  return new Set(Array.from({ length: count }, (_, k) => Math.floor((k * rounds) / count)));
}

async function bench(server: BenchServer, args: ReturnType<typeof readArgs>): Promise<void> {
  const started = performance.now();
  await seed(server.url);
  const ctx = await benchContext(server, args);
  // --only: the scenarios named (an A/B of a change, many rounds quickly); the targets they give.
  const all = scenarios(ctx).filter((scenario) => !args.only || args.only.has(scenario.name));
  if (all.length === 0) throw new Error('--only names no scenario the bench runs by that name');

  // One unrecorded round first: JIT in Node and workerd, connections, SQLite's page cache. The
  // 1,000 sequential inserts are left out of it: their single calls warm up in original.query.
  for (const scenario of all) {
    if (scenario.name === 'insert1000.original') continue;
    await settle(server.url);
    await scenario.measure(1);
  }

  const samples: Partial<Record<ScenarioName, number[]>> = {};
  const heavy = {
    insert: heavyRounds(args.rounds, args.insertRounds),
    sustained: heavyRounds(args.rounds, args.sustainedRounds),
  };
  for (let round = 0; round < args.rounds; round++) {
    const active: Scenario[] = all.filter((s) => !s.heavy || heavy[s.heavy].has(round));
    const shift = round % active.length;
    const order = [...active.slice(shift), ...active.slice(0, shift)];
    // The same row for every scenario of a round; another row each round.
    const id = ((round * 7919) % SEED_ROWS) + 1;
    for (const scenario of order) {
      await settle(server.url);
      for (const [name, ms] of Object.entries(await scenario.measure(id)) as [ScenarioName, number][]) {
        const list = samples[name] ?? [];
        list.push(ms);
        samples[name] = list;
      }
    }
    const elapsed = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`round ${round + 1}/${args.rounds} done (${elapsed} s)\n`);
  }

  const config: BenchConfig = {
    rounds: args.rounds,
    insertRounds: args.insertRounds,
    sustainedRounds: args.sustainedRounds,
    sustainMs: args.sustainMs,
    floorRuns: args.floorRuns,
    seedRows: SEED_ROWS,
    insertRows: INSERT_ROWS,
    concurrentReads: CONCURRENT_READS,
    sustainedClients: SUSTAINED_CLIENTS,
    insertBatchSize: ctx.insertBatchSize,
  };
  const summarized = summarize(samples, config);
  const results = args.only
    ? { ...summarized, targets: summarized.targets.filter((target) => Number.isFinite(target.measured)) }
    : summarized;
  console.log(`\n${formatTable(results)}\n\n${formatLegend(results)}\n`);
  if (args.only) {
    console.log('--only: bench/results.json and bench/results.svg are left as they were');
    return;
  }
  // Microseconds are the most the clocks here can tell apart.
  const rounded = (_key: string, value: unknown) =>
    typeof value === 'number' ? Math.round(value * 1000) / 1000 : value;
  const outputs = [path.join(BENCH_DIR, 'results.json'), path.join(BENCH_DIR, 'results.svg')];
  await writeFile(outputs[0] as string, `${JSON.stringify(results, rounded, 2)}\n`);
  await writeFile(outputs[1] as string, renderChart(results));
  await formatWithBiome(outputs);
  console.log(
    `wrote bench/results.json and bench/results.svg (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
}

/**
 * Formats the written files as the repository's Biome does, so that `biome check` stays clean after
 * a run (it lays out JSON arrays its own way). A failure here costs the layout only: warn.
 */
async function formatWithBiome(files: string[]): Promise<void> {
  const child = spawn(
    path.join(BENCH_DIR, '..', 'node_modules', '.bin', 'biome'),
    ['format', '--write', ...files],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) console.warn(`biome format did not format the results (${code}): ${errors.trim()}`);
}

async function main(): Promise<void> {
  // Bad arguments fail before anything starts.
  const args = readArgs();
  const server = await startBenchServer();
  // Ctrl-C still stops the Worker and removes the state directory.
  const interrupt = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  try {
    await bench(server, args);
  } finally {
    process.off('SIGINT', interrupt);
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
