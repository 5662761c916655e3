/**
 * What every bench scenario is given (`BenchContext`): the clients of each gateway route over one
 * bench Worker, and the recordings the client-CPU scenarios replay. Used by the bench (run.ts) and
 * by its profiler (profile.ts), so that both measure the same calls.
 */
import { devCallerFetch } from '../container/gateway.ts';
import { createGatewayClient, type GatewayClient } from '../shared/client.ts';
import { createGatewayEnv } from '../shared/env/index.ts';
import { nodeFetch } from '../shared/node-fetch.ts';
import { DEV_GATEWAY_PATH } from '../shared/transport.ts';
import { ENTRYPOINT_GATEWAY_PATH, OUTBOUND_GATEWAY_PATH, QUIET_GATEWAY_PATH } from './routes.ts';
import { type BenchContext, findInsertBatchSize, SELECT_ONE } from './scenarios.ts';
import type { BenchServer } from './server.ts';

/**
 * A typed client whose fetch answers every call with a reply recorded from the real gateway: what
 * the client itself costs (links, superjson, parsing), with no network and no Worker.
 */
async function recordedReplyClient(url: string, token: string): Promise<GatewayClient> {
  let recorded: string | undefined;
  const recorder = createGatewayClient({
    url,
    token,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      recorded = await response.clone().text();
      return response;
    },
  });
  await recorder.db.query.query({ sql: SELECT_ONE, params: [1] });
  const body = recorded;
  if (body === undefined) throw new Error('no gateway reply was recorded');
  return createGatewayClient({
    url,
    token,
    fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
}

/**
 * The typed client's db.query as it sends it (url, method, headers, body), with the transport it
 * sends it over: `cpu.transport` sends the same bytes by hand.
 */
async function recordedRequest(
  url: string,
  token: string,
): Promise<{ recordedRequest: BenchContext['recordedRequest']; transport: typeof globalThis.fetch }> {
  const transport = nodeFetch ?? globalThis.fetch;
  let recorded: BenchContext['recordedRequest'] | undefined;
  const recorder = createGatewayClient({
    url,
    token,
    fetch: (input, init) => {
      recorded = { url: String(input), init: { ...init, signal: null } };
      return transport(input, init);
    },
  });
  await recorder.db.query.query({ sql: SELECT_ONE, params: [1] });
  if (recorded === undefined) throw new Error('no gateway request was recorded');
  return { recordedRequest: recorded, transport };
}

/** The context of a bench run over `server`, whose database is already seeded. */
export async function benchContext(
  server: BenchServer,
  { floorRuns, sustainMs }: { floorRuns: number; sustainMs: number },
): Promise<BenchContext> {
  const gatewayUrl = new URL(DEV_GATEWAY_PATH, server.url).href;
  const client = createGatewayClient({ url: gatewayUrl, token: server.token });
  return {
    url: server.url,
    client,
    env: createGatewayEnv({ url: gatewayUrl, token: server.token }),
    cannedClient: await recordedReplyClient(gatewayUrl, server.token),
    quietClient: createGatewayClient({ url: new URL(QUIET_GATEWAY_PATH, server.url).href }),
    outboundClient: createGatewayClient({ url: new URL(OUTBOUND_GATEWAY_PATH, server.url).href }),
    entrypointClient: createGatewayClient({ url: new URL(ENTRYPOINT_GATEWAY_PATH, server.url).href }),
    fetchClient: createGatewayClient({ url: gatewayUrl, token: server.token, fetch: globalThis.fetch }),
    callerClient: (caller) =>
      createGatewayClient({ url: gatewayUrl, token: server.token, fetch: devCallerFetch(caller) }),
    floorRuns,
    insertBatchSize: await findInsertBatchSize(client, server.url),
    sustainMs,
    sessionCpuMs: server.sessionCpuMs,
    ...(await recordedRequest(gatewayUrl, server.token)),
  };
}
