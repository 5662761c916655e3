/**
 * The bench Worker under wrangler's dev server (miniflare's local D1), on an ephemeral port with a
 * state directory of its own, started the way scripts/local-session.ts starts the real one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { unstable_startWorker } from 'wrangler';

export const BENCH_DIR = import.meta.dirname;
const ROOT = path.resolve(BENCH_DIR, '..');
export const BENCH_CONFIG = path.join(BENCH_DIR, 'wrangler.toml');
const CONFIG = BENCH_CONFIG;
const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler');

export interface BenchServer {
  /** The Worker's URL. */
  url: URL;
  /** The dev gateway's bearer token. */
  token: string;
  /** Stops the Worker and removes the state directory; safe to call twice. */
  stop(): Promise<void>;
  /**
   * CPU time used so far by the Worker's whole session (the process running wrangler and every
   * process under it: workerd, esbuild), ms; NaN where /proc cannot tell (not Linux).
   */
  sessionCpuMs(): number;
  /** The session's processes (the Worker's Node process, wrangler's workerd and esbuild), each with its CPU so far; empty off Linux. */
  sessionProcesses(): SessionProcess[];
}

/** `wrangler d1 migrations apply DB --local` into `dir`; wrangler's output only if it fails. */
async function applyMigrations(dir: string): Promise<void> {
  const child = spawn(
    WRANGLER,
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir, '-c', CONFIG],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`applying the migrations failed (wrangler exited with ${code}):\n${output}`);
}

/** A Worker under wrangler's dev server, and the state directory it keeps its local data in. */
export interface DevWorker {
  dir: string;
  worker?: Awaited<ReturnType<typeof unstable_startWorker>>;
  /** Stops the Worker and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A fresh state directory, removed by `stop()` and, failing that, when the process exits: wrangler
 * exits the process itself on Ctrl-C, before an async stop() can finish. The exit hook goes only
 * once the directory is gone, for that reason.
 */
export async function devWorkerState(prefix: string): Promise<DevWorker> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  let stopped = false;
  const state: DevWorker = {
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await state.worker?.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
        process.off('exit', removeOnExit);
      }
    },
  };
  return state;
}

/** A process's name, parent and CPU time (user + system, in clock ticks), from /proc/<pid>/stat. */
function procStat(pid: number): { name: string; parent: number; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command's closing parenthesis: state, ppid, … utime (14th field), stime (15th).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
      parent: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined;
  }
}

/** Linux reports process CPU in clock ticks of 10 ms (USER_HZ 100 on every Linux build Node runs on). */
const MS_PER_TICK = 10;

/** A process of a session: its id, name (`comm`) and CPU so far, ms. */
export interface SessionProcess {
  pid: number;
  name: string;
  cpuMs: number;
}

/**
 * A process and all its descendants still running, each with its CPU time so far, from /proc
 * (Linux); empty elsewhere. Exited children's time is not counted: wrangler's processes live as long
 * as the session.
 */
export function processTree(root: number): SessionProcess[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  const stats = new Map<number, NonNullable<ReturnType<typeof procStat>>>();
  for (const pid of pids) {
    const stat = procStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const tree: SessionProcess[] = [];
  for (const [pid, stat] of stats) {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = stats.get(at)?.parent) {
      if (at === root) {
        tree.push({ pid, name: stat.name, cpuMs: stat.ticks * MS_PER_TICK });
        break;
      }
    }
  }
  return tree;
}

/** CPU time used by a process and all its descendants still running, ms (see processTree); NaN off Linux. */
export function processTreeCpuMs(root: number): number {
  const tree = processTree(root);
  return tree.some((p) => p.pid === root) ? tree.reduce((sum, p) => sum + p.cpuMs, 0) : Number.NaN;
}

/** The bench Worker, started in a process of its own (worker-process.ts says why). */
export async function startBenchServer({
  inspectorPort,
}: {
  /** Opens wrangler's inspector (DevTools protocol) on this port; closed by default (profile.ts). */
  inspectorPort?: number;
} = {}): Promise<BenchServer> {
  const state = await devWorkerState('binding-gateway-bench-');
  const { dir } = state;
  const token = randomBytes(32).toString('hex');
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await state.stop();
  };
  try {
    await applyMigrations(dir);
    const worker = spawn(process.execPath, [path.join(BENCH_DIR, 'worker-process.ts'), dir, token], {
      cwd: ROOT,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        ...(inspectorPort === undefined ? {} : { BENCH_INSPECTOR_PORT: String(inspectorPort) }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = worker;
    process.once('exit', () => worker.kill('SIGKILL'));
    const url = await Promise.race([
      (async () => {
        for await (const line of createInterface({ input: worker.stdout })) {
          if (line.startsWith('BENCH_WORKER_URL ')) return line.slice('BENCH_WORKER_URL '.length);
        }
        throw new Error("the bench Worker's process closed its output before it listened");
      })(),
      once(worker, 'exit').then(([code]) => {
        throw new Error(`the bench Worker's process exited (${code}) before it listened`);
      }),
    ]);
    const pid = worker.pid;
    return {
      url: new URL(url),
      token,
      stop,
      sessionCpuMs: () => (pid === undefined ? Number.NaN : processTreeCpuMs(pid)),
      sessionProcesses: () => (pid === undefined ? [] : processTree(pid)),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
