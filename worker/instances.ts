import { getContainer } from '@cloudflare/containers';
import { INSTANCE_HEADER, SESSION_KEY_HEADER } from '../shared/transport.ts';
import { sendAllowingEarlyAnswer } from './early-answer.ts';
import type { WorkerEnv } from './env.ts';
import { GatewayError } from './errors.ts';
import { forwardToDevContainer } from './local-session.ts';
import { containerMount } from './mount.ts';
import { InvalidSettings, readSettings, type SettingsEnv, settingsOrRefusal } from './settings.ts';

/**
 * The name of the pool's instance `index`. These are the names `getRandom(env.BACKEND, n)` of
 * @cloudflare/containers 0.3.7 picks from (`idFromName('instance-<i>')`). The Worker picks the index
 * itself and gets the instance with `getContainer`, because it needs to know which one it picked:
 * for sticky requests, for the local session's processes and for the `x-container-instance` header.
 * Keeping getRandom's names means code that calls getRandom reaches the same instances
 * (test/worker/scale-out.test.ts checks that the names still agree).
 */
export function instanceName(index: number): string {
  return `instance-${index}`;
}

/** `CONTAINER_INSTANCES` from wrangler.toml: how many instances `/api/*` is spread over. */
export function instanceCount(env: SettingsEnv): number {
  const read = readSettings(env);
  if (!read.ok) throw new InvalidSettings(read.problems);
  return read.settings.containerInstances;
}

/** FNV-1a, 32 bits: small, and the same in every isolate and every deploy (unlike a seeded hash). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

/**
 * Which instance serves a request. With an `x-session-key`, always the same one for that key
 * (rendezvous hashing: when the count changes, only the keys of the instances added or removed move,
 * where a plain `hash % count` would move almost all). Without one, any, uniformly at random, as
 * getRandom does.
 */
export function chooseInstance(request: Request, count: number): number {
  const key = request.headers.get(SESSION_KEY_HEADER);
  if (!key) return Math.floor(Math.random() * count);
  let best = 0;
  let bestScore = -1;
  for (let index = 0; index < count; index++) {
    const score = fnv1a(`${index}:${key}`);
    if (score > bestScore) [best, bestScore] = [index, score];
  }
  return best;
}

/** The local session's container processes (`CONTAINER_DEV_URL`, comma-separated), if any. */
function devContainerUrls(env: WorkerEnv): string[] | undefined {
  const urls = env.CONTAINER_DEV_URL?.split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  return urls?.length ? urls : undefined;
}

async function forward(request: Request, env: WorkerEnv, index: number, devUrls?: string[]) {
  const devUrl = devUrls?.[index];
  if (devUrl) return sendAllowingEarlyAnswer(request, (sent) => forwardToDevContainer(sent, devUrl));
  // ApiContainer starts its container, and waits for it, itself.
  if (containerMount(env) === 'durable-object')
    return sendAllowingEarlyAnswer(request, (sent) =>
      env.API_CONTAINER.getByName(instanceName(index)).fetch(sent),
    );
  const backend = getContainer(env.BACKEND, instanceName(index));
  await backend.startAndWaitForPorts();
  return sendAllowingEarlyAnswer(request, (sent) => backend.fetch(sent));
}

/**
 * `/api/*`: to one of the container instances (the local session's processes, without Docker), and
 * the answer labelled with the instance that served it. An instance that cannot be reached is a JSON
 * 503, labelled too: the caller may retry, and will likely reach another.
 */
export async function serveApi(request: Request, env: WorkerEnv): Promise<Response> {
  // Invalid settings refuse /api/* as they refuse gateway calls: one log line says which.
  if (settingsOrRefusal(env) instanceof GatewayError) {
    return Response.json({ error: 'the Worker is misconfigured; its log says how' }, { status: 500 });
  }
  let index: number | undefined;
  try {
    const devUrls = devContainerUrls(env);
    index = chooseInstance(request, devUrls?.length ?? instanceCount(env));
    const response = await forward(request, env, index, devUrls);
    // A WebSocket upgrade cannot be copied into a new Response; it goes as it came.
    if (response.webSocket) return response;
    const labelled = new Response(response.body, response);
    labelled.headers.set(INSTANCE_HEADER, instanceName(index));
    return labelled;
  } catch (error) {
    const instance = index === undefined ? undefined : instanceName(index);
    const path = new URL(request.url).pathname;
    console.error(JSON.stringify({ event: 'container_unreachable', path, instance, error: String(error) }));
    return Response.json(
      { error: 'the API container is not reachable; try again shortly' },
      { status: 503, headers: instance ? { [INSTANCE_HEADER]: instance } : {} },
    );
  }
}
