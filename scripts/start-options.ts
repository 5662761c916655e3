/**
 * `npm start`'s command line and environment: the usage text, and the options read from them. A
 * mistake here is one line and the usage (exit 2), never a stack trace.
 */
import { parseArgs } from 'node:util';
import {
  CONTAINER_KINDS,
  type ContainerKind,
  isContainerKind,
  type PythonApp,
  parsePythonApp,
} from './container-process.ts';

export const MAX_INSTANCES = 16;

/** Every flag `npm start` takes (the usage below explains each; test/e2e/start.test.ts holds it to that). */
export const START_FLAGS = ['--instances', '--container', '--app', '--help'] as const;

/**
 * Every variable `npm start` reads, from the environment or from the DEV_VARS file: the usage and the
 * README name each (test/e2e/start.test.ts, test/repo/docs.test.ts).
 */
export const START_VARIABLES = [
  'PORT',
  'CONTAINER_PORT',
  'DEV_VARS',
  'PERSIST_TO',
  'PYTHON',
  'CLOUDFLARE_CF_FETCH_ENABLED',
  'WRANGLER_SEND_METRICS',
  'GATEWAY_DEV_TOKEN',
  'CONTAINER_DEV_URL',
] as const;
const DEFAULT_PORT = 8787;

export const USAGE = `Usage: npm start [-- options]     (or: node scripts/start.mjs [options])

The local session: the Worker under wrangler's dev server (local D1, KV and R2) and the container
process, at http://127.0.0.1:$PORT/api/*. A container process that exits is started again.
Ctrl-C stops everything.

Options:
  --instances N      container processes to spread /api/* over, 1 to ${MAX_INSTANCES} (default 1)
  --container KIND   ${CONTAINER_KINDS.join(' or ')}: container/ (default) or examples/python-fastapi/
  --app MODULE:APP   with --container python: your own ASGI app instead of the example, imported from
                     the directory you ran npm start in, reloaded when its files change
  -h, --help         this text

Environment:
  PORT               the Worker's port on 127.0.0.1 (default ${DEFAULT_PORT})
  CONTAINER_PORT     the first container process's port, the others take the ports after it
                     (default: free ports, chosen at each start)
  DEV_VARS           the session's variables file (default ./.dev.vars; written when missing)
  PERSIST_TO         where the local D1, KV and R2 data live (default .wrangler/state)
  PYTHON             the Python for --container python (default: .venv, then python3)
  CLOUDFLARE_CF_FETCH_ENABLED  false unless set: wrangler does not fetch Request.cf data from
                     workers.cloudflare.com (true fetches it)
  WRANGLER_SEND_METRICS        false unless set

In the DEV_VARS file:
  GATEWAY_DEV_TOKEN  the dev gateway's bearer token, at least 32 characters (made when missing)
  CONTAINER_DEV_URL  http://127.0.0.1:<port> of the first container process: fixes its port as
                     CONTAINER_PORT does (CONTAINER_PORT wins)`;

/** A mistake in the command line or the environment: its message is the one line to print. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface StartOptions {
  help: boolean;
  instances: number;
  container: ContainerKind;
  /** `--app`: the user's ASGI app, for `--container python`. */
  app: PythonApp | undefined;
  /** The Worker's port. */
  port: number;
  /** CONTAINER_PORT, when set. */
  containerPort: number | undefined;
  devVars: string;
  persistTo: string | undefined;
}

/** A TCP port from a variable or a URL: a whole number from 1 to 65535. */
export function parsePort(value: string, name: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UsageError(`${name} must be a port number from 1 to 65535, not "${value}"`);
  }
  return port;
}

export function parseStartOptions(argv: readonly string[], env: NodeJS.ProcessEnv): StartOptions {
  let values: { instances?: string; container?: string; app?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        instances: { type: 'string' },
        container: { type: 'string' },
        app: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // parseArgs's messages say what was wrong and, for a flag, how to pass a value that looks like one.
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const instancesText = values.instances ?? '1';
  const instances = Number(instancesText);
  if (!/^\d+$/.test(instancesText) || instances < 1 || instances > MAX_INSTANCES) {
    throw new UsageError(
      `--instances must be a whole number from 1 to ${MAX_INSTANCES}, not "${instancesText}"`,
    );
  }
  const container = values.container ?? 'node';
  if (!isContainerKind(container)) {
    throw new UsageError(`--container is one of ${CONTAINER_KINDS.join(', ')}, not "${container}"`);
  }
  // npm runs scripts from the package root; the user's module is where they typed `npm start`.
  const app =
    values.app === undefined ? undefined : parsePythonApp(values.app, env.INIT_CWD ?? process.cwd());
  if (typeof app === 'string') throw new UsageError(app);
  if (app && container !== 'python') throw new UsageError('--app needs --container python');
  return {
    help: values.help ?? false,
    instances,
    container,
    app,
    port: env.PORT ? parsePort(env.PORT, 'PORT') : DEFAULT_PORT,
    containerPort: env.CONTAINER_PORT ? parsePort(env.CONTAINER_PORT, 'CONTAINER_PORT') : undefined,
    devVars: env.DEV_VARS || '.dev.vars',
    persistTo: env.PERSIST_TO || undefined,
  };
}
