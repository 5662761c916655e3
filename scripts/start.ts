/**
 * `npm start`: the local session. Writes `.dev.vars` with a random token when it is missing,
 * applies the migrations locally, starts the Worker and the container process, waits until
 * `/api/users` answers through both, and stops both on Ctrl-C or SIGTERM.
 *
 * `npm start -- --instances 3` starts three container processes, on the port of CONTAINER_DEV_URL
 * and the ports after it, each a caller of its own; the Worker spreads `/api/*` over them.
 * `npm start -- --container python` runs the original Python app (examples/python-fastapi/) in place
 * of the Node container; `--container python --app main:app` runs the user's own ASGI app (imported
 * from the directory npm was started in), reloaded when its files change.
 *
 * Environment: PORT (the Worker's, default 8787), CONTAINER_PORT (used when .dev.vars is written,
 * default 8000), DEV_VARS (default ./.dev.vars), PERSIST_TO (default wrangler's .wrangler/state).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { CONTAINER_PORT, DEV_TOKEN_MIN_LENGTH } from '../shared/transport.ts';
import {
  CONTAINER_KINDS,
  type ContainerKind,
  containerCommand,
  isContainerKind,
  MissingPythonError,
  type PythonApp,
  parsePythonApp,
} from './container-process.ts';
import { type LocalSession, localInstanceName, ROOT, startLocalSession, waitForOk } from './local-session.ts';

process.env.WRANGLER_SEND_METRICS ??= 'false';

const port = Number(process.env.PORT ?? 8787);
const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '1' },
    container: { type: 'string', default: 'node' },
    app: { type: 'string' },
  },
});
const instances = Number(args.instances);
if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
  console.error(`npm start: --instances must be a whole number from 1 to 16, not "${args.instances}"`);
  process.exit(1);
}
const containerFlag = args.container;
if (!isContainerKind(containerFlag)) {
  console.error(`--container is one of ${CONTAINER_KINDS.join(', ')}, not ${containerFlag}`);
  process.exit(1);
}
const container: ContainerKind = containerFlag;
// npm runs scripts from the package root; the user's module is where they typed `npm start`.
const parsedApp =
  args.app === undefined ? undefined : parsePythonApp(args.app, process.env.INIT_CWD ?? process.cwd());
if (typeof parsedApp === 'string' || (parsedApp && container !== 'python')) {
  console.error(`npm start: ${typeof parsedApp === 'string' ? parsedApp : '--app needs --container python'}`);
  process.exit(1);
}
const app: PythonApp | undefined = parsedApp;
// Before anything starts: a Python app without its packages would only time out later.
try {
  containerCommand(container, ROOT, 0, app);
} catch (error) {
  if (!(error instanceof MissingPythonError)) throw error;
  console.error(`npm start: ${error.message}`);
  process.exit(1);
}
const devVarsPath = path.resolve(ROOT, process.env.DEV_VARS ?? '.dev.vars');

/** Reads .dev.vars, adding what is missing; refuses a token that is too short. */
function loadDevVars(): { token: string; containerPort: number } {
  const text = existsSync(devVarsPath) ? readFileSync(devVarsPath, 'utf8') : '';
  const vars = parseEnv(text) as Record<string, string | undefined>;
  const additions: string[] = [];
  if (!vars.CONTAINER_DEV_URL) {
    vars.CONTAINER_DEV_URL = `http://127.0.0.1:${process.env.CONTAINER_PORT ?? CONTAINER_PORT}`;
    additions.push(`CONTAINER_DEV_URL=${vars.CONTAINER_DEV_URL}`);
  }
  if (vars.GATEWAY_DEV_TOKEN === undefined) {
    vars.GATEWAY_DEV_TOKEN = randomBytes(32).toString('hex');
    additions.push(`GATEWAY_DEV_TOKEN=${vars.GATEWAY_DEV_TOKEN}`);
  }
  if (additions.length) {
    const header = text
      ? ''
      : '# Local session only (npm start). Never in wrangler.toml. See .dev.vars.example.\n';
    const separator = text && !text.endsWith('\n') ? '\n' : '';
    writeFileSync(devVarsPath, `${text}${separator}${header}${additions.join('\n')}\n`, { mode: 0o600 });
    console.log(
      `Wrote ${path.relative(ROOT, devVarsPath) || devVarsPath}: ${additions.map((a) => a.split('=')[0]).join(', ')}`,
    );
  }
  if (vars.GATEWAY_DEV_TOKEN.length < DEV_TOKEN_MIN_LENGTH) {
    throw new Error(
      `GATEWAY_DEV_TOKEN in ${devVarsPath} is shorter than ${DEV_TOKEN_MIN_LENGTH} characters; remove it and a new one is made`,
    );
  }
  // The first instance's URL; the others take the ports after it (--instances).
  const containerUrl = new URL(vars.CONTAINER_DEV_URL.split(',')[0]?.trim() ?? '');
  if (containerUrl.hostname !== '127.0.0.1' && containerUrl.hostname !== 'localhost') {
    throw new Error(`CONTAINER_DEV_URL must point at this machine (127.0.0.1), not ${containerUrl.host}`);
  }
  return { token: vars.GATEWAY_DEV_TOKEN, containerPort: Number(containerUrl.port || 80) };
}

async function main(): Promise<void> {
  const { token, containerPort } = loadDevVars();
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
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(signal);
      process.once(signal, () => void stop(signal, 0));
    }
  };
  handleSignals();

  session = await startLocalSession({
    port,
    containerPort: Array.from({ length: instances }, (_, i) => containerPort + i),
    token,
    container,
    app,
    persistTo: process.env.PERSIST_TO,
    log: (source, line, instance) =>
      console.log(
        `[${instances > 1 && instance !== undefined ? localInstanceName(instance) : source}] ${line}`,
      ),
  });
  handleSignals();
  if (stopping) {
    const reason = stopping;
    stopping = undefined;
    return stop(reason, 0);
  }
  session.containers.forEach((container, index) => {
    const name =
      instances > 1 ? `the container process ${localInstanceName(index)}` : 'the container process';
    container.once('exit', (code) => void stop(`${name} exited with ${code}`, 1));
  });

  const users = new URL('/api/users', session.url);
  if (app) {
    // The session has waited for the app's health route; its own routes are its own.
    console.log(
      `\nLocal session ready: ${session.url.href} (${app.app}, reloaded when ${app.dir} changes)\n`,
    );
    return;
  }
  try {
    await waitForOk(users);
  } catch (error) {
    await stop('not ready', 1);
    throw error;
  }
  const spread =
    instances > 1
      ? `  ${instances} container instances (ports ${containerPort}–${containerPort + instances - 1}); the x-container-instance header says which one answered\n`
      : '';
  console.log(
    `\nLocal session ready: ${users.href}\n${spread}  try: curl -X POST ${users.href} -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'\n`,
  );
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
