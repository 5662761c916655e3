import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../shared/client.ts';
import { encodeFrame } from '../../shared/schemas/streams.ts';
import type { Caller } from '../../worker/context.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import worker from '../../worker/index.ts';
import { policyFor } from '../../worker/policy.ts';
import { readSettings } from '../../worker/settings.ts';
import { expectGatewayError, GATEWAY_URL, unique, waitUntil } from './helpers.ts';

// A setting given as text (.dev.vars, --var, the dashboard) means what the same setting means in
// wrangler.toml; one that means nothing refuses every call, with one log line that says which.

const caller: Caller = { transport: 'test', id: 'settings' };

/** The gateway over a Worker whose variables are `vars`, as container.ts and the token route mount it. */
function gatewayWith(vars: Record<string, unknown>) {
  const custom = { ...env, ...vars } as Env;
  const lines: Record<string, unknown>[] = [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    handleGatewayRequest(new Request(input, init), custom, caller, {
      policy: policyFor(custom),
      log: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
      waitUntil,
    });
  return { client: createGatewayClient({ url: GATEWAY_URL, fetch: fetch as typeof fetch }), fetch, lines };
}

describe('settings read the same from wrangler.toml and from text', () => {
  it.each([
    [true, true],
    ['true', true],
    [' TRUE ', true],
    [false, false],
    ['false', false],
    ['False', false],
  ])('CONFINE_KEYS_TO_CALLER = %j is %s', (raw, expected) => {
    const read = readSettings({ CONFINE_KEYS_TO_CALLER: raw });
    expect(read).toMatchObject({ ok: true, settings: { confineKeysToCaller: expected } });
  });

  it.each([
    [3, 3],
    ['3', 3],
    [' 32 ', 32],
    [0, 0],
  ])('FAIR_SHARE_MAX_CONCURRENT = %j is %s', (raw, expected) => {
    const read = readSettings({ FAIR_SHARE_MAX_CONCURRENT: raw, FAIR_SHARE_MAX_WAIT_MS: String(raw) });
    expect(read).toMatchObject({
      ok: true,
      settings: { fairShareMaxConcurrent: expected, fairShareMaxWaitMs: expected },
    });
  });

  it.each([
    ['CONFINE_KEYS_TO_CALLER', 'yes'],
    ['CONFINE_KEYS_TO_CALLER', '1'],
    ['CONFINE_KEYS_TO_CALLER', ''],
    ['CONFINE_KEYS_TO_CALLER', 1],
    ['FAIR_SHARE_MAX_CONCURRENT', '3.5'],
    ['FAIR_SHARE_MAX_CONCURRENT', '-1'],
    ['FAIR_SHARE_MAX_WAIT_MS', 'soon'],
    ['FAIR_SHARE_MAX_WAIT_MS', ''],
    ['CONTAINER_INSTANCES', '0'],
    ['CONTAINER_INSTANCES', 'three'],
  ])('%s = %j is invalid, and the problem names it', (name, raw) => {
    const read = readSettings({ [name]: raw });
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problems.join()).toContain(name);
  });
});

describe('the gateway under its settings', () => {
  it('confines keys with CONFINE_KEYS_TO_CALLER = "true" (text), and gateway.info says so', async () => {
    const { client } = gatewayWith({ CONFINE_KEYS_TO_CALLER: 'true' });
    const outside = unique('someone-else');
    await expectGatewayError(client.kv.put.mutate({ key: outside, value: 'x' }), 'FORBIDDEN');
    expect(await env.KV.get(outside)).toBeNull();
    await client.kv.put.mutate({ key: `callers/settings/${unique('mine')}`, value: 'x' });
    expect((await client.gateway.info.query()).policy).toEqual({
      kind: 'confineKeys',
      keyPrefix: 'callers/settings/',
      fairShare: { maxConcurrent: 32, maxWaitMs: 10_000 },
    });
  });

  it('leaves keys alone with CONFINE_KEYS_TO_CALLER = "false", and gateway.info says so', async () => {
    const { client } = gatewayWith({ CONFINE_KEYS_TO_CALLER: 'false', FAIR_SHARE_MAX_CONCURRENT: '0' });
    await client.kv.put.mutate({ key: unique('anywhere'), value: 'x' });
    expect((await client.gateway.info.query()).policy).toEqual({
      kind: 'allowAll',
      keyPrefix: null,
      fairShare: { maxConcurrent: 0, maxWaitMs: 10_000 },
    });
  });

  it('refuses every call while a setting is invalid, stores nothing, and logs one line that names it', async () => {
    const bad = `yes-${crypto.randomUUID()}`;
    const { client, fetch, lines } = gatewayWith({ CONFINE_KEYS_TO_CALLER: bad });
    const key = unique('refused');
    await expectGatewayError(client.kv.put.mutate({ key, value: 'x' }), 'INTERNAL');
    await expectGatewayError(client.gateway.info.query(), 'INTERNAL');
    const streamed = await fetch(`${GATEWAY_URL}/kv.putStream`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: encodeFrame({ key }),
    });
    expect(streamed.status).toBe(500);
    expect(await env.KV.get(key)).toBeNull();
    const explained = lines.filter((line) => line.event === 'gateway.invalid_settings');
    expect(explained).toHaveLength(1);
    expect(explained[0]?.message).toContain(`CONFINE_KEYS_TO_CALLER must be true or false, not "${bad}"`);
    expect(lines.filter((line) => line.event === 'gateway.internal_error')).toEqual([]);
  });

  it('refuses /api/* while a setting is invalid, instead of sending it to a container', async () => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request('http://localhost/api/users'),
      { ...env, CONTAINER_INSTANCES: 'three' } as unknown as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'the Worker is misconfigured; its log says how' });
  });
});
