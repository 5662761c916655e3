import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalSession, ROOT, startLocalSession, waitForOk } from '../../scripts/local-session.ts';
import { findPython } from '../../scripts/python.ts';
import { CONTAINER_API_MAX_BODY_BYTES } from '../../shared/limits.ts';
import { DEV_GATEWAY_PATH } from '../../shared/transport.ts';
import { freePort } from './helpers.ts';
import { usersApiBehaviour } from './users-api.ts';

// Every language is a caller: the original Python app (examples/python-fastapi) runs in the local
// session in place of the Node container, on the Python client (clients/python), and the client's
// own tests (pytest) run against the same live gateway. Needs a Python with the packages
// scripts/python-deps.sh installs. Without them this tier is skipped with one line saying so, except in
// CI (.ci/run installs them), where a missing package fails the run.

const run = promisify(execFile);
const found = findPython(ROOT);
if (!found.ok) {
  if (process.env.CI) throw new Error(`CI needs the Python tier: ${found.reason}`);
  console.warn(`\n  SKIPPED the Python tier (test/e2e/python.test.ts): ${found.reason}\n`);
}
const PYTHON = found.ok ? found.python : '';
const CLIENT = path.join(ROOT, 'clients', 'python');
const EXAMPLE = path.join(ROOT, 'examples', 'python-fastapi');

let session: LocalSession;
let state: string;
const token = randomBytes(32).toString('hex');
const api = (pathname: string) => new URL(pathname, session.url);

/** Runs Debian's Python; the exit code and everything it printed, for the assertion's message. */
async function python(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  try {
    const { stdout, stderr } = await run(PYTHON, args, {
      cwd: options.cwd,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...options.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  if (!found.ok) return;
  state = mkdtempSync(path.join(tmpdir(), 'binding-gateway-python-'));
  session = await startLocalSession({
    port: 0,
    containerPort: await freePort(),
    token,
    container: 'python',
    persistTo: state,
    workerLog: (level, message) => level === 'error' && console.error(message),
  });
});

afterAll(async () => {
  await session?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe.runIf(found.ok)('the original Python app through the Worker and the gateway', () => {
  usersApiBehaviour(() => session.url);

  it('answers with the request id it was sent, and 404 for a path it does not serve', async () => {
    const response = await fetch(api('/api/users'), { headers: { 'x-request-id': 'from-the-browser-1' } });
    expect(response.headers.get('x-request-id')).toBe('from-the-browser-1');
    const missing = await fetch(api('/api/nothing-here'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });

  it('refuses a body over the limit on any route, not only where it is read', async () => {
    const limit = CONTAINER_API_MAX_BODY_BYTES;
    for (const pathname of ['/api/users', '/api/nothing-here']) {
      const over = await fetch(api(pathname), { method: 'POST', body: 'x'.repeat(limit + 1) });
      expect(over.status, pathname).toBe(413);
      expect(await over.json()).toEqual({ error: `the body is over ${limit} bytes` });
    }
  });
});

describe.runIf(found.ok)('the Python client', () => {
  it('passes its tests (pytest) against the live gateway', async () => {
    const { code, output } = await python(['-m', 'pytest', 'tests', '-q', '-p', 'no:cacheprovider'], {
      cwd: CLIENT,
      env: { GATEWAY_URL: api(DEV_GATEWAY_PATH).href, GATEWAY_TOKEN: token },
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/\d+ passed/);
  }, 120_000);

  it('and the example app type-check under mypy --strict', async () => {
    const { code, output } = await python(
      [
        '-m',
        'mypy',
        '--strict',
        '--cache-dir',
        path.join(state, 'mypy'),
        'binding_gateway',
        'tests',
        EXAMPLE,
      ],
      { cwd: CLIENT, env: { MYPYPATH: CLIENT } },
    );
    expect(code, output).toBe(0);
  }, 120_000);
});

describe.runIf(found.ok)("the Python app's image steps, without Docker", () => {
  it('run with only what the Dockerfile copies, and answer the health route', async () => {
    // The Dockerfile's COPY lines, applied to an empty directory as its WORKDIR.
    const image = mkdtempSync(path.join(tmpdir(), 'binding-gateway-python-image-'));
    try {
      const dockerfile = readFileSync(path.join(EXAMPLE, 'Dockerfile'), 'utf8');
      const copies = [...dockerfile.matchAll(/^COPY\s+(\S+)\s+(\S+)\s*$/gm)];
      expect(copies.length).toBeGreaterThan(0);
      for (const [, from = '', to = ''] of copies) {
        const target = to.endsWith('/') ? path.join(image, to, path.basename(from)) : path.join(image, to);
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(path.join(ROOT, from), target, { recursive: true });
      }
      const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
      expect(cmd[0]).toBe('uvicorn');
      const port = await freePort();
      const args = cmd
        .slice(1)
        .map((arg, i, all) =>
          all[i - 1] === '--host' ? '127.0.0.1' : all[i - 1] === '--port' ? String(port) : arg,
        );
      const child: ChildProcess = spawn(PYTHON, ['-m', 'uvicorn', ...args], {
        cwd: image,
        // Nothing from this repository on the path: the image has only what was copied.
        env: {
          PATH: process.env.PATH,
          PYTHONDONTWRITEBYTECODE: '1',
          GATEWAY_URL: api(DEV_GATEWAY_PATH).href,
        },
        stdio: 'ignore',
      });
      try {
        await waitForOk(new URL(`http://127.0.0.1:${port}/health`), 20_000, () => child.exitCode === null);
        expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ok: true });
      } finally {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
      // uvicorn before 0.29 exits 0 on SIGTERM; later ones shut down, then re-raise the signal.
      expect({ code: child.exitCode, signal: child.signalCode }).toSatisfy(
        ({ code, signal }: { code: number | null; signal: string | null }) =>
          code === 0 || signal === 'SIGTERM',
      );
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });
});

describe.runIf(found.ok)('npm start -- --container python', () => {
  it('serves /api/users from the Python app, and SIGINT stops it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'binding-gateway-start-python-'));
    const [port, containerPort] = [await freePort(), await freePort()];
    let output = '';
    const start = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.ts'), '--container', 'python'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        CONTAINER_PORT: String(containerPort),
        DEV_VARS: path.join(dir, '.dev.vars'),
        PERSIST_TO: path.join(dir, 'state'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    start.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    try {
      await vi.waitFor(() => expect(output).toContain('Local session ready'), {
        timeout: 60_000,
        interval: 200,
      });
      const users = await fetch(`http://127.0.0.1:${port}/api/users`);
      expect(users.status).toBe(200);
      // uvicorn names itself; the Node container does not.
      expect(users.headers.get('server')).toBe('uvicorn');
      start.kill('SIGINT');
      const [code] = (await once(start, 'exit')) as [number | null];
      expect(code, output).toBe(0);
    } finally {
      if (start.exitCode === null) start.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe.runIf(found.ok)('npm start -- --container python --app module:app', () => {
  it("runs the user's own ASGI app from where npm was started, and reloads it when it changes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'binding-gateway-start-app-'));
    const app = (word: string) =>
      [
        'from fastapi import FastAPI',
        'from binding_gateway import create_gateway_env',
        'env = create_gateway_env()',
        'app = FastAPI()',
        '@app.get("/health")',
        'async def health() -> dict[str, bool]:',
        '    return {"ok": True}',
        '@app.get("/api/word")',
        'async def word() -> dict[str, object]:',
        `    return {"word": "${word}", "n": await env.DB.prepare("SELECT 2 AS n").first("n")}`,
        '',
      ].join('\n');
    writeFileSync(path.join(dir, 'main.py'), app('first'));
    const [port, containerPort] = [await freePort(), await freePort()];
    let output = '';
    const start = spawn(
      process.execPath,
      [path.join(ROOT, 'scripts', 'start.ts'), '--container', 'python', '--app', 'main:app'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          INIT_CWD: dir,
          PORT: String(port),
          CONTAINER_PORT: String(containerPort),
          DEV_VARS: path.join(dir, '.dev.vars'),
          PERSIST_TO: path.join(dir, 'state'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    start.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    start.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const word = async () => (await fetch(`http://127.0.0.1:${port}/api/word`)).json();
    try {
      await vi.waitFor(() => expect(output).toContain('Local session ready'), {
        timeout: 60_000,
        interval: 200,
      });
      expect(await word()).toEqual({ word: 'first', n: 2 });
      writeFileSync(path.join(dir, 'main.py'), app('second'));
      await vi.waitFor(async () => expect(await word()).toEqual({ word: 'second', n: 2 }), {
        timeout: 20_000,
        interval: 250,
      });
      start.kill('SIGINT');
      const [code] = (await once(start, 'exit')) as [number | null];
      expect(code, output).toBe(0);
    } finally {
      if (start.exitCode === null) start.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses an --app that is not module:attribute, before anything starts', async () => {
    const refused = await run(process.execPath, [
      path.join(ROOT, 'scripts', 'start.ts'),
      '--container',
      'python',
      '--app',
      'main.py',
    ]).catch((error: { code?: number; stderr?: string }) => error);
    // A usage mistake: one line and the usage, exit 2 (scripts/start-options.ts).
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('module:attribute') });
  });
});
