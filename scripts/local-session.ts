/**
 * The local session without Docker (README.md's path 3): the Worker under wrangler's dev server with
 * miniflare's local D1, KV and R2, and container/ as plain Node processes (one per container
 * instance, each on its own port) that it spreads `/api/*` over, as the deployed Worker spreads it
 * over instances. The containers reach the gateway at `/__gateway/trpc` with the session's bearer
 * token, each naming its instance (`x-gateway-dev-caller: instance-<i>`) so that each is a caller of
 * its own, as each deployed instance is.
 *
 * Used by `npm start` (scripts/start.ts) and by the end-to-end tests, which start it on ephemeral
 * ports with a state directory of their own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { unstable_startWorker } from 'wrangler';
import { DEV_GATEWAY_PATH, HEALTH_PATH } from '../shared/transport.ts';
import { type ContainerKind, containerCommand, type PythonApp } from './container-process.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 12_000;

export interface LocalSessionOptions {
  /** The Worker's port on 127.0.0.1; 0 for any free one. */
  port: number;
  /** The container process's port on 127.0.0.1; several ports start one process (instance) on each. */
  containerPort: number | readonly number[];
  /** Which container process runs: the Node API (default) or the Python app (container-process.ts). */
  container?: ContainerKind | undefined;
  /** The user's own ASGI app in place of the Python example (`--app`), reloaded on change. */
  app?: PythonApp | undefined;
  /** The dev gateway's bearer token (GATEWAY_DEV_TOKEN). */
  token: string;
  /** Where local D1/KV/R2 data lives; wrangler's `.wrangler/state` when absent. */
  persistTo?: string | undefined;
  /** Receives each line the Worker's tooling and the containers print (with the instance's index). */
  log?: (source: 'migrations' | 'container', line: string, instance?: number) => void;
  /** Worker bindings and variables that replace wrangler.toml's (e.g. smaller fair-share limits). */
  bindings?: WorkerBindings;
  /** Receives the Worker's own log lines (`console.*` in the Worker); wrangler prints them when absent. */
  workerLog?: (level: string, message: string) => void;
}

type WorkerBindings = NonNullable<Parameters<typeof unstable_startWorker>[0]['bindings']>;

export interface LocalSession {
  /** The Worker's public URL. */
  url: URL;
  /** The first (or only) container process (its own process group). */
  readonly container: ChildProcess;
  /** Every container process, by instance index (`instance-<i>`; each its own process group). */
  readonly containers: readonly ChildProcess[];
  /** Stops a container process (if it still runs) and starts a new one, as a Container restart would. */
  restartContainer(instance?: number): Promise<void>;
  /** Stops the containers (letting requests under way finish) and the Worker. */
  stop(): Promise<void>;
}

function pipeLines(
  child: ChildProcess,
  source: 'migrations' | 'container',
  log: LocalSessionOptions['log'],
  instance?: number,
) {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => log?.(source, line, instance));
  }
}

/** Applies migrations/ to the local D1 database, as `wrangler d1 migrations apply DB --local`. */
export async function applyMigrations(
  options: Pick<LocalSessionOptions, 'persistTo' | 'log'>,
): Promise<void> {
  const args = ['d1', 'migrations', 'apply', 'DB', '--local'];
  if (options.persistTo) args.push('--persist-to', options.persistTo);
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pipeLines(child, 'migrations', options.log);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`applying the migrations failed (wrangler exited with ${code})`);
}

/** Polls a URL until it answers 2xx, or throws after `timeoutMs`. */
export async function waitForOk(url: URL, timeoutMs = READY_TIMEOUT_MS, isAlive: () => boolean = () => true) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline && isAlive()) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String((error as Error).cause ?? error);
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer in time (${last})`);
}

/** Sends a signal to a child's whole process group, and SIGKILL if it has not exited in time. */
export async function stopProcessGroup(child: ChildProcess, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function stopProcessGroupNow(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The name of local instance `index`: the same as the deployed pool's (worker/instances.ts). */
export function localInstanceName(index: number): string {
  return `instance-${index}`;
}

export async function startLocalSession(options: LocalSessionOptions): Promise<LocalSession> {
  await applyMigrations(options);
  const ports =
    typeof options.containerPort === 'number' ? [options.containerPort] : [...options.containerPort];
  if (ports.length === 0) throw new Error('the local session needs at least one container port');
  const containerUrls = ports.map((port) => `http://127.0.0.1:${port}`);
  const worker = await unstable_startWorker({
    config: path.join(ROOT, 'wrangler.toml'),
    bindings: {
      ...options.bindings,
      // The Worker spreads /api/* over these as it spreads over CONTAINER_INSTANCES deployed.
      CONTAINER_DEV_URL: { type: 'plain_text', value: containerUrls.join(',') },
      GATEWAY_DEV_TOKEN: { type: 'secret_text', value: options.token },
    },
    dev: {
      server: { hostname: '127.0.0.1', port: options.port },
      inspector: false,
      enableContainers: false,
      ...(options.persistTo ? { persist: options.persistTo } : {}),
      ...(options.workerLog
        ? {
            // The caller takes the Worker's logs; wrangler's own per-request lines go too.
            logLevel: 'warn',
            structuredLogsHandler: (log: { level: string; message: string }) =>
              options.workerLog?.(log.level, log.message),
          }
        : {}),
    },
  });
  const containers: (ChildProcess | undefined)[] = ports.map(() => undefined);
  const running = () => containers.filter((child): child is ChildProcess => child !== undefined);
  // If this process exits without stop() (an uncaught error, a handler that exits at once), the
  // containers, each in a process group of its own, must not outlive it.
  const killOnExit = () => running().forEach(stopProcessGroupNow);
  process.once('exit', killOnExit);
  try {
    const url = await worker.url;
    const startContainer = async (index: number) => {
      const containerUrl = containerUrls[index];
      const port = ports[index];
      if (containerUrl === undefined || port === undefined)
        throw new Error(`there is no container instance ${index}`);
      const kind = containerCommand(options.container ?? 'node', ROOT, port, options.app);
      const child = spawn(kind.command, kind.args, {
        cwd: kind.cwd,
        // Its own process group, so that stopping it stops all it started.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...kind.env,
          GATEWAY_URL: new URL(DEV_GATEWAY_PATH, url).href,
          GATEWAY_TOKEN: options.token,
          GATEWAY_DEV_CALLER: localInstanceName(index),
        },
      });
      containers[index] = child;
      pipeLines(child, 'container', options.log, index);
      await waitForOk(new URL(HEALTH_PATH, containerUrl), READY_TIMEOUT_MS, () => child.exitCode === null);
      return child;
    };
    await Promise.all(ports.map((_, index) => startContainer(index)));
    return {
      url,
      get container() {
        return running()[0] as ChildProcess;
      },
      get containers() {
        return running();
      },
      async restartContainer(instance = 0) {
        const child = containers[instance];
        if (child) await stopProcessGroup(child);
        await startContainer(instance);
      },
      async stop() {
        process.off('exit', killOnExit);
        await Promise.all(running().map((child) => stopProcessGroup(child)));
        await worker.dispose();
      },
    };
  } catch (error) {
    process.off('exit', killOnExit);
    await Promise.all(running().map((child) => stopProcessGroup(child)));
    await worker.dispose();
    throw error;
  }
}
