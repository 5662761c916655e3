/**
 * The container processes the local session can run in place of a Container (no Docker here): the
 * Node API (container/, the default) or the original Python app on the Python client
 * (examples/python-fastapi/, `npm start -- --container python`). Both listen on 127.0.0.1 and
 * answer the health route; both reach the gateway at GATEWAY_URL with GATEWAY_TOKEN.
 * `--container python --app module:attr` runs the user's own ASGI app instead, from the directory
 * npm was started in, reloaded when its files change.
 */
import path from 'node:path';
import { findPython } from './python.ts';

export const CONTAINER_KINDS = ['node', 'python'] as const;
export type ContainerKind = (typeof CONTAINER_KINDS)[number];

/** What the Python app imports (scripts/python.ts finds the Python that has them). */
export const PYTHON_APP_MODULES = ['httpx', 'fastapi', 'uvicorn'] as const;

/** Raised when no Python here can run the Python app; its message says how to install what it needs. */
export class MissingPythonError extends Error {
  override name = 'MissingPythonError';
}

/** The user's own ASGI app: `module:attribute` (uvicorn's form), imported from `dir`. */
export interface PythonApp {
  readonly app: string;
  readonly dir: string;
}

const ASGI_APP = /^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$/;

/** `--app`'s value as uvicorn takes it, or a message saying what is wrong with it. */
export function parsePythonApp(value: string, dir: string): PythonApp | string {
  return ASGI_APP.test(value)
    ? { app: value, dir }
    : `--app is an ASGI app as module:attribute (e.g. main:app), not "${value}"`;
}

export function isContainerKind(value: unknown): value is ContainerKind {
  return CONTAINER_KINDS.includes(value as ContainerKind);
}

/** How to start a kind of container process listening on 127.0.0.1:port. */
export function containerCommand(
  kind: ContainerKind,
  root: string,
  port: number,
  app?: PythonApp,
): { command: string; args: string[]; cwd: string; env: Record<string, string> } {
  if (kind === 'python') {
    const found = findPython(root, PYTHON_APP_MODULES);
    if (!found.ok) throw new MissingPythonError(`--container python: ${found.reason}`);
    const listen = ['--host', '127.0.0.1', '--port', String(port), '--no-access-log'];
    return {
      command: found.python,
      args: app
        ? ['-m', 'uvicorn', app.app, ...listen, '--reload', '--reload-dir', app.dir]
        : ['-m', 'uvicorn', 'app:app', ...listen],
      cwd: app ? app.dir : path.join(root, 'examples', 'python-fastapi'),
      env: { PYTHONPATH: path.join(root, 'clients', 'python'), PYTHONUNBUFFERED: '1' },
    };
  }
  return {
    command: process.execPath,
    args: [path.join(root, 'container', 'server.ts')],
    cwd: root,
    env: { HOST: '127.0.0.1', PORT: String(port) },
  };
}
