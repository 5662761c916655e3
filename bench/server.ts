/**
 * The bench Worker under wrangler's dev server (miniflare's local D1), on an ephemeral port with a
 * state directory of its own, started the way scripts/local-session.ts starts the real one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
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

/** The bench Worker, started in a process of its own (worker-process.ts says why). */
export async function startBenchServer(): Promise<BenchServer> {
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
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
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
    return { url: new URL(url), token, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
