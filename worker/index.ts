import { getContainer } from '@cloudflare/containers';
import type { WorkerEnv } from './env.ts';
import { forwardToDevContainer, isDevGatewayPath, serveDevGateway } from './local-session.ts';

export { ContainerProxy } from '@cloudflare/containers';
export { Backend } from './container.ts';

/** `/api/*` to the container: the local process in a session without Docker, else the Container. */
async function toContainer(request: Request, env: WorkerEnv): Promise<Response> {
  if (env.CONTAINER_DEV_URL) return forwardToDevContainer(request, env.CONTAINER_DEV_URL);
  const backend = getContainer(env.BACKEND);
  await backend.startAndWaitForPorts();
  return backend.fetch(request);
}

/**
 * The public Worker: `/api/*` goes to the container (its Node API); everything else is a 404. The
 * gateway has no public route: the container reaches it through outbound interception (see
 * container.ts), or in the local session through the token route (local-session.ts).
 */
export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (isDevGatewayPath(pathname)) return serveDevGateway(request, env, ctx);
    if (pathname !== '/api' && !pathname.startsWith('/api/'))
      return new Response('Not found', { status: 404 });
    try {
      return await toContainer(request, env);
    } catch (error) {
      console.error(JSON.stringify({ event: 'container_unreachable', path: pathname, error: String(error) }));
      return Response.json(
        { error: 'the API container is not reachable; try again shortly' },
        { status: 503 },
      );
    }
  },
} satisfies ExportedHandler<WorkerEnv>;
