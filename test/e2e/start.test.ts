import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../scripts/local-session.ts';
import { START_FLAGS, START_VARIABLES } from '../../scripts/start-options.ts';
import { commandLine, descendants, freePort, isAlive, isListening } from './helpers.ts';

// `npm start` as a user runs it: scripts/start.mjs in a process group of its own, as a terminal runs
// it, a fresh .dev.vars, migrations, both processes, and Ctrl-C (SIGINT to the whole group, as a
// terminal sends it).

let start: ChildProcess | undefined;
const dirs: string[] = [];

afterEach(() => {
  if (start?.pid && start.exitCode === null) process.kill(-start.pid, 'SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What a normal start and stop must not print: stack traces, wrangler's crash line, lookups. */
function expectQuiet(output: string) {
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/crashed/i);
  expect(output).not.toContain('ENOTFOUND');
  expect(output).not.toContain('Request.cf');
}

/** The container process of a local instance, found by the instance name in its environment. */
function instancePid(root: number, name: string): number | undefined {
  return descendants(root).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`GATEWAY_DEV_CALLER=${name}`);
    } catch {
      return false;
    }
  });
}

function runStart(env: Record<string, string>, args: string[] = []) {
  let output = '';
  start = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  start.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  start.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return { child: start, output: () => output };
}

describe('npm start', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'serves /api/users through the Worker, and %s leaves no process behind',
    async (signal) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'binding-gateway-start-'));
      dirs.push(dir);
      const port = await freePort();
      const devVars = path.join(dir, '.dev.vars');
      const { child, output } = runStart({
        PORT: String(port),
        DEV_VARS: devVars,
        PERSIST_TO: path.join(dir, 'state'),
      });

      await vi.waitFor(() => expect(output()).toContain('Local session ready'), {
        timeout: 45_000,
        interval: 200,
      });
      expect(output()).toContain(`http://127.0.0.1:${port}/api/users`);
      const vars = readFileSync(devVars, 'utf8');
      expect(vars).toMatch(/^GATEWAY_DEV_TOKEN=[0-9a-f]{64}$/m);
      // No container port is fixed: a free one is chosen at each start.
      expect(vars).not.toContain('CONTAINER_DEV_URL');
      const containerPort = Number(/"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(output())?.[1]);
      expect(await isListening(containerPort)).toBe(true);

      const created = await fetch(`http://127.0.0.1:${port}/api/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com', name: 'Ada' }),
      });
      expect(created.status).toBe(201);
      const listed = (await (await fetch(`http://127.0.0.1:${port}/api/users`)).json()) as {
        users: unknown[];
      };
      expect(listed.users).toHaveLength(1);

      const started = descendants(child.pid as number);
      expect(started.length).toBeGreaterThanOrEqual(3); // the session, workerd and the container process
      process.kill(-(child.pid as number), signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(output()).toContain('Stopped.');
      expectQuiet(output());
      // Helpers such as esbuild's service process end when their parent's pipes close: allow a moment.
      await vi.waitFor(() => expect(started.filter(isAlive).map(commandLine)).toEqual([]), {
        timeout: 5_000,
      });
      expect(await isListening(port)).toBe(false);
      expect(await isListening(containerPort)).toBe(false);
    },
  );

  it('starts three container processes with --instances 3, starts one that is killed again while the others serve, and SIGINT stops them all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'binding-gateway-start-'));
    dirs.push(dir);
    const port = await freePort();
    const { child, output } = runStart(
      { PORT: String(port), DEV_VARS: path.join(dir, '.dev.vars'), PERSIST_TO: path.join(dir, 'state') },
      ['--instances', '3'],
    );
    await vi.waitFor(() => expect(output()).toContain('Local session ready'), {
      timeout: 60_000,
      interval: 200,
    });
    const ports = /3 container instances \(ports (\d+), (\d+), (\d+)\)/.exec(output())?.slice(1).map(Number);
    expect(ports).toHaveLength(3);
    for (const containerPort of ports ?? []) expect(await isListening(containerPort)).toBe(true);

    const get = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/users`);
      return {
        status: response.status,
        instance: response.headers.get('x-container-instance'),
        body: (await response.json()) as unknown,
      };
    };
    const served = new Set<string | null>();
    for (let i = 0; i < 30 && served.size < 3; i++) {
      const answer = await get();
      expect(answer.status).toBe(200);
      served.add(answer.instance);
    }
    expect(served).toEqual(new Set(['instance-0', 'instance-1', 'instance-2']));

    // instance-1's process dies, as a Container can: the session goes on.
    const victim = instancePid(child.pid as number, 'instance-1');
    if (victim === undefined) return expect.unreachable('instance-1 has no process');
    process.kill(-victim, 'SIGKILL');
    await vi.waitFor(() => expect(output()).toMatch(/instance-1 exited \(signal SIGKILL\)/), {
      timeout: 5_000,
    });
    // Until it is back, its requests get the Worker's JSON 503 and the others answer.
    const meanwhile = await Promise.all(Array.from({ length: 12 }, get));
    for (const answer of meanwhile) {
      if (answer.status === 503) {
        expect(answer.instance).toBe('instance-1');
        expect(answer.body).toEqual({ error: 'the API container is not reachable; try again shortly' });
      } else {
        expect(answer.status).toBe(200);
      }
    }
    expect(meanwhile.some((answer) => answer.instance !== 'instance-1' && answer.status === 200)).toBe(true);
    // Started again on its port: three instances serve again, and the restart was one line.
    await vi.waitFor(
      async () => {
        const answer = await get();
        expect(answer).toMatchObject({ status: 200, instance: 'instance-1' });
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(child.exitCode).toBeNull();
    expect(output().match(/exited \(/g)).toHaveLength(1);
    expect(instancePid(child.pid as number, 'instance-1')).not.toBe(victim);

    const started = descendants(child.pid as number);
    process.kill(-(child.pid as number), 'SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expectQuiet(output());
    await vi.waitFor(() => expect(started.filter(isAlive).map(commandLine)).toEqual([]), { timeout: 5_000 });
    for (const containerPort of ports ?? []) expect(await isListening(containerPort)).toBe(false);
  });

  it('refuses to start with a GATEWAY_DEV_TOKEN shorter than 32 characters', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'binding-gateway-start-'));
    dirs.push(dir);
    const devVars = path.join(dir, '.dev.vars');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(devVars, 'GATEWAY_DEV_TOKEN=short\nCONTAINER_DEV_URL=http://127.0.0.1:1\n');
    const { child, output } = runStart({ PORT: String(await freePort()), DEV_VARS: devVars });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(output()).toMatch(/shorter than 32 characters/);
    expect(existsSync(path.join(dir, 'state'))).toBe(false);
  });

  it('lists every flag and variable with --help, and exits 0', async () => {
    const { child, output } = runStart({}, ['--help']);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    for (const name of [...START_FLAGS, ...START_VARIABLES]) expect(output()).toContain(name);
  });

  it.each([
    [['--contianer', 'python'], "Unknown option '--contianer'"],
    [['--instances', 'three'], '--instances must be a whole number from 1 to 16, not "three"'],
    [['--container', 'ruby'], '--container is one of node, python, not "ruby"'],
  ])('answers %j with one line and the usage, exit 2, no stack trace', async (args, line) => {
    const { child, output } = runStart({}, args);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(output().split('\n')[0]).toBe(`npm start: ${line}`);
    expect(output()).toContain('Usage: npm start');
    expect(output()).not.toMatch(/^\s+at /m);
  });

  it("exits 1 within seconds, naming the port and how to pick another, when the Worker's port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const began = Date.now();
      const { child, output } = runStart({
        PORT: String(taken),
        DEV_VARS: path.join(ROOT, 'no-such-dir', 'x'),
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(Date.now() - began).toBeLessThan(15_000);
      expect(output().trim()).toBe(
        `npm start: port ${taken} (the Worker's) is in use: stop what holds it, or pick another, e.g. PORT=${taken + 1} npm start`,
      );
    } finally {
      blocker.close();
    }
  });

  it('names a fixed container port that is taken, and its setting, in one line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'binding-gateway-start-'));
    dirs.push(dir);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const { child, output } = runStart({
        PORT: String(await freePort()),
        CONTAINER_PORT: String(taken),
        DEV_VARS: path.join(dir, '.dev.vars'),
        PERSIST_TO: path.join(dir, 'state'),
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(output()).toContain(
        `npm start: port ${taken} (CONTAINER_PORT) is in use: set CONTAINER_PORT to another port, or remove it to have free ports chosen`,
      );
      expect(output()).not.toMatch(/^\s+at /m);
      expect(existsSync(path.join(dir, 'state'))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
