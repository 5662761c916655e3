/**
 * Where the Worker's time goes: a CPU profile of the bench Worker (workerd, under wrangler dev)
 * while bench scenarios run back to back, summed by the source file each sample's function came
 * from (the gateway's modules, tRPC, zod, superjson, workerd's own binding code), per run of the
 * scenario. The bench (run.ts) says how long a call takes; this says what the Worker did in it.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH node bench/profile.ts \
 *     [--scenario gateway.query,original.query] [--ms 5000] [--interval-us 100] [--top 25]
 *
 * The scenarios named are profiled one after another in the same Worker session and printed side
 * by side: two sessions on this machine differ more than two close scenarios do. A native function
 * (a stream read, `fetch`) is charged to the module of the JavaScript that called it, marked
 * "(natives)". Sampling has a cost of its own (wall times here are ~1.3× the bench's), and the
 * inspector proxy forwards console output, so compare scenarios within one run, not with the bench.
 * Each profile is written to bench/profiles/<scenario>.cpuprofile (DevTools' Performance panel
 * opens it). A scenario of many calls (`concurrent10.gateway`: ten a run) passes the bench Worker's
 * fair share, 3,000 calls per 10 s, within ~3 s: keep its --ms short.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePorts } from '../scripts/ports.ts';
import { positiveInt } from './args.ts';
import { benchContext } from './context.ts';
import { type Scenario, type ScenarioName, scenarios, seed, settle } from './scenarios.ts';
import { BENCH_DIR, startBenchServer } from './server.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function readArgs() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      ms: { type: 'string' },
      'interval-us': { type: 'string' },
      top: { type: 'string' },
    },
  });
  return {
    names: (values.scenario ?? 'gateway.query,original.query').split(',') as ScenarioName[],
    ms: positiveInt('ms', values.ms, 5000),
    intervalUs: positiveInt('interval-us', values['interval-us'], 100),
    top: positiveInt('top', values.top, 25),
  };
}

/** A DevTools protocol session over the inspector's WebSocket. */
async function inspect(port: number) {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  if (!target) throw new Error("wrangler's inspector lists no Worker");
  // The inspector proxy refuses a WebSocket without an Origin of its own host (a browser's check):
  // Node's WebSocket sends none unless told.
  const init = { headers: { origin: `http://127.0.0.1:${port}` } };
  const socket = new WebSocket(target.webSocketDebuggerUrl, init as unknown as string[]);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', () => reject(new Error('the inspector refused the WebSocket')), {
      once: true,
    });
  });
  let id = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener('message', (event) => {
    // Events (console output the proxy forwards) are not waited for: only answers.
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(`the inspector answered ${JSON.stringify(message.error)}`));
    else waiting.resolve(message.result);
  });
  // A closed inspector fails what waits on it, rather than leaving the profiler waiting for ever.
  socket.addEventListener('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('the inspector closed the WebSocket'));
    pending.clear();
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const callId = ++id;
      return new Promise<T>((resolve, reject) => {
        pending.set(callId, { resolve: (result) => resolve(result as T), reject });
        socket.send(JSON.stringify({ id: callId, method, params }));
      });
    },
    close: () => socket.close(),
  };
}

/**
 * The bundle wrangler dev built (the script most samples ran in; profiles name it by file name only)
 * and its source map, from wrangler's build directory for the session (bench/.wrangler/tmp/dev-*).
 */
async function bundleMap(profile: Profile) {
  const samplesByUrl = new Map<string, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const sample of profile.samples) {
    const url = byId.get(sample)?.callFrame.url ?? '';
    if (url.endsWith('.js') && !url.includes(':')) samplesByUrl.set(url, (samplesByUrl.get(url) ?? 0) + 1);
  }
  const [url] = [...samplesByUrl].sort((a, b) => b[1] - a[1])[0] ?? [];
  if (!url) return undefined;
  const builds = path.join(BENCH_DIR, '.wrangler', 'tmp');
  const dirs = await readdir(builds).catch(() => []);
  const files = await Promise.all(
    dirs
      .filter((dir) => dir.startsWith('dev-'))
      .map(async (dir) => {
        const file = path.join(builds, dir, url);
        return { file, mtime: (await stat(file).catch(() => undefined))?.mtimeMs ?? -1 };
      }),
  );
  const newest = files.filter((f) => f.mtime >= 0).sort((a, b) => b.mtime - a.mtime)[0];
  if (!newest) return undefined;
  try {
    const named = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(await readFile(newest.file, 'utf8'))?.[1];
    if (!named) return undefined;
    const map = JSON.parse(await readFile(path.resolve(path.dirname(newest.file), named), 'utf8'));
    return { url, map: new SourceMap(map) };
  } catch {
    return undefined;
  }
}

/** The module a bundle position came from: a project path, or a package's name. */
function moduleOf(source: string): string {
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (packaged?.[1]) return packaged[1];
  const project = /(?:^|\/)((?:worker|shared|bench|container)\/.*)$/.exec(source);
  return project?.[1] ?? source;
}

/**
 * Milliseconds per run, by module: what each module's functions (and the natives they called) used.
 * A sample counts as one sampling interval, whatever its recorded time delta: workerd's isolate is
 * sampled only while it runs (its lock held), and the delta after a gap holds the gap, which the
 * next function sampled would otherwise be charged with (deltas here ranged from 0.1 to 50 ms).
 */
function attribute(
  profile: Profile,
  runs: number,
  intervalUs: number,
  bundle: Awaited<ReturnType<typeof bundleMap>>,
) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  for (const sample of profile.samples) self.set(sample, (self.get(sample) ?? 0) + 1);
  const inBundle = (node: ProfileNode) => node.callFrame.url === bundle?.url;
  const place = (node: ProfileNode) => {
    const { lineNumber, columnNumber, functionName } = node.callFrame;
    const entry = bundle?.map.findEntry(lineNumber, columnNumber);
    const source = entry && 'originalSource' in entry ? moduleOf(entry.originalSource) : '(bundle)';
    const line = entry && 'originalLine' in entry ? entry.originalLine + 1 : 0;
    return { module: source, fn: `${functionName || '(anonymous)'} ${source}:${line}` };
  };
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const samples = self.get(node.id) ?? 0;
    const { functionName, url } = node.callFrame;
    if (samples === 0 || functionName === '(idle)') continue;
    const ms = (samples * intervalUs) / 1000 / runs;
    busy += ms;
    let key: string;
    let fn: string;
    if (inBundle(node)) {
      ({ module: key, fn } = place(node));
    } else if (url && !inBundle(node)) {
      key = `workerd: ${url}`;
      fn = `${functionName || '(anonymous)'} ${url}`;
    } else {
      // A native: charged to the nearest JavaScript frame of the bundle above it.
      let caller: ProfileNode | undefined = node;
      while (caller && !inBundle(caller)) {
        const up = parent.get(caller.id);
        caller = up === undefined ? undefined : byId.get(up);
      }
      if (caller) {
        const at = place(caller);
        key = `${at.module} (natives)`;
        fn = `${at.fn} → ${functionName}`;
      } else {
        key = functionName;
        fn = functionName;
      }
    }
    modules.set(key, (modules.get(key) ?? 0) + ms);
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  return { busy, modules, functions };
}

async function runFor(scenario: Scenario, ms: number): Promise<number> {
  let runs = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await scenario.measure(((runs * 7919) % 10_000) + 1);
    runs++;
  }
  return runs;
}

async function main(): Promise<void> {
  const args = readArgs();
  // wrangler's inspector takes a port number, not 0.
  const [port] = (await freePorts(1)) as [number];
  const server = await startBenchServer({ inspectorPort: port });
  try {
    await seed(server.url);
    const all = scenarios(await benchContext(server, { floorRuns: 20, sustainMs: 1000 }));
    const chosen = args.names.map((name) => {
      const scenario = all.find((s) => s.name === name);
      if (!scenario) throw new Error(`no scenario ${name}: ${all.map((s) => s.name).join(', ')}`);
      return scenario;
    });
    const session = await inspect(port);
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: args.intervalUs });
    const results: ({ name: ScenarioName; runs: number; wall: number; sessionCpu: number } & ReturnType<
      typeof attribute
    >)[] = [];
    await mkdir(path.join(BENCH_DIR, 'profiles'), { recursive: true });
    for (const scenario of chosen) {
      await runFor(scenario, Math.min(500, args.ms)); // warm-up, unprofiled
      await settle(server.url);
      await session.send('Profiler.start');
      const cpu = server.sessionCpuMs();
      const started = performance.now();
      const runs = await runFor(scenario, args.ms);
      const wall = (performance.now() - started) / runs;
      await settle(server.url);
      const sessionCpu = (server.sessionCpuMs() - cpu) / runs;
      const { profile } = await session.send<{ profile: Profile }>('Profiler.stop');
      await writeFile(
        path.join(BENCH_DIR, 'profiles', `${scenario.name}.cpuprofile`),
        JSON.stringify(profile),
      );
      const bundle = await bundleMap(profile);
      if (!bundle)
        console.warn(`${scenario.name}: the bundle's source map was not found: modules are not named`);
      results.push({
        name: scenario.name,
        runs,
        wall,
        sessionCpu,
        ...attribute(profile, runs, args.intervalUs, bundle),
      });
    }
    session.close();

    const width = Math.max(...results.map((r) => r.name.length), 9);
    const cell = (value: number | undefined) => (value ?? 0).toFixed(3).padStart(width);
    console.log(`\nms of the Worker's CPU per run of each scenario (${args.intervalUs} µs samples)\n`);
    console.log(`${'module'.padEnd(44)}${results.map((r) => r.name.padStart(width)).join('  ')}`);
    console.log(
      `${'the session (every process, /proc)'.padEnd(44)}${results.map((r) => cell(r.sessionCpu)).join('  ')}`,
    );
    console.log(
      `${"the Worker's isolate (samples)".padEnd(44)}${results.map((r) => cell(r.busy)).join('  ')}`,
    );
    const keys = [...new Set(results.flatMap((r) => [...r.modules.keys()]))].sort(
      (a, b) =>
        Math.max(...results.map((r) => r.modules.get(b) ?? 0)) -
        Math.max(...results.map((r) => r.modules.get(a) ?? 0)),
    );
    for (const key of keys.slice(0, 30))
      console.log(`${key.slice(0, 43).padEnd(44)}${results.map((r) => cell(r.modules.get(key))).join('  ')}`);
    console.log(`${'wall ms per run (profiled)'.padEnd(44)}${results.map((r) => cell(r.wall)).join('  ')}`);
    console.log(`${'runs'.padEnd(44)}${results.map((r) => String(r.runs).padStart(width)).join('  ')}`);
    for (const r of results) {
      console.log(`\n${r.name}: the ${args.top} functions that used the most (ms per run, self)`);
      for (const [fn, ms] of [...r.functions].sort((a, b) => b[1] - a[1]).slice(0, args.top))
        console.log(`${ms.toFixed(3).padStart(8)}  ${fn}`);
    }
    console.log(`\nwrote bench/profiles/{${results.map((r) => r.name).join(',')}}.cpuprofile`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
