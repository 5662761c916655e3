import { env } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../shared/client.ts';
import { createGatewayEnv } from '../../shared/env/index.ts';
import { streams, transformer } from '../../shared/index.ts';
import { DEFAULT_GATEWAY_URL, DEV_CALLER_HEADER } from '../../shared/transport.ts';
import type { GatewayProps } from '../../worker/entrypoint.ts';
import { appRouter } from '../../worker/router.ts';
import { unique } from './helpers.ts';

// The Gateway entrypoint as the platform calls it: through the Worker's real `ctx.exports` (the
// loopback binding `ctx.container.interceptOutboundHttp` is given), with and without props.

const PROPS: GatewayProps = { containerId: 'container-from-props', instance: 'instance-7' };

const withProps = exports.Gateway({ props: PROPS });
// What a mount that forgot its props would register.
const withoutProps = exports.Gateway({});

const fetchOf = (gateway: Fetcher): typeof fetch =>
  ((input, init) => gateway.fetch(input, init)) as typeof fetch;

// Every procedure of the Worker's router and every stream call, by the name a client sends.
const PROCEDURES = Object.keys(appRouter._def.procedures);
const CALLS = [...PROCEDURES, ...Object.keys(streams)];

interface ErrorJson {
  message: string;
  data: { gatewayCode: string };
}

/** One call with an empty input, sent as a client would; its status and gateway code, if an error. */
async function send(gateway: Fetcher, call: string): Promise<{ status: number; code: string | undefined }> {
  const stream = call in streams;
  const response = await gateway.fetch(
    stream ? `${DEFAULT_GATEWAY_URL}/${call}` : `${DEFAULT_GATEWAY_URL}/${call}?batch=1`,
    stream
      ? { method: 'POST', body: `${JSON.stringify(transformer.serialize({}))}\n` }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ 0: transformer.serialize(undefined) }),
        },
  );
  const answer = (await response.json()) as
    | { error?: { json: ErrorJson } }
    | [{ error?: { json: ErrorJson } }];
  const item = Array.isArray(answer) ? answer[0] : answer;
  return { status: response.status, code: item.error?.json.data.gatewayCode };
}

describe('the Gateway entrypoint through ctx.exports with props', () => {
  it('reaches every procedure and stream call (each answers for itself, none is refused)', async () => {
    expect(PROCEDURES).toContain('gateway.info');
    for (const call of CALLS) {
      const { status, code } = await send(withProps, call);
      // An empty input is a result (gateway.info, the lists) or the procedure's own BAD_INPUT.
      expect([call, status, code]).not.toEqual([call, 403, 'FORBIDDEN']);
      expect([200, 400, 404]).toContain(status);
    }
  });

  it('serves D1, KV and R2 to the binding-shaped env over it', async () => {
    const gatewayEnv = createGatewayEnv({ url: DEFAULT_GATEWAY_URL, fetch: fetchOf(withProps) });
    expect(await gatewayEnv.DB.prepare('SELECT ? + 2 AS answer').bind(40).first('answer')).toBe(42);
    const key = unique('entrypoint');
    await gatewayEnv.KV.put(key, 'kv value');
    expect(await env.KV.get(key)).toBe('kv value');
    await gatewayEnv.BUCKET.put(key, 'r2 body');
    expect(await (await gatewayEnv.BUCKET.get(key))?.text()).toBe('r2 body');
  });

  it("answers gateway.info with the props' container as the caller", async () => {
    const client = createGatewayClient({ url: DEFAULT_GATEWAY_URL, fetch: fetchOf(withProps) });
    const info = await client.gateway.info.query();
    expect(info.caller).toEqual({ transport: 'outbound', id: PROPS.containerId });
  });

  it('keeps the identity of its props whatever the request claims', async () => {
    const forged = (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      // The local session's caller header, a bearer token and a forwarded address: none is identity here.
      headers.set(DEV_CALLER_HEADER, 'someone-else');
      headers.set('authorization', 'Bearer forged-token-forged-token-forged-token');
      headers.set('cf-connecting-ip', '203.0.113.9');
      return withProps.fetch(input, { ...init, headers });
    };
    const client = createGatewayClient({ url: DEFAULT_GATEWAY_URL, fetch: forged as typeof fetch });
    expect((await client.gateway.info.query()).caller).toEqual({
      transport: 'outbound',
      id: PROPS.containerId,
    });
  });
});

describe('the Gateway entrypoint without props', () => {
  it.each([
    ['no props', withoutProps],
    ['props without a container id', exports.Gateway({ props: { instance: 'instance-0' } as GatewayProps })],
    ['a container id that could leave its key prefix', exports.Gateway({ props: { containerId: '../x' } })],
  ])('refuses every call with FORBIDDEN in the gateway shape (%s)', async (_, gateway) => {
    for (const call of CALLS) {
      expect(await send(gateway, call), call).toEqual({ status: 403, code: 'FORBIDDEN' });
    }
  });
});
