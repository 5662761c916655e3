import { waitUntil } from 'cloudflare:workers';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { drainBody } from '../shared/body.ts';
import { GATEWAY_MAX_BATCH_SIZE } from '../shared/index.ts';
import { CONTRACT_HEADER, D1_SESSION_HEADER, GATEWAY_PATH, REQUEST_ID_HEADER } from '../shared/transport.ts';
import { afterAnswer } from './after.ts';
import type { Caller } from './context.ts';
import { checkContractVersion } from './contract-version.ts';
import { GatewayError } from './errors.ts';
import { readGuardedBody } from './guards.ts';
import { gatewayErrorOf, logInternalError } from './pipeline.ts';
import { allowAll, type Policy } from './policy.ts';
import { BATCHED_READ_PATHS } from './read-batch.ts';
import { appRouter } from './router.ts';
import { settingsOrRefusal } from './settings.ts';
import { handleStreamCall, streamCallOf } from './streams.ts';

export interface GatewayOptions {
  /** The path the gateway is mounted at; `/trpc` (as on `http://gateway.internal/trpc`) by default. */
  endpoint?: string;
  /** Who may make which call; every call by default (see policy.ts). */
  policy?: Policy;
  /** Where the `gateway.calls` log lines go (call-log.ts); `console.info` (Workers Logs) by default. */
  log?: (line: string) => void;
  /**
   * Keeps the Worker alive for what runs after the answer (the log lines, idempotency records): the
   * request's `ctx.waitUntil`, or by default `waitUntil` from `cloudflare:workers` (the outbound
   * handler is given no context of its own).
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * The transport's refusal of the whole request (a missing token, say): every call of it answers
   * with this error, in the same shape as any other (a batch's calls each get it; the body is not
   * read), so that every client reads it as it reads the gateway's own errors.
   */
  refusal?: GatewayError | undefined;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Serves one gateway request for a caller the transport has already identified. Every transport
 * (the container's outbound interception, the local session's token route, tests) mounts this.
 *
 * Only `POST` with a JSON body is served: a SQL statement can be 100 KB, longer than a URL may be.
 * The body is checked (size, depth, prototype keys) before anything parses it.
 *
 * @example
 * // Assigned (not a static field, which would shadow @cloudflare/containers' setter): see container.ts.
 * Backend.outboundByHost = {
 *   'gateway.internal': (req, env, ctx) => handleGatewayRequest(req, env, { transport: 'outbound', id: ctx.containerId }),
 * };
 */
export async function handleGatewayRequest(
  request: Request,
  env: Env,
  caller: Caller,
  {
    endpoint = GATEWAY_PATH,
    policy = allowAll,
    log = console.info,
    waitUntil: keepAlive = waitUntil,
    refusal: transportRefusal,
  }: GatewayOptions = {},
): Promise<Response> {
  const after = afterAnswer(keepAlive);
  const sent = request.headers.get(REQUEST_ID_HEADER);
  const requestId = sent && REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
  // Every method but POST is refused, in the gateway's shape, for both kinds of call: tRPC itself
  // would answer a HEAD with an empty 204 before any context exists. The transport's refusal comes first.
  const wrongMethod = request.method !== 'POST';
  // Invalid settings (settings.ts) refuse every call, rather than serve with a default the operator
  // did not choose; the log says which, once.
  const settings = settingsOrRefusal(env, log);
  const refused =
    transportRefusal ??
    (settings instanceof GatewayError ? settings : undefined) ??
    (wrongMethod ? new GatewayError('METHOD_NOT_ALLOWED', 'the gateway answers POST only') : undefined);
  const finish = (response: Response): Response => {
    // The answer is made here (tRPC's, or a stream call's), so its headers can be set in place; a
    // HEAD answer alone is made anew, without a body (its headers say what a POST would answer).
    const answered = request.method === 'HEAD' ? new Response(null, response) : response;
    answered.headers.set(REQUEST_ID_HEADER, requestId);
    if (refused?.gatewayCode === 'METHOD_NOT_ALLOWED') answered.headers.set('allow', 'POST');
    return answered;
  };
  const stream = streamCallOf(new URL(request.url).pathname, endpoint);
  if (stream) {
    // Bodies too large for JSON: plain HTTP beside tRPC (shared/schemas/streams.ts, worker/streams.ts).
    const streamed = await handleStreamCall(stream, request, {
      env,
      caller,
      policy,
      log,
      after,
      requestId,
      signal: request.signal,
      version: request.headers.get(CONTRACT_HEADER),
      refusal: refused,
    });
    return finish(streamed);
  }
  let refusal: GatewayError | undefined;
  let body: string | undefined;
  if (!refused) {
    const read = await readGuardedBody(request);
    // A refused body is not handed to tRPC: an empty batch input goes instead, and createContext
    // throws the refusal, so that every call of the batch answers with it in tRPC's own shape.
    if ('error' in read) refusal = read.error;
    else body = read.text;
  } else {
    // Read and discarded (up to a bound), so that a client still sending it reads the refusal.
    await drainBody(request.body);
  }
  const response = await fetchRequestHandler({
    endpoint,
    // A refused request reaches tRPC as an empty JSON POST, so that tRPC's own checks (method,
    // content type) do not answer before the refusal does.
    req: refused
      ? new Request(request.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      : new Request(request.url, { method: 'POST', headers: request.headers, body: body ?? '{}' }),
    router: appRouter,
    allowMethodOverride: true,
    maxBatchSize: GATEWAY_MAX_BATCH_SIZE,
    createContext({ req, resHeaders, info }) {
      // The transport's refusal comes first: who may not call learns nothing else.
      if (refused) throw refused;
      const type = req.headers.get('content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'the gateway reads application/json bodies only');
      }
      if (refusal) throw refusal;
      checkContractVersion(req.headers.get(CONTRACT_HEADER));
      return {
        env,
        caller,
        d1Session: req.headers.get(D1_SESSION_HEADER) ?? undefined,
        d1Sessions: new Map(),
        resHeaders,
        batchedReads: info.calls.filter((call) => BATCHED_READ_PATHS.has(call.path)).length,
        readBatches: new Map(),
        answer: { inlineBytes: 0 },
        requestId,
        policy,
        log,
        after,
        signal: request.signal,
      };
    },
    onError({ error, path }) {
      // A procedure's failure was logged by the pipeline; this logs one that came before any ran.
      logInternalError({ caller, requestId }, path, gatewayErrorOf(error));
    },
  });
  return finish(response);
}
