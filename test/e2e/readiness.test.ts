import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ContainerKind, containerCommand, PYTHON_APP_MODULES } from '../../scripts/container-process.ts';
import { ROOT, waitForOk } from '../../scripts/local-session.ts';
import { findPython } from '../../scripts/python.ts';
import { transformer } from '../../shared/index.ts';
import { freePort } from './helpers.ts';

// The container's readiness self-test (container/readiness.ts), on the real container process:
// when no gateway answers gateway.info, one log line names the likely causes and /api/* answers a
// JSON 503 with that reason, at once, instead of waiting for its calls' deadlines. The Python app
// (examples/python-fastapi) does the same, where a Python with its packages is here.

const KINDS: ContainerKind[] = findPython(ROOT, PYTHON_APP_MODULES).ok ? ['node', 'python'] : ['node'];

const started: (ChildProcess | Server)[] = [];

afterEach(async () => {
  for (const thing of started.splice(0)) {
    if (thing instanceof Server) thing.close();
    else if (thing.exitCode === null) {
      thing.kill('SIGTERM');
      await once(thing, 'exit');
    }
  }
});

/** A container process, with `env` over a clean environment; its log lines (stdout and stderr) collected. */
async function startContainer(
  env: Record<string, string>,
  kind: ContainerKind = 'node',
): Promise<{ port: number; lines: string[] }> {
  const port = await freePort();
  const command = containerCommand(kind, ROOT, port);
  const child = spawn(command.command, command.args, {
    cwd: command.cwd,
    env: { PATH: process.env.PATH, ...command.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (text: string) => lines.push(...text.split('\n').filter(Boolean)));
  }
  await waitForOk(new URL(`http://127.0.0.1:${port}/health`), 20_000, () => child.exitCode === null);
  return { port, lines };
}

/** A stand-in gateway on `port` answering every gateway.info; the real one needs a Worker. */
async function gatewayOn(port: number): Promise<void> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const info = {
      contractVersion: 'any',
      bindings: { d1: [], kv: [], r2: [] },
      caller: { transport: 'dev', id: 'x' },
    };
    response.end(JSON.stringify([{ result: { data: transformer.serialize(info) } }]));
  });
  started.push(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
}

const unreachable = (errors: string[]) => errors.filter((line) => line.includes('"gateway_unreachable"'));

describe('the readiness self-test', () => {
  it.each(KINDS)(
    'answers /api/* with a JSON 503 naming placement.region and a shadowing catch-all when gateway.internal does not answer (%s)',
    async (kind) => {
      // No GATEWAY_URL: http://gateway.internal/trpc, which nothing intercepts outside a Container.
      const { port, lines: errors } = await startContainer({}, kind);
      const response = await fetch(`http://127.0.0.1:${port}/api/users`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: string; reason: string };
      expect(body.error).toBe('the storage gateway is not reachable');
      expect(body.reason).toMatch(/^no gateway answered gateway\.info at http:\/\/gateway\.internal\/trpc/);
      expect(body.reason).toContain('placement.region');
      expect(body.reason).toContain('cloudflare/containers#226');
      expect(body.reason).toContain('cloudflare/sandbox-sdk#720');
      expect(JSON.parse(unreachable(errors)[0] ?? '{}')).toEqual({
        event: 'gateway_unreachable',
        reason: body.reason,
      });
    },
  );

  it('serves /api/* once a gateway answers, having logged the failure once', async () => {
    const gatewayPort = await freePort();
    const { port, lines: errors } = await startContainer({
      GATEWAY_URL: `http://127.0.0.1:${gatewayPort}/trpc`,
    });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/api/users`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { reason: string }).reason).toContain('the Worker is not running');
    }
    expect(unreachable(errors)).toHaveLength(1);
    await gatewayOn(gatewayPort);
    // Each request runs the test again while it fails: the next one finds the gateway.
    await vi.waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/users`);
      // Past readiness: what the stand-in makes of the users query is not the question here.
      expect(await response.json()).not.toMatchObject({ error: 'the storage gateway is not reachable' });
    });
    expect(errors.some((line) => line.includes('"gateway_reachable"'))).toBe(true);
  });
});
