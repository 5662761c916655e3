/**
 * `npm start`: the local session (`npm start -- --help` lists the options and variables). Writes
 * `.dev.vars` with a random token when it is missing, applies the migrations locally, starts the
 * Worker and the container processes, waits until `/api/users` answers through both, starts a
 * container process that exits again (local-session.ts), and stops everything on Ctrl-C or SIGTERM.
 *
 * Run through scripts/start.mjs, which checks the Node version and runs this in a process group of
 * its own: a terminal's Ctrl-C then reaches this process alone, which stops the containers and then
 * the Worker, instead of reaching workerd directly (wrangler would report that as a crash).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { DEV_TOKEN_MIN_LENGTH } from '../shared/transport.ts';
import { containerCommand, MissingPythonError } from './container-process.ts';
import type { LocalSession } from './local-session.ts';
import { freePorts, portIsFree } from './ports.ts';
import { parsePort, parseStartOptions, type StartOptions, USAGE, UsageError } from './start-options.ts';

process.env.WRANGLER_SEND_METRICS ??= 'false';

const ROOT = path.resolve(import.meta.dirname, '..');

/** A failure the user can act on: its message is the one line printed (exit 1). */
class StartError extends Error {
  override name = 'StartError';
}

/** Reads the DEV_VARS file, adding a token when it has none; refuses one that is too short. */
function loadDevVars(devVarsPath: string): { token: string; containerDevUrl: string | undefined } {
  const text = existsSync(devVarsPath) ? readFileSync(devVarsPath, 'utf8') : '';
  const vars = parseEnv(text) as Record<string, string | undefined>;
  if (vars.GATEWAY_DEV_TOKEN === undefined) {
    vars.GATEWAY_DEV_TOKEN = randomBytes(32).toString('hex');
    const header = text
      ? ''
      : '# Local session only (npm start). Never in wrangler.toml. See .dev.vars.example.\n';
    const separator = text && !text.endsWith('\n') ? '\n' : '';
    writeFileSync(devVarsPath, `${text}${separator}${header}GATEWAY_DEV_TOKEN=${vars.GATEWAY_DEV_TOKEN}\n`, {
      mode: 0o600,
    });
    console.log(`Wrote ${path.relative(ROOT, devVarsPath) || devVarsPath}: GATEWAY_DEV_TOKEN`);
  }
  if (vars.GATEWAY_DEV_TOKEN.length < DEV_TOKEN_MIN_LENGTH) {
    throw new StartError(
      `GATEWAY_DEV_TOKEN in ${devVarsPath} is shorter than ${DEV_TOKEN_MIN_LENGTH} characters; remove it and a new one is made`,
    );
  }
  return { token: vars.GATEWAY_DEV_TOKEN, containerDevUrl: vars.CONTAINER_DEV_URL?.trim() || undefined };
}

/** The first container port the user fixed (CONTAINER_PORT, or CONTAINER_DEV_URL in the DEV_VARS file). */
function fixedContainerPort(
  options: StartOptions,
  containerDevUrl: string | undefined,
  devVarsPath: string,
): { port: number; setting: string } | undefined {
  if (options.containerPort !== undefined) return { port: options.containerPort, setting: 'CONTAINER_PORT' };
  if (containerDevUrl === undefined) return undefined;
  const setting = `CONTAINER_DEV_URL in ${path.relative(ROOT, devVarsPath) || devVarsPath}`;
  const first = containerDevUrl.split(',')[0]?.trim() ?? '';
  let url: URL;
  try {
    url = new URL(first);
  } catch {
    throw new StartError(`${setting} is not a URL: "${first}"`);
  }
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    throw new StartError(`${setting} must point at this machine (127.0.0.1), not ${url.host}`);
  }
  return { port: parsePort(url.port || '80', setting), setting };
}

/** The container processes' ports: the ones the user fixed, each checked free, or free ones. */
async function containerPorts(
  options: StartOptions,
  fixed: { port: number; setting: string } | undefined,
): Promise<number[]> {
  if (!fixed) return freePorts(options.instances);
  const ports = Array.from({ length: options.instances }, (_, i) => fixed.port + i);
  for (const port of ports) {
    if (port > 65_535) throw new StartError(`${fixed.setting}: port ${port} is past 65535`);
    if (!(await portIsFree(port))) {
      throw new StartError(
        `port ${port} (${fixed.setting}${port === fixed.port ? '' : ` + ${port - fixed.port}`}) is in use: set ${fixed.setting} to another port, or remove it to have free ports chosen`,
      );
    }
  }
  return ports;
}

async function main(options: StartOptions): Promise<void> {
  // Before anything starts: a Python app without its packages would only time out later.
  try {
    containerCommand(options.container, ROOT, 0, options.app);
  } catch (error) {
    if (error instanceof MissingPythonError) throw new StartError(error.message);
    throw error;
  }
  if (!(await portIsFree(options.port))) {
    throw new StartError(
      `port ${options.port} (the Worker's) is in use: stop what holds it, or pick another, e.g. PORT=${options.port + 1} npm start`,
    );
  }
  const devVarsPath = path.resolve(ROOT, options.devVars);
  const { token, containerDevUrl } = loadDevVars(devVarsPath);
  const ports = await containerPorts(options, fixedContainerPort(options, containerDevUrl, devVarsPath));
  const many = options.instances > 1;
  // wrangler is loaded only now: --help, a mistyped flag and a taken port answer without it, at once.
  const { localInstanceName, startLocalSession, waitForOk } = await import('./local-session.ts');

  let session: LocalSession | undefined;
  let stopping: string | undefined;
  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = reason;
    if (!session) return; // still starting: stopped as soon as the start returns
    console.log(`Stopping (${reason})...`);
    await session.stop();
    console.log('Stopped.');
    process.exit(code);
  };
  // Installed before anything starts, so that Ctrl-C during the start leaves no process behind, and
  // again after: wrangler adds handlers of its own that exit at once, before the container is stopped.
  const handleSignals = () => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.removeAllListeners(signal);
      process.once(signal, () => void stop(signal, 0));
    }
  };
  handleSignals();
  // Started by scripts/start.mjs: its end (even a SIGKILL) closes this pipe, and the session stops.
  if (process.env.BINDING_GATEWAY_LAUNCHER === '1') {
    process.stdin.on('close', () => void stop('npm start ended', 0)).resume();
  }

  session = await startLocalSession({
    port: options.port,
    containerPort: ports,
    token,
    container: options.container,
    app: options.app,
    persistTo: options.persistTo,
    supervise: true,
    log: (source, line, instance) =>
      console.log(`[${many && instance !== undefined ? localInstanceName(instance) : source}] ${line}`),
  });
  handleSignals();
  if (stopping) {
    const reason = stopping;
    stopping = undefined;
    return stop(reason, 0);
  }

  const users = new URL('/api/users', session.url);
  if (options.app) {
    // The session has waited for the app's health route; its own routes are its own.
    console.log(
      `\nLocal session ready: ${session.url.href} (${options.app.app}, reloaded when ${options.app.dir} changes)\n`,
    );
    return;
  }
  try {
    await waitForOk(users);
  } catch (error) {
    await stop('not ready', 1);
    throw error;
  }
  const spread = many
    ? `  ${options.instances} container instances (ports ${ports.join(', ')}); the x-container-instance header says which one answered\n`
    : '';
  console.log(
    `\nLocal session ready: ${users.href}\n${spread}  try: curl -X POST ${users.href} -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'\n`,
  );
}

let options: StartOptions;
try {
  options = parseStartOptions(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`npm start: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
main(options).catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
