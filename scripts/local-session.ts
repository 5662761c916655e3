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

// Offline by default: wrangler would otherwise fetch Request.cf data from workers.cloudflare.com at
// each start and, where there is no internet, print a stack trace (CLOUDFLARE_CF_FETCH_ENABLED=true
// fetches it).
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

export const ROOT = path.resolve(import.meta.dirname, '..');
const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 12_000;
// Supervision: the first restart comes soon (a crash is usually a one-off); one that keeps crashing
// is started again at most every 30 s, and a process that stayed up this long starts the count anew.
const RESTART_FIRST_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;
const RESTART_RESET_AFTER_MS = 30_000;

/** The wait before restart number `attempt` (1, 2, …): doubling from half a second, capped. */
export function restartDelayMs(attempt: number): number {
  return Math.min(RESTART_FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1), RESTART_MAX_DELAY_MS);
}

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
  /**
   * Receives each line the Worker's tooling and the containers print (with the instance's index), and
   * the session's own line for each restart (`supervise`).
   */
  log?: (source: LogSource, line: string, instance?: number) => void;
  /**
   * Starts a container process that exits on its own again, with backoff, as the platform starts a
   * Container again on its next request; the others keep serving meanwhile (`npm start` sets it).
   * Without it, a process that exits stays down until `restartContainer`.
   */
  supervise?: boolean;
  /** Worker bindings and variables that replace wrangler.toml's (e.g. smaller fair-share limits). */
  bindings?: WorkerBindings;
  /** Receives the Worker's own log lines (`console.*` in the Worker); wrangler prints them when absent. */
  workerLog?: (level: string, message: string) => void;
}

export type LogSource = 'migrations' | 'container' | 'session';

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
  source: LogSource,
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
  // Processes stopped on purpose (restartContainer, stop): their exit is not a crash to restart.
  const stoppedOnPurpose = new WeakSet<ChildProcess>();
  const restarts = ports.map(() => ({ attempt: 0, timer: undefined as NodeJS.Timeout | undefined }));
  let stopping = false;
  // Supervision starts once every instance has answered: a failure to start at all is the start's.
  let up = false;
  // If this process exits without stop() (an uncaught error, a handler that exits at once), the
  // containers, each in a process group of its own, must not outlive it.
  const killOnExit = () => running().forEach(stopProcessGroupNow);
  process.once('exit', killOnExit);
  const stopAll = async () => {
    stopping = true;
    process.off('exit', killOnExit);
    for (const restart of restarts) clearTimeout(restart.timer);
    const children = running();
    for (const child of children) stoppedOnPurpose.add(child);
    // The containers first: the Worker stays up while their requests under way finish.
    await Promise.all(children.map((child) => stopProcessGroup(child)));
    await worker.dispose();
  };
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
      const startedAt = Date.now();
      if (options.supervise) {
        child.once('exit', (code, signal) => {
          if (!up || stopping || stoppedOnPurpose.has(child) || containers[index] !== child) return;
          superviseExit(index, Date.now() - startedAt, signal ? `signal ${signal}` : `code ${code}`);
        });
      }
      // A command that cannot run (no such file) is an 'error' event, which unhandled ends this process.
      child.once('error', (error) =>
        options.log?.('session', `${localInstanceName(index)} could not start: ${error.message}`, index),
      );
      pipeLines(child, 'container', options.log, index);
      await waitForOk(
        new URL(HEALTH_PATH, containerUrl),
        READY_TIMEOUT_MS,
        () => child.exitCode === null && child.signalCode === null,
      );
      return child;
    };
    const superviseExit = (index: number, ranForMs: number, how: string) => {
      const restart = restarts[index];
      if (!restart) return;
      if (ranForMs >= RESTART_RESET_AFTER_MS) restart.attempt = 0;
      restart.attempt += 1;
      const delay = restartDelayMs(restart.attempt);
      options.log?.(
        'session',
        `${localInstanceName(index)} exited (${how}); starting it again in ${delay / 1000} s (restart ${restart.attempt}); its requests get a 503 until then`,
        index,
      );
      restart.timer = setTimeout(() => {
        restart.timer = undefined;
        // A start that fails ends in the process's exit, which schedules the next attempt.
        if (!stopping) startContainer(index).catch(() => {});
      }, delay);
    };
    await Promise.all(ports.map((_, index) => startContainer(index)));
    up = true;
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
        const restart = restarts[instance];
        if (restart) clearTimeout(restart.timer);
        if (child) {
          stoppedOnPurpose.add(child);
          await stopProcessGroup(child);
        }
        await startContainer(instance);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
