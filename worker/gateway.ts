import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { GATEWAY_MAX_BATCH_SIZE } from '../shared/index.ts';
import { D1_SESSION_HEADER } from '../shared/transport.ts';
import type { Caller } from './context.ts';
import { GatewayError, gatewayCodeOfError } from './errors.ts';
import { BATCHED_READ_PATHS } from './read-batch.ts';
import { appRouter } from './router.ts';

/** Where the gateway is mounted on the host the container calls (`http://gateway.internal/trpc`). */
export const GATEWAY_ENDPOINT = '/trpc';

/**
 * Serves one gateway request for a caller the transport has already identified. Every transport
 * (the container's outbound interception, the local session's token route, tests) mounts this.
 *
 * Only `POST` with a JSON body is served: a SQL statement can be 100 KB, longer than a URL may be.
 *
 * @example
 * static outboundByHost = {
 *   'gateway.internal': (req, env, ctx) => handleGatewayRequest(req, env, { transport: 'outbound', id: ctx.containerId }),
 * };
 */
export function handleGatewayRequest(
  request: Request,
  env: Env,
  caller: Caller,
  endpoint: string = GATEWAY_ENDPOINT,
): Promise<Response> {
  return fetchRequestHandler({
    endpoint,
    req: request,
    router: appRouter,
    allowMethodOverride: true,
    maxBatchSize: GATEWAY_MAX_BATCH_SIZE,
    createContext({ req, resHeaders, info }) {
      if (req.method !== 'POST')
        throw new GatewayError('METHOD_NOT_ALLOWED', 'the gateway answers POST only');
      const type = req.headers.get('content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'the gateway reads application/json bodies only');
      }
      return {
        env,
        caller,
        d1Session: req.headers.get(D1_SESSION_HEADER) ?? undefined,
        d1Sessions: new Map(),
        resHeaders,
        batchedReads: info.calls.filter((call) => BATCHED_READ_PATHS.has(call.path)).length,
        readBatches: new Map(),
      };
    },
    onError({ error, path }) {
      // The caller gets a generic message for INTERNAL; the cause is logged here, and only here.
      if (gatewayCodeOfError(error) === 'INTERNAL') {
        console.error(
          JSON.stringify({
            event: 'gateway.internal_error',
            path,
            caller: caller.id,
            cause: String(error.cause ?? error),
          }),
        );
      }
    },
  });
}
