import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../scripts/local-session.ts';
import { commandLine, descendants, freePort, isAlive, isListening } from './helpers.ts';

// `npm start` as a user runs it: a fresh .dev.vars, migrations, both processes, and Ctrl-C (SIGINT).

let start: ChildProcess | undefined;
const dirs: string[] = [];

afterEach(() => {
  if (start?.pid && start.exitCode === null) start.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function runStart(env: Record<string, string>, args: string[] = []) {
  let output = '';
  start = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
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
      const [port, containerPort] = [await freePort(), await freePort()];
      const devVars = path.join(dir, '.dev.vars');
      const { child, output } = runStart({
        PORT: String(port),
        CONTAINER_PORT: String(containerPort),
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
      expect(vars).toContain(`CONTAINER_DEV_URL=http://127.0.0.1:${containerPort}`);

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
      expect(started.length).toBeGreaterThanOrEqual(2); // at least workerd and the container process
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(output()).toContain('Stopped.');
      // Helpers such as esbuild's service process end when their parent's pipes close: allow a moment.
      await vi.waitFor(() => expect(started.filter(isAlive).map(commandLine)).toEqual([]), {
        timeout: 5_000,
      });
      expect(await isListening(port)).toBe(false);
      expect(await isListening(containerPort)).toBe(false);
    },
  );

  it('starts three container processes with --instances 3, spreads /api/* over them, and SIGINT stops them all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'binding-gateway-start-'));
    dirs.push(dir);
    const port = await freePort();
    // Three consecutive ports from a free one: the start fails loudly if one of the others is taken.
    const containerPort = await freePort();
    const { child, output } = runStart(
      {
        PORT: String(port),
        CONTAINER_PORT: String(containerPort),
        DEV_VARS: path.join(dir, '.dev.vars'),
        PERSIST_TO: path.join(dir, 'state'),
      },
      ['--instances', '3'],
    );
    await vi.waitFor(() => expect(output()).toContain('Local session ready'), {
      timeout: 60_000,
      interval: 200,
    });
    expect(output()).toContain(`3 container instances (ports ${containerPort}–${containerPort + 2})`);
    for (const offset of [0, 1, 2]) expect(await isListening(containerPort + offset)).toBe(true);

    const served = new Set<string | null>();
    for (let i = 0; i < 30 && served.size < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/api/users`);
      expect(response.status).toBe(200);
      served.add(response.headers.get('x-container-instance'));
    }
    expect(served).toEqual(new Set(['instance-0', 'instance-1', 'instance-2']));

    const started = descendants(child.pid as number);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    await vi.waitFor(() => expect(started.filter(isAlive).map(commandLine)).toEqual([]), { timeout: 5_000 });
    for (const offset of [0, 1, 2]) expect(await isListening(containerPort + offset)).toBe(false);
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
});
