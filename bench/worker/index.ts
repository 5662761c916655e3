/**
 * The benchmark's Worker (bench/wrangler.toml), never deployed. Side by side on one D1:
 * - `/internal/db/query`, `/internal/db/run`: the original design's public JSON proxy, re-created as
 *   it was, so that the typed gateway is compared with what it replaces and not with a straw man;
 * - `GET /empty`: an empty round trip, the transport's own cost;
 * - `GET /settled`: answers once the gateway's after-answer work in this isolate is over (log lines,
 *   fair-share counts, result records), so that an isolated call starts with none of it running;
 * - `POST /floor`: the same query timed inside the Worker, D1's own cost;
 * - `/__gateway/trpc`: the real gateway, through the local session's token route (worker/local-session.ts);
 * - `/trpc`: the real gateway, through the handler the container's outbound interception mounts
 *   (worker/container.ts), the Container-class mount: no token, the container's id as the caller;
 * - `/__entrypoint/trpc`: the real gateway as the `Gateway` entrypoint, through `ctx.exports` with
 *   props (worker/entrypoint.ts), the Durable-Object mount.
 * - `/__api/<port>/api/*`: production's `/api/*` forward to a local container process (api.ts).
 */

import { DEFAULT_GATEWAY_URL } from '../../shared/transport.ts';
import { afterWorkSettled } from '../../worker/after.ts';
import type { WorkerEnv } from '../../worker/env.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import { isDevGatewayPath, serveDevGateway } from '../../worker/local-session.ts';
import { BENCH_API_PREFIX } from '../api-route.ts';
import { ENTRYPOINT_GATEWAY_PATH, OUTBOUND_GATEWAY_PATH, QUIET_GATEWAY_PATH } from '../routes.ts';
import { serveBenchApi } from './api.ts';

// The production Worker's entrypoint, so that ctx.exports has it here too.
export { Gateway } from '../../worker/entrypoint.ts';

type Param = null | number | string | boolean;

interface SqlBody {
  sql: string;
  params?: Param[];
}

interface FloorBody extends SqlBody {
  n?: number;
}

// The bench times the floor with at most this many runs per request: enough for a stable median,
// well under D1's 1,000 queries per invocation.
const FLOOR_MAX_RUNS = 200;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The original `/internal/db/query`: any SQL, `.all()`, the rows as they come. */
async function originalQuery(request: Request, env: WorkerEnv): Promise<Response> {
  try {
    const { sql, params = [] } = await request.json<SqlBody>();
    const stmt = env.DB.prepare(sql);
    const result = params.length > 0 ? await stmt.bind(...params).all() : await stmt.all();
    return Response.json({ success: true, results: result.results });
  } catch (error) {
    return Response.json({ success: false, error: errorMessage(error) }, { status: 500 });
  }
}

/** The original `/internal/db/run`: any SQL, `.run()`, D1's meta. */
async function originalRun(request: Request, env: WorkerEnv): Promise<Response> {
  try {
    const { sql, params = [] } = await request.json<SqlBody>();
    const stmt = env.DB.prepare(sql);
    const result = params.length > 0 ? await stmt.bind(...params).run() : await stmt.run();
    return Response.json({ success: true, meta: result.meta });
  } catch (error) {
    return Response.json({ success: false, error: errorMessage(error) }, { status: 500 });
  }
}

/**
 * The same statement run `n` times in the Worker, each `.all()` timed on its own. workerd's clock
 * moves only across I/O; each `.all()` is I/O, so a duration spans D1's round trip, and the CPU
 * around it is the next reading's. `totalMs` spans all `n`, for a mean finer than one tick.
 */
async function floor(request: Request, env: WorkerEnv): Promise<Response> {
  const { sql, params = [], n = 20 } = await request.json<FloorBody>();
  const runs = Math.max(1, Math.min(FLOOR_MAX_RUNS, Math.trunc(n)));
  const stmt = params.length > 0 ? env.DB.prepare(sql).bind(...params) : env.DB.prepare(sql);
  const ms: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const before = performance.now();
    await stmt.all();
    ms.push(performance.now() - before);
  }
  return Response.json({ ms, totalMs: performance.now() - start });
}

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (isDevGatewayPath(pathname)) return serveDevGateway(request, env, ctx);
    // For attribution only: the same gateway without the dev route's token check and without the
    // per-call log line (which wrangler dev carries to its own process).
    if (pathname.startsWith(QUIET_GATEWAY_PATH)) {
      return handleGatewayRequest(
        request,
        env,
        { transport: 'dev', id: 'bench-quiet' },
        { endpoint: QUIET_GATEWAY_PATH, log: () => {} },
      );
    }
    // What Backend.outboundByHost['gateway.internal'] calls, with a container id of the bench's own.
    if (pathname === OUTBOUND_GATEWAY_PATH || pathname.startsWith(`${OUTBOUND_GATEWAY_PATH}/`)) {
      return handleGatewayRequest(request, env, { transport: 'outbound', id: 'bench-container' });
    }
    // What ApiContainer's interception calls: the entrypoint with props, at the container's URL.
    if (pathname.startsWith(`${ENTRYPOINT_GATEWAY_PATH}/`)) {
      const { search } = new URL(request.url);
      const url = `${DEFAULT_GATEWAY_URL}${pathname.slice(ENTRYPOINT_GATEWAY_PATH.length)}${search}`;
      const gateway = ctx.exports.Gateway({ props: { containerId: 'bench-container', instance: 'bench' } });
      return gateway.fetch(new Request(url, request));
    }
    if (pathname.startsWith(BENCH_API_PREFIX)) return serveBenchApi(request, env);
    if (request.method === 'GET' && pathname === '/empty') return new Response(null, { status: 204 });
    if (request.method === 'GET' && pathname === '/settled') {
      await afterWorkSettled();
      return new Response(null, { status: 204 });
    }
    if (request.method === 'POST') {
      if (pathname === '/internal/db/query') return originalQuery(request, env);
      if (pathname === '/internal/db/run') return originalRun(request, env);
      if (pathname === '/floor') return floor(request, env);
    }
    return new Response('Not found', { status: 404 });
  },
} satisfies ExportedHandler<WorkerEnv>;
