import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { createGatewayClient, gatewayCodeOf } from '../../shared/client.ts';
import { computeContractVersion } from '../../shared/contract-hash.ts';
import { CONTRACT_VERSION, transformer } from '../../shared/index.ts';
import { CONTRACT_HEADER } from '../../shared/transport.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import { expectGatewayError, GATEWAY_URL, gateway, gatewayFetch, unique } from './helpers.ts';

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** A client over the real handler, with a fetch that can misbehave first. */
function clientWith(fetch: Fetch, options: { deadlineMs?: number } = {}) {
  return createGatewayClient({ url: GATEWAY_URL, fetch: fetch as typeof globalThis.fetch, ...options });
}

async function usersTable(): Promise<string> {
  const name = unique('rel').replaceAll('-', '_');
  await env.DB.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)`);
  return name;
}

const count = async (table: string) =>
  env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<number>('n');

describe('the contract version', () => {
  it('is the hash of the contract as it is (run npm run contract:version after changing it)', async () => {
    expect(await computeContractVersion()).toBe(CONTRACT_VERSION);
  });

  it('is checked: a client of another contract gets VERSION_MISMATCH (412), and the next call is served', async () => {
    const response = await gatewayFetch(`${GATEWAY_URL}/gateway.info?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONTRACT_HEADER]: '0000000000000000' },
      body: JSON.stringify({ 0: transformer.serialize(undefined) }),
    });
    expect(response.status).toBe(412);
    const [item] = (await response.json()) as [{ error: { json: { data: { gatewayCode: string } } } }];
    expect(item.error.json.data.gatewayCode).toBe('VERSION_MISMATCH');
    expect((await gateway.gateway.info.query()).contractVersion).toBe(CONTRACT_VERSION);
  });
});

describe('retries', () => {
  /** Answers the first `failures` requests with a bare 503, as a gateway restarting would. */
  function flaky(failures: number) {
    const seen = { requests: 0 };
    const fetch: Fetch = async (input, init) => {
      seen.requests++;
      if (seen.requests <= failures) return new Response('Service Unavailable', { status: 503 });
      return gatewayFetch(input, init);
    };
    return { seen, fetch };
  }

  it('retry a read after a transient 503, and it succeeds', async () => {
    const { seen, fetch } = flaky(2);
    expect(await clientWith(fetch).db.first.query({ sql: 'SELECT 7 AS n' })).toEqual({ n: 7 });
    expect(seen.requests).toBe(3);
  });

  it('retry a keyed write after a transient 503, running it once', async () => {
    const table = await usersTable();
    const { seen, fetch } = flaky(1);
    await clientWith(fetch).db.run.mutate({ sql: `INSERT INTO ${table} (v) VALUES ('w')` });
    expect(seen.requests).toBe(2);
    expect(await count(table)).toBe(1);
  });

  it('do not retry a write without a key', async () => {
    const table = await usersTable();
    const { seen, fetch } = flaky(1);
    const error = await clientWith(fetch)
      .db.run.mutate({ sql: `INSERT INTO ${table} (v) VALUES ('w')`, idempotencyKey: undefined })
      .catch((e: unknown) => e);
    expect(gatewayCodeOf(error)).toBe('UNAVAILABLE');
    expect(seen.requests).toBe(1);
    expect(await count(table)).toBe(0);
  });

  it('do not retry what cannot pass (bad SQL)', async () => {
    const { seen, fetch } = flaky(0);
    await expect(clientWith(fetch).db.query.query({ sql: 'SELEC 1' })).rejects.toThrow(/syntax error/);
    expect(seen.requests).toBe(1);
  });
});

describe("KV's write rate (one write per second per key)", () => {
  it('answers RATE_LIMITED (429, retryable), and the client retries the keyed write once through', async () => {
    // Local KV does not enforce the rate, so the binding here fails its first put as KV does.
    let puts = 0;
    const KV = new Proxy(env.KV, {
      get(target, property) {
        if (property !== 'put') return Reflect.get(target, property);
        return (...args: Parameters<KVNamespace['put']>) => {
          puts++;
          if (puts === 1) return Promise.reject(new Error('KV PUT failed: 429 Too Many Requests'));
          return target.put(...args);
        };
      },
    });
    const fetchWithRateLimit: Fetch = (input, init) =>
      handleGatewayRequest(
        new Request(input, init),
        { ...env, KV },
        { transport: 'test', id: 'rate' },
        { log: () => {} },
      );
    const key = unique('rate');
    const raw = createGatewayClient({
      url: GATEWAY_URL,
      fetch: fetchWithRateLimit as typeof fetch,
      retries: 0,
    });
    const error = await expectGatewayError(raw.kv.put.mutate({ key, value: 'v' }), 'RATE_LIMITED');
    expect(error.data).toMatchObject({ httpStatus: 429, retryable: true });
    puts = 0;
    await clientWith(fetchWithRateLimit).kv.put.mutate({ key, value: 'second try' });
    expect(puts).toBe(2);
    expect(await env.KV.get(key)).toBe('second try');
  });
});

describe('deadlines and cancellation', () => {
  it('abort a call past its deadline with CANCELLED, and leave no write behind', async () => {
    const table = await usersTable();
    // The request is sent only once the client has given up on it: whatever the gateway does with a
    // request whose signal has fired is what a late delivery gets.
    let delivered: Promise<unknown> | undefined;
    const late: Fetch = async (input, init) => {
      const signal = init?.signal;
      if (!signal) throw new Error('the client sent no signal');
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve));
      delivered = gatewayFetch(input, init).then(
        (response) => response.text(),
        (error: unknown) => error,
      );
      await delivered;
      throw new DOMException('The operation was aborted.', 'AbortError');
    };
    const error = await clientWith(late, { deadlineMs: 1 })
      .db.run.mutate({ sql: `INSERT INTO ${table} (v) VALUES ('late')` })
      .catch((e: unknown) => e);
    expect(gatewayCodeOf(error)).toBe('CANCELLED');
    await vi.waitFor(() => expect(delivered).toBeDefined());
    await delivered;
    expect(await count(table)).toBe(0);
  });

  it('take a deadline per call and an AbortSignal from the caller', async () => {
    const slow: Fetch = async (input, init) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return gatewayFetch(input, init);
    };
    const client = clientWith(slow, { deadlineMs: 10_000 });
    const late = await client.gateway.info
      .query(undefined, { context: { deadlineMs: 5 } })
      .catch((e: unknown) => e);
    expect(gatewayCodeOf(late)).toBe('CANCELLED');
    const controller = new AbortController();
    const aborted = client.gateway.info
      .query(undefined, { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    expect(gatewayCodeOf(await aborted)).toBe('CANCELLED');
    expect((await client.gateway.info.query()).contractVersion).toBe(CONTRACT_VERSION);
  });
});
