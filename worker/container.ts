import { Container, type OutboundHandlerContext } from '@cloudflare/containers';
import { CONTAINER_PORT, GATEWAY_HOST, HEALTH_PATH } from '../shared/transport.ts';
import { serveContainerCall } from './entrypoint.ts';

/**
 * The Container-class mount (`CONTAINER_MOUNT = "container-class"`, @cloudflare/containers): the
 * container running the Node API (container/). Its requests to `http://gateway.internal` never
 * leave the Worker: `outboundByHost` hands them to the gateway with the container's id as the
 * caller, so the container holds no secret. Nothing else on the internet is reachable. Each instance
 * (`instance-0` …, see instances.ts) is a Durable Object of its own, so each has its own
 * `containerId`: its own caller, with its own log lines, key prefix and fair share.
 */
export class Backend extends Container<Env> {
  override defaultPort = CONTAINER_PORT;
  override sleepAfter = '30m';
  override enableInternet = false;
  // Readiness: the API's health route (`host/path`, as the Container class fetches it).
  override pingEndpoint = `localhost${HEALTH_PATH}`;

  // An assignment, not a static field: `@cloudflare/containers` registers the handlers ContainerProxy
  // looks up in its static `outboundByHost` setter, and a static field (what the ES2022+ target
  // emits for `static outboundByHost = …`) defines an own property that shadows that setter, so the
  // class reads as configured while every request to the gateway answers 520 "Origin is disallowed"
  // (cloudflare/containers#247). test/e2e/bundle.test.ts calls the built bundle's ContainerProxy.
  static {
    Backend.outboundByHost = {
      // The same gateway code as the Gateway entrypoint's (entrypoint.ts), with the platform's
      // containerId as the caller.
      [GATEWAY_HOST]: (request: Request, env: Env, ctx: OutboundHandlerContext) =>
        serveContainerCall(request, env, { containerId: ctx.containerId }),
    };
  }
}
