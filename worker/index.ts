import { getContainer } from '@cloudflare/containers';
import type { WorkerEnv } from './env.ts';
import { forwardToDevContainer, isDevGatewayPath, serveDevGateway } from './local-session.ts';

export { ContainerProxy } from '@cloudflare/containers';
export { Backend } from './container.ts';

/**
 * The public Worker: `/api/*` goes to the container (its Node API); everything else is a 404. The
 * gateway has no public route: the container reaches it through outbound interception (see
 * container.ts), or in the local session through the token route.
 */
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (isDevGatewayPath(pathname)) return serveDevGateway(request, env);
    if (pathname !== '/api' && !pathname.startsWith('/api/'))
      return new Response('Not found', { status: 404 });
    if (env.CONTAINER_DEV_URL)
      return forwardToDevContainer(request, { CONTAINER_DEV_URL: env.CONTAINER_DEV_URL });
    const backend = getContainer(env.BACKEND);
    await backend.startAndWaitForPorts();
    return backend.fetch(request);
  },
} satisfies ExportedHandler<WorkerEnv>;
