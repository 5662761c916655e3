/**
 * Where a bench scenario's CPU goes, by process: the bench's own (its clients), the Node process
 * that runs wrangler, wrangler's two workerd processes (its proxy, which the bench connects to, and
 * the Worker's, which also runs D1 and the rate limiter), and esbuild. Per run of each named
 * scenario, with no profiler attached: what `npm run bench:profile` sees is the Worker's isolate
 * only, and the profiler costs time of its own.
 *
 *   npm run bench:processes -- [--scenario gateway.query,original.query] [--runs 200] [--rounds 4]
 *
 * The scenarios take turns: in each round each one runs `--runs` times back to back (after 20 runs
 * not counted, and with the Worker's after-answer work settled before and after), so that the
 * machine's drift is spread over all of them. CPU comes from /proc (Linux only), in clock ticks of
 * 10 ms: keep runs × rounds large enough that a figure is many ticks.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { positiveInt } from './args.ts';
import { benchContext } from './context.ts';
import { type Scenario, type ScenarioName, scenarios, seed, settle } from './scenarios.ts';
import { type BenchServer, startBenchServer } from './server.ts';
import { median } from './stats.ts';

const WARM_RUNS = 20;

function readArgs() {
  const { values } = parseArgs({
    options: { scenario: { type: 'string' }, runs: { type: 'string' }, rounds: { type: 'string' } },
  });
  return {
    // A name given twice would add its runs to one column twice over.
    names: [...new Set((values.scenario ?? 'gateway.query,original.query').split(','))] as ScenarioName[],
    runs: positiveInt('runs', values.runs, 200),
    rounds: positiveInt('rounds', values.rounds, 4),
  };
}

/** The inode of the socket listening on `port` (127.0.0.1, IPv4), from /proc/net/tcp. */
function listeningInode(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local address, remote address, state (0A: LISTEN), …, inode (the 10th field).
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') return fields[9];
  }
  return undefined;
}

function holdsSocket(pid: number, inode: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Names for the session's processes: the workerd that listens on the bench's URL is wrangler's
 * proxy (every request enters there); the other one runs the Worker.
 */
function roles(server: BenchServer): Map<number, string> {
  const port = Number(server.url.port);
  const inode = listeningInode(port);
  const names = new Map<number, string>();
  for (const p of server.sessionProcesses()) {
    if (p.name === 'workerd') {
      const proxy = inode !== undefined && holdsSocket(p.pid, inode);
      names.set(p.pid, proxy ? "workerd: wrangler's proxy" : 'workerd: the Worker, D1');
    } else {
      names.set(p.pid, p.name === 'node' ? 'node: wrangler' : p.name);
    }
  }
  if (![...names.values()].includes("workerd: wrangler's proxy")) {
    throw new Error(
      `no workerd of the session listens on port ${port}: cannot tell the proxy from the Worker`,
    );
  }
  return names;
}

/** CPU so far per role, ms, and this process's own. */
function snapshot(server: BenchServer, names: Map<number, string>): Map<string, number> {
  const cpu = new Map<string, number>();
  const own = process.cpuUsage();
  cpu.set("the bench's clients (this process)", (own.user + own.system) / 1000);
  for (const p of server.sessionProcesses()) {
    const name = names.get(p.pid) ?? `${p.name} (started later)`;
    cpu.set(name, (cpu.get(name) ?? 0) + p.cpuMs);
  }
  return cpu;
}

async function main(): Promise<void> {
  const args = readArgs();
  if (process.platform !== 'linux') throw new Error('bench:processes reads /proc: Linux only');
  const server = await startBenchServer();
  try {
    await seed(server.url);
    const ctx = await benchContext(server, { floorRuns: 20, sustainMs: 1000 });
    const all = scenarios(ctx);
    const chosen = args.names.map((name) => {
      const scenario = all.find((s) => s.name === name);
      if (!scenario) throw new Error(`no bench scenario is named ${name}`);
      return scenario;
    });
    const names = roles(server);
    const cpu = new Map<ScenarioName, Map<string, number>>();
    const walls = new Map<ScenarioName, number[]>();
    let id = 1;
    const runAll = async (scenario: Scenario, runs: number) => {
      for (let i = 0; i < runs; i++) await scenario.measure(id++);
    };
    for (let round = 0; round < args.rounds; round++) {
      for (const scenario of chosen) {
        await runAll(scenario, WARM_RUNS);
        await settle(server.url);
        const before = snapshot(server, names);
        const started = performance.now();
        await runAll(scenario, args.runs);
        const wall = performance.now() - started;
        await settle(server.url);
        const after = snapshot(server, names);
        const sums = cpu.get(scenario.name) ?? new Map<string, number>();
        for (const [name, ms] of after) sums.set(name, (sums.get(name) ?? 0) + ms - (before.get(name) ?? 0));
        cpu.set(scenario.name, sums);
        walls.set(scenario.name, [...(walls.get(scenario.name) ?? []), wall / args.runs]);
      }
      process.stderr.write(`round ${round + 1}/${args.rounds} done\n`);
    }
    const perRun = args.runs * args.rounds;
    const rows = [...new Set([...cpu.values()].flatMap((sums) => [...sums.keys()]))];
    const width = Math.max(...args.names.map((n) => n.length), 10) + 2;
    const line = (label: string, values: number[]) =>
      `${label.padEnd(38)}${values.map((v) => v.toFixed(3).padStart(width)).join('')}`;
    console.log(`\nms of CPU per run, by process (${args.rounds} rounds × ${args.runs} runs, /proc)\n`);
    console.log(`${'process'.padEnd(38)}${args.names.map((n) => n.padStart(width)).join('')}`);
    for (const row of rows) {
      console.log(
        line(
          row,
          args.names.map((n) => (cpu.get(n)?.get(row) ?? 0) / perRun),
        ),
      );
    }
    const totals = args.names.map(
      (n) => [...(cpu.get(n)?.values() ?? [])].reduce((a, b) => a + b, 0) / perRun,
    );
    console.log(line('all of them', totals));
    console.log(
      line(
        'wall ms per run (median of rounds)',
        args.names.map((n) => median(walls.get(n) ?? [])),
      ),
    );
  } finally {
    await server.stop();
  }
}

await main();
