import type { WorkerEnv } from '../../worker/env.ts';
import { serveApi } from '../../worker/instances.ts';
import { parseBenchApiPath } from '../api-route.ts';

/**
 * `/__api/<port>/…`: the request, without the prefix, through production's `/api/*` forward to the
 * container process on 127.0.0.1:<port> (loopback only; this Worker is never deployed).
 */
export function serveBenchApi(request: Request, env: WorkerEnv): Response | Promise<Response> {
  const url = new URL(request.url);
  const target = parseBenchApiPath(url.pathname);
  if (!target) return new Response('Not found', { status: 404 });
  const forwarded = new Request(new URL(target.path + url.search, url), request);
  return serveApi(forwarded, { ...env, CONTAINER_DEV_URL: `http://127.0.0.1:${target.port}` });
}
