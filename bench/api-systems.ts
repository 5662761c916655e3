/**
 * The three systems `npm run bench:api` compares, each a container process on 127.0.0.1 behind the
 * one bench Worker: (a) the original (bench/original/: the seed's FastAPI app over the public JSON
 * endpoints, a new httpx client per call), (b) the FastAPI app on the Python client
 * (examples/python-fastapi/), (c) the Node app (container/server.ts) on `env.DB`. (b) and (c) start
 * as the local session starts them (scripts/container-process.ts) and reach the gateway's token route.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { containerCommand, PYTHON_APP_MODULES } from '../scripts/container-process.ts';
import { freePorts } from '../scripts/ports.ts';
import { findPython } from '../scripts/python.ts';
import { DEV_GATEWAY_PATH, HEALTH_PATH } from '../shared/transport.ts';
import { send } from './api-http.ts';
import { BENCH_DIR } from './server.ts';

const ROOT = path.resolve(BENCH_DIR, '..');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export const SYSTEMS = {
  original: '(a) the original: seed FastAPI app, JSON endpoints, new httpx client per call',
  python: '(b) FastAPI app on the Python client (examples/python-fastapi)',
  node: '(c) Node app on env.DB (container/server.ts)',
} as const;
export type SystemName = keyof typeof SYSTEMS;
export const SYSTEM_NAMES = Object.keys(SYSTEMS) as SystemName[];

export interface RunningSystem {
  name: SystemName;
  port: number;
  /** What a POST that added a user answers: the seed's app leaves FastAPI's default 200. */
  createdStatus: number;
  /** The Node container only: its in-process timing of its own env.DB call (api-container-probe.ts). */
  probePort?: number;
  stop(): Promise<void>;
}

function command(name: SystemName, port: number, workerUrl: URL, token: string, probePort: number) {
  if (name === 'original') {
    const found = findPython(ROOT, PYTHON_APP_MODULES);
    if (!found.ok) throw new Error(`the original system needs Python: ${found.reason}`);
    return {
      command: found.python,
      args: ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(port), '--no-access-log'],
      cwd: path.join(BENCH_DIR, 'original'),
      env: { WORKER_URL: workerUrl.origin, PYTHONUNBUFFERED: '1' },
    };
  }
  const kind = containerCommand(name, ROOT, port);
  // The Node container is started as the session starts it, with the bench's probe loaded beside it.
  const probe = name === 'node' ? ['--import', path.join(BENCH_DIR, 'api-container-probe.ts')] : [];
  return {
    ...kind,
    args: [...probe, ...kind.args],
    env: {
      ...kind.env,
      ...(name === 'node' ? { BENCH_PROBE_PORT: String(probePort) } : {}),
      GATEWAY_URL: new URL(DEV_GATEWAY_PATH, workerUrl).href,
      GATEWAY_TOKEN: token,
      GATEWAY_DEV_CALLER: `bench-${name}`,
    },
  };
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Starts one system's container process and waits until it answers; its output only if it fails.
 * The port is free when chosen but may be taken before the process binds it (other processes on
 * this machine start servers too): a process that exits before it answers is started again once,
 * on another port.
 */
export async function startSystem(name: SystemName, workerUrl: URL, token: string): Promise<RunningSystem> {
  try {
    return await startOnce(name, workerUrl, token);
  } catch (error) {
    if (!(error instanceof ExitedEarly)) throw error;
    return startOnce(name, workerUrl, token);
  }
}

class ExitedEarly extends Error {
  override name = 'ExitedEarly';
}

async function startOnce(name: SystemName, workerUrl: URL, token: string): Promise<RunningSystem> {
  const [port, probePort] = (await freePorts(2)) as [number, number];
  const spec = command(name, port, workerUrl, token, probePort);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    // A process group of its own, so that stopping it stops all it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env },
  });
  const killOnExit = () => stopGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
    });
  }
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    stopGroup(child, 'SIGTERM');
    const timer = setTimeout(() => stopGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  // The original has no health route; its users route answers once its startup (CREATE TABLE) ran.
  const readyPath = name === 'original' ? '/api/users' : HEALTH_PATH;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const answer = await send(new URL(readyPath, `http://127.0.0.1:${port}`), { agent: false });
      // Its own answer, not another server's that took the port: the health route's or the users'.
      if (answer.status === 200 && /^\{"(ok|users)":/.test(answer.body) && child.exitCode === null) {
        return {
          name,
          port,
          createdStatus: name === 'original' ? 200 : 201,
          ...(name === 'node' ? { probePort } : {}),
          stop,
        };
      }
      last = `HTTP ${answer.status}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(100);
  }
  const exited = child.exitCode !== null;
  await stop();
  const message = `${SYSTEMS[name]} did not start (${exited ? 'it exited' : last}):\n${tail.join('\n')}`;
  throw exited ? new ExitedEarly(message) : new Error(message);
}
