import type { WorkerEnv } from './env.ts';
import { serveApi } from './instances.ts';
import { isDevGatewayPath, serveDevGateway } from './local-session.ts';

// Both mounts (mount.ts; wrangler.toml's CONTAINER_MOUNT picks one): the Durable Object on
// ctx.container with the Gateway entrypoint, and the Container class with its ContainerProxy.
export { ContainerProxy } from '@cloudflare/containers';
export { ApiContainer } from './api-container.ts';
export { Backend } from './container.ts';
export { Gateway } from './entrypoint.ts';

/**
 * The public Worker: `/api/*` goes to one of the container instances (its Node API, see
 * instances.ts); everything else is a 404. The gateway has no public route: the container reaches it
 * through outbound interception (the Gateway entrypoint, entrypoint.ts), or in the local session through the token route
 * (local-session.ts).
 */
export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (isDevGatewayPath(pathname)) return serveDevGateway(request, env, ctx);
    if (pathname !== '/api' && !pathname.startsWith('/api/'))
      return new Response('Not found', { status: 404 });
    return serveApi(request, env);
  },
} satisfies ExportedHandler<WorkerEnv>;
