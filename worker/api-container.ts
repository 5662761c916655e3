import { DurableObject } from 'cloudflare:workers';
import { CONTAINER_PORT, GATEWAY_HOST, HEALTH_PATH } from '../shared/transport.ts';
import type { GatewayProps } from './entrypoint.ts';

// What the Container class's helpers did, now this class's own (the Containers docs' migration
// guide, "Migrate from the Container class to the Durable Object Container API"):
/** `sleepAfter`: a container that serves nothing for this long is stopped (as Backend's '30m'). */
export const SLEEP_AFTER_MS = 30 * 60_000;
/** Readiness: how long a start may take to answer the health route (the Container class's TIMEOUT_TO_GET_PORTS_MS). */
export const READY_TIMEOUT_MS = 20_000;
/** Between two readiness probes (the Container class's INSTANCE_POLL_INTERVAL_MS). */
export const READY_POLL_MS = 300;
/** One readiness probe (the Container class's PING_TIMEOUT_MS). */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * The Durable-Object mount (`CONTAINER_MOUNT = "durable-object"`, Cloudflare's current API): a plain
 * Durable Object that owns the container through `ctx.container`, with no `@cloudflare/containers`.
 * Before the container can make a call, its requests to `http://gateway.internal` are routed to the
 * Worker's `Gateway` entrypoint with this container's identity as props (the container holds no
 * secret, and nothing it sends can change who it is); nothing else on the internet is reachable.
 * `/api/*` is forwarded to the container's port once its health route answers; the container
 * stops after SLEEP_AFTER_MS without requests, and a container that exited is started again by the
 * next request.
 */
export class ApiContainer extends DurableObject<Env> {
  // The running container's port, once ready; shared by concurrent requests, forgotten on exit.
  #ready: Promise<Fetcher> | undefined;

  override async fetch(request: Request): Promise<Response> {
    try {
      const port = await this.#ensureReady();
      return await port.fetch(request);
    } catch (error) {
      // Answered, not thrown: an error thrown out of a Durable Object's fetch is an uncaught
      // exception in its isolate as well as the caller's failure.
      console.error(
        JSON.stringify({ event: 'container_unreachable', id: this.ctx.id.toString(), error: String(error) }),
      );
      return Response.json(
        { error: 'the API container is not reachable; try again shortly' },
        { status: 503 },
      );
    }
  }

  #ensureReady(): Promise<Fetcher> {
    if (!this.#ready) {
      const ready = this.#start();
      this.#ready = ready;
      // A failed start is tried again by the next request.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  async #start(): Promise<Fetcher> {
    const container = this.ctx.container;
    if (!container) {
      throw new Error(
        'ApiContainer has no container: no [[containers]] in wrangler.toml names it, or containers are off ([dev] enable_containers = false)',
      );
    }
    const props: GatewayProps = { containerId: this.ctx.id.toString(), instance: this.ctx.id.name };
    // First: an intercept lasts until the container stops, and the container's first call (its
    // gateway.info self-test) may come as soon as it starts. Registering it again on a running
    // container (this object was evicted and built again) replaces it without dropping connections.
    await container.interceptOutboundHttp(GATEWAY_HOST, this.ctx.exports.Gateway({ props }));
    if (!container.running) container.start({ enableInternet: false });
    this.#watch(container);
    await container.setInactivityTimeout(SLEEP_AFTER_MS);
    const port = container.getTcpPort(CONTAINER_PORT);
    await waitForHealth(port, container);
    return port;
  }

  /** On exit (the idle timeout, a crash), the next request starts the container again. */
  #watch(container: Container): void {
    const ready = this.#ready;
    container
      .monitor()
      .then(
        () => console.log(JSON.stringify({ event: 'container_exited', id: this.ctx.id.toString() })),
        (error: unknown) =>
          console.error(
            JSON.stringify({ event: 'container_failed', id: this.ctx.id.toString(), error: String(error) }),
          ),
      )
      .finally(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
  }
}

/**
 * Readiness: `start()` returns before the container listens. Probes the API's health route until it
 * answers 2xx, the container exits, or READY_TIMEOUT_MS pass.
 */
async function waitForHealth(port: Fetcher, container: Container): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: unknown;
  for (;;) {
    try {
      const response = await port.fetch(`http://container${HEALTH_PATH}`, {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) return;
      last = `${HEALTH_PATH} answered ${response.status}`;
    } catch (error) {
      last = error;
    }
    if (!container.running) throw new Error(`the container exited before it was ready: ${String(last)}`);
    if (Date.now() >= deadline) {
      throw new Error(`the container was not ready within ${READY_TIMEOUT_MS} ms: ${String(last)}`);
    }
    await scheduler.wait(READY_POLL_MS);
  }
}
