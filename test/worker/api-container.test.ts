import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { transformer } from '../../shared/index.ts';
import {
  CONTAINER_PORT,
  DEFAULT_GATEWAY_URL,
  GATEWAY_HOST,
  HEALTH_PATH,
  INSTANCE_HEADER,
} from '../../shared/transport.ts';
import { type ApiContainer, SLEEP_AFTER_MS } from '../../worker/api-container.ts';
import { Backend } from '../../worker/container.ts';
import { serveApi } from '../../worker/instances.ts';

// ApiContainer, the Durable-Object mount, in workerd: a real Durable Object with its real
// ctx.exports. Only `ctx.container` is a stand-in: workerd has no container runtime here (no
// Docker), and without one the Durable Object has no working container. The stand-in records what
// the Durable Object asks of it, in order, and serves the container's port itself.

type Event =
  | { kind: 'intercept'; addr: string }
  | { kind: 'start'; options: ContainerStartupOptions | undefined }
  | { kind: 'inactivity'; ms: number }
  | { kind: 'port'; port: number; path: string };

class FakeContainer {
  readonly events: Event[] = [];
  readonly intercepts = new Map<string, Fetcher>();
  running = false;
  // The container is listening once started; `healthyAfter` probes of the health route fail first.
  healthyAfter = 0;
  #exit: (() => void) | undefined;

  interceptOutboundHttp(addr: string, binding: Fetcher): Promise<void> {
    this.events.push({ kind: 'intercept', addr });
    this.intercepts.set(addr, binding);
    return Promise.resolve();
  }

  start(options?: ContainerStartupOptions): void {
    this.events.push({ kind: 'start', options });
    this.running = true;
  }

  monitor(): Promise<void> {
    return new Promise((resolve) => {
      this.#exit = resolve;
    });
  }

  /** The container exits (its idle timeout, a crash): monitor() resolves. */
  exit(): void {
    this.running = false;
    this.#exit?.();
  }

  setInactivityTimeout(ms: number): Promise<void> {
    this.events.push({ kind: 'inactivity', ms });
    return Promise.resolve();
  }

  getTcpPort(port: number): Pick<Fetcher, 'fetch'> {
    return {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const { pathname } = new URL(new Request(input, init).url);
        this.events.push({ kind: 'port', port, path: pathname });
        if (!this.running) throw new Error('connection refused');
        if (pathname === HEALTH_PATH && this.healthyAfter-- > 0) throw new Error('not listening yet');
        return Response.json({ from: 'container', pathname });
      },
    };
  }
}

/** A fresh ApiContainer instance with the stand-in as its `ctx.container`. */
async function withFakeContainer<T>(
  run: (instance: ApiContainer, container: FakeContainer, id: string) => Promise<T>,
): Promise<T> {
  const stub = env.API_CONTAINER.getByName(`test-${crypto.randomUUID()}`);
  return runInDurableObject(stub, async (instance: ApiContainer, state) => {
    const container = new FakeContainer();
    Object.defineProperty(state, 'container', { value: container, configurable: true });
    return run(instance, container, state.id.toString());
  });
}

/**
 * Backend (the Container-class mount) built as the platform builds it, `new Backend(ctx, env)`, with
 * the stand-in as `ctx.container`. workerd builds Backend's own instances here with no container
 * (none can run without Docker), and the Container class throws in its constructor on such a ctx: an
 * uncaught exception in the Durable Object. The ctx is a fresh Durable Object's, SQLite-backed as
 * Backend's is; the alarm the Container class sets in it is deleted after, as that object has no
 * alarm handler.
 */
async function withBackend<T>(run: (backend: Backend, container: FakeContainer) => Promise<T>): Promise<T> {
  const stub = env.API_CONTAINER.getByName(`backend-${crypto.randomUUID()}`);
  return runInDurableObject(stub, async (_: ApiContainer, state) => {
    const container = new FakeContainer();
    Object.defineProperty(state, 'container', { value: container, configurable: true });
    try {
      return await run(new Backend(state as ConstructorParameters<typeof Backend>[0], env), container);
    } finally {
      await state.storage.deleteAlarm();
    }
  });
}

const request = (path: string) => new Request(`http://example.com${path}`);

describe('ApiContainer (the Durable-Object mount)', () => {
  it('registers the gateway interception before it starts the container and before the first /api request', async () => {
    await withFakeContainer(async (instance, container) => {
      const response = await instance.fetch(request('/api/users'));
      expect(await response.json()).toEqual({ from: 'container', pathname: '/api/users' });
      const kinds = container.events.map((event) => event.kind);
      expect(container.events[0]).toEqual({ kind: 'intercept', addr: GATEWAY_HOST });
      expect(kinds.indexOf('intercept')).toBeLessThan(kinds.indexOf('start'));
      expect(container.events.at(-1)).toEqual({ kind: 'port', port: CONTAINER_PORT, path: '/api/users' });
    });
  });

  it('starts the container without internet, and stops it after SLEEP_AFTER_MS idle', async () => {
    await withFakeContainer(async (instance, container) => {
      await instance.fetch(request('/api/users'));
      expect(container.events).toContainEqual({ kind: 'start', options: { enableInternet: false } });
      expect(container.events).toContainEqual({ kind: 'inactivity', ms: SLEEP_AFTER_MS });
    });
  });

  it('hands the intercepted host to the Gateway entrypoint with this Durable Object as the caller', async () => {
    await withFakeContainer(async (instance, container, id) => {
      await instance.fetch(request('/api/users'));
      const gateway = container.intercepts.get(GATEWAY_HOST);
      if (!gateway) return expect.unreachable('no interception for the gateway host');
      const response = await gateway.fetch(`${DEFAULT_GATEWAY_URL}/gateway.info?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 0: transformer.serialize(undefined) }),
      });
      const [item] = (await response.json()) as [
        { result: { data: Parameters<typeof transformer.deserialize>[0] } },
      ];
      expect(transformer.deserialize(item.result.data)).toMatchObject({
        caller: { transport: 'outbound', id },
      });
    });
  });

  it('forwards nothing until the health route answers', async () => {
    await withFakeContainer(async (instance, container) => {
      container.healthyAfter = 2;
      await instance.fetch(request('/api/users'));
      const paths = container.events.flatMap((event) => (event.kind === 'port' ? [event.path] : []));
      expect(paths).toEqual([HEALTH_PATH, HEALTH_PATH, HEALTH_PATH, '/api/users']);
    });
  });

  it('starts a container that exited again on the next request, with the interception first again', async () => {
    await withFakeContainer(async (instance, container) => {
      await instance.fetch(request('/api/users'));
      container.events.length = 0;
      container.exit();
      // The exit reaches the Durable Object through monitor(); a request before that may fail.
      await vi.waitFor(async () => {
        const response = await instance.fetch(request('/api/users'));
        expect(response.ok).toBe(true);
      });
      const kinds = container.events.map((event) => event.kind);
      expect(kinds.filter((kind) => kind === 'start')).toHaveLength(1);
      expect(kinds.indexOf('intercept')).toBeGreaterThanOrEqual(0);
      expect(kinds.indexOf('intercept')).toBeLessThan(kinds.indexOf('start'));
    });
  });
});

describe('CONTAINER_MOUNT', () => {
  const unreachable = async (mount: string) => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await serveApi(request('/api/users'), { ...env, CONTAINER_MOUNT: mount });
      expect(response.status).toBe(503);
      const line = logged.mock.calls
        .map(([first]) => String(first))
        .find((l) => l.includes('container_unreachable'));
      return (JSON.parse(line ?? '{}') as { error?: string }).error;
    } finally {
      logged.mockRestore();
    }
  };

  it('sends /api/* to ApiContainer for "durable-object" and to Backend for "container-class"', async () => {
    // ApiContainer has no container here: its refusal says that it was asked.
    expect(await unreachable('durable-object')).toMatch(/^Error: ApiContainer has no container/);
    // Backend, with one: the answer is its container's, the gateway's interception registered first.
    await withBackend(async (backend, container) => {
      const asked: string[] = [];
      const BACKEND = {
        idFromName: (name: string) => {
          asked.push(name);
          return env.BACKEND.idFromName(name);
        },
        get: () => backend,
      } as unknown as typeof env.BACKEND;
      const response = await serveApi(request('/api/users'), {
        ...env,
        CONTAINER_MOUNT: 'container-class',
        BACKEND,
      });
      expect(await response.json()).toEqual({ from: 'container', pathname: '/api/users' });
      expect(asked).toHaveLength(1);
      expect(response.headers.get(INSTANCE_HEADER)).toBe(asked[0]);
      const kinds = container.events.map((event) => event.kind);
      expect(container.events[0]).toEqual({ kind: 'intercept', addr: GATEWAY_HOST });
      expect(kinds.indexOf('intercept')).toBeLessThan(kinds.indexOf('start'));
      expect(container.events.at(-1)).toEqual({ kind: 'port', port: CONTAINER_PORT, path: '/api/users' });
    });
  });

  it('answers a value it does not know with a 503 whose log line says what it must be', async () => {
    expect(await unreachable('durable_object')).toBe(
      'Error: CONTAINER_MOUNT must be "durable-object" or "container-class", not "durable_object"',
    );
  });
});
