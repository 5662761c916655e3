import { env, SELF } from 'cloudflare:test';
import { getRandom } from '@cloudflare/containers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGatewayClient } from '../../shared/client.ts';
import { CONTRACT_VERSION } from '../../shared/index.ts';
import { encodeFrame } from '../../shared/schemas/streams.ts';
import {
  DEV_CALLER_HEADER,
  DEV_GATEWAY_PATH,
  GATEWAY_HOST,
  INSTANCE_HEADER,
  SESSION_KEY_HEADER,
  STREAM_LENGTH_HEADER,
} from '../../shared/transport.ts';
import type { Caller } from '../../worker/caller.ts';
import { Backend } from '../../worker/container.ts';
import { callsInFlight } from '../../worker/fair-share.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';
import { chooseInstance, instanceCount, instanceName } from '../../worker/instances.ts';
import { serveDevGateway } from '../../worker/local-session.ts';
import { expectGatewayError, GATEWAY_URL, settled, unique, waitUntil } from './helpers.ts';

const withKey = (key?: string) =>
  new Request('http://example.com/api/users', key ? { headers: { [SESSION_KEY_HEADER]: key } } : {});

/** How many of the choices went to instances 0, 1 and 2. */
const tally = (choices: number[]) => [0, 1, 2].map((i) => choices.filter((c) => c === i).length);

describe('spreading /api/* over the container instances', () => {
  it('uses the instance names that getRandom of @cloudflare/containers picks from', async () => {
    const ours = new Set([0, 1, 2].map((i) => env.BACKEND.idFromName(instanceName(i)).toString()));
    const picked = new Set<string>();
    for (let i = 0; i < 60; i++) picked.add((await getRandom(env.BACKEND, 3)).id.toString());
    expect(picked).toEqual(ours);
  });

  it('sends every request with one x-session-key to one instance, and spreads keys over all of them', () => {
    const key = unique('session');
    const chosen = new Set(Array.from({ length: 20 }, () => chooseInstance(withKey(key), 3)));
    expect(chosen.size).toBe(1);
    const counts = tally(Array.from({ length: 3000 }, (_, i) => chooseInstance(withKey(`user-${i}`), 3)));
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('moves only the keys of the removed instance when the count shrinks from 3 to 2', () => {
    for (let i = 0; i < 500; i++) {
      const before = chooseInstance(withKey(`user-${i}`), 3);
      if (before < 2) expect(chooseInstance(withKey(`user-${i}`), 2)).toBe(before);
    }
  });

  it('spreads requests without a key over every instance', () => {
    const counts = tally(Array.from({ length: 3000 }, () => chooseInstance(withKey(), 3)));
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('takes the count from CONTAINER_INSTANCES and refuses one that is not a whole number of at least 1', () => {
    expect(instanceCount(env)).toBe(3);
    expect(instanceCount({ CONTAINER_INSTANCES: '2' })).toBe(2);
    for (const bad of [0, -1, 1.5, 'three', '']) {
      expect(() => instanceCount({ CONTAINER_INSTANCES: bad })).toThrow(/CONTAINER_INSTANCES/);
    }
  });

  it('labels the JSON 503 of an instance it cannot start with that instance, the same one for a session key', async () => {
    // No Docker here: every instance fails to start, as a broken one would.
    const key = unique('session');
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        SELF.fetch(withKey(key)).then(async (r) => [
          r.status,
          r.headers.get(INSTANCE_HEADER),
          await r.json(),
        ]),
      ),
    );
    const expected = instanceName(chooseInstance(withKey(key), 3));
    for (const answer of answers) {
      expect(answer).toEqual([
        503,
        expected,
        { error: 'the API container is not reachable; try again shortly' },
      ]);
    }
    const anyInstance = await SELF.fetch('http://example.com/api/users');
    expect(anyInstance.headers.get(INSTANCE_HEADER)).toMatch(/^instance-[0-2]$/);
    await anyInstance.body?.cancel();
  });
});

/** The typed client of one container instance, through the outbound handler as the platform calls it. */
function instanceClient(containerId: string, workerEnv: Cloudflare.Env, options: { retries?: number } = {}) {
  const handler = Backend.outboundByHost?.[GATEWAY_HOST];
  if (!handler) throw new Error('Backend has no outbound handler for the gateway host');
  return createGatewayClient({
    url: GATEWAY_URL,
    retries: options.retries ?? 0,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
      handler(new Request(input, init), workerEnv, { containerId, className: 'Backend' })) as typeof fetch,
  });
}

describe('each container instance is a caller of its own', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("gives each instance's container id to the gateway as its caller, in its answers and log lines", async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'info').mockImplementation((line: string) => void lines.push(line));
    const [a, b] = [unique('container-a'), unique('container-b')];
    expect((await instanceClient(a, env).gateway.info.query()).caller).toEqual({
      transport: 'outbound',
      id: a,
    });
    expect((await instanceClient(b, env).gateway.info.query()).caller).toEqual({
      transport: 'outbound',
      id: b,
    });
    // The outbound handler writes its log lines after the answer (waitUntil of cloudflare:workers).
    await vi.waitFor(() => {
      const calls = lines.flatMap((line) => (JSON.parse(line) as { calls: { caller: string }[] }).calls);
      expect(calls.map((call) => call.caller).sort()).toEqual([a, b].sort());
    });
  });

  it("keeps each instance's KV and R2 writes under its own prefix when CONFINE_KEYS_TO_CALLER is set", async () => {
    vi.spyOn(console, 'info').mockImplementation(() => {});
    const confined = { ...env, CONFINE_KEYS_TO_CALLER: true };
    const [a, b] = [unique('container-a'), unique('container-b')];
    const [clientA, clientB] = [instanceClient(a, confined), instanceClient(b, confined)];
    const [keyA, keyB] = [`callers/${a}/greeting`, `callers/${b}/greeting`];

    await clientA.kv.put.mutate({ key: keyA, value: 'from a' });
    await clientB.kv.put.mutate({ key: keyB, value: 'from b' });
    await clientA.r2.put.mutate({ key: keyA, body: 'from a' });
    expect(await env.KV.get(keyA)).toBe('from a');
    expect(await env.KV.get(keyB)).toBe('from b');

    await expectGatewayError(
      clientA.kv.put.mutate({ key: keyB, value: 'a over b' }),
      'FORBIDDEN',
      new RegExp(`may only use keys under "callers/${a}/"`),
    );
    await expectGatewayError(clientB.r2.put.mutate({ key: `callers/${a}/other`, body: 'b' }), 'FORBIDDEN');
    await expectGatewayError(clientB.kv.list.query({ prefix: `callers/${a}/` }), 'FORBIDDEN');
    expect(await env.KV.get(keyB)).toBe('from b');
    expect(await env.BUCKET.head(`callers/${a}/other`)).toBeNull();
    // D1 is shared by all: the prefix is for KV and R2 only.
    expect(await clientB.db.first.query({ sql: 'SELECT 1 AS one' })).toEqual({ one: 1 });
  });

  it('gives each local process the caller it names on the token route, and refuses a name that could leave its prefix', async () => {
    const token = 'a'.repeat(64);
    const devEnv = { ...env, GATEWAY_DEV_TOKEN: token };
    const client = (name?: string) =>
      createGatewayClient({
        url: `http://127.0.0.1${DEV_GATEWAY_PATH}`,
        token,
        retries: 0,
        fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
          const request = new Request(input, init);
          if (name !== undefined) request.headers.set(DEV_CALLER_HEADER, name);
          return serveDevGateway(request, devEnv, { waitUntil });
        }) as typeof fetch,
      });
    vi.spyOn(console, 'info').mockImplementation(() => {});
    expect((await client('instance-2').gateway.info.query()).caller).toEqual({
      transport: 'dev',
      id: 'instance-2',
    });
    expect((await client().gateway.info.query()).caller).toEqual({ transport: 'dev', id: 'local-session' });
    for (const bad of ['../instance-1', 'a/b', 'a.b', '', 'x'.repeat(65)]) {
      // Refused before the gateway, in the shape of the route's other refusal (a wrong token).
      const refused = await serveDevGateway(
        new Request(`http://127.0.0.1${DEV_GATEWAY_PATH}/gateway.info`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, [DEV_CALLER_HEADER]: bad },
        }),
        devEnv,
        { waitUntil },
      );
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: { json: { data: { gatewayCode: 'BAD_INPUT' } } } });
    }
    await expectGatewayError(client('a/b').gateway.info.query(), 'BAD_INPUT');
  });

  it('answers a wrong or missing token with UNAUTHORIZED in the gateway error shape, which the client does not retry', async () => {
    const devEnv = { ...env, GATEWAY_DEV_TOKEN: 'a'.repeat(64) };
    let requests = 0;
    const client = (token: string | undefined) =>
      createGatewayClient({
        url: `http://127.0.0.1${DEV_GATEWAY_PATH}`,
        token,
        fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
          requests++;
          return serveDevGateway(new Request(input, init), devEnv, { waitUntil });
        }) as typeof fetch,
      });
    // Wrong in its last character only, the secret and one more, its prefix, short, none.
    const near = [`${'a'.repeat(63)}b`, 'a'.repeat(65), 'a'.repeat(63), 'short', undefined];
    for (const token of ['b'.repeat(64), ...near]) {
      requests = 0;
      const error = await expectGatewayError(
        client(token).gateway.info.query(),
        'UNAUTHORIZED',
        /bearer token/,
      );
      expect(error.data).toMatchObject({ httpStatus: 401, retryable: false });
      expect(requests).toBe(1);
    }
    const refused = await serveDevGateway(
      new Request(`http://127.0.0.1${DEV_GATEWAY_PATH}/r2.putStream`, { method: 'POST', body: 'x' }),
      devEnv,
      { waitUntil },
    );
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(await refused.json()).toMatchObject({
      error: { json: { data: { gatewayCode: 'UNAUTHORIZED' } } },
    });
  });
});

describe('fair share', () => {
  /** A caller's typed client over the real handler, keeping each answer's headers. */
  function callerClient(caller: Caller, workerEnv: Env, log: string[] = []) {
    const answers: Response[] = [];
    const client = createGatewayClient({
      url: GATEWAY_URL,
      retries: 0,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const answer = await handleGatewayRequest(new Request(input, init), workerEnv, caller, {
          log: (line) => log.push(line),
          waitUntil,
        });
        answers.push(answer.clone());
        return answer;
      }) as typeof fetch,
    });
    return { client, answers };
  }

  /** A streamed KV put whose body `finish()` ends: a call that holds its slot for as long as asked. */
  function streamedPut(caller: Caller, workerEnv: Env, key: string) {
    let finish = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encodeFrame({ key }));
        controller.enqueue(new TextEncoder().encode('he'));
        finish = () => {
          controller.enqueue(new TextEncoder().encode('ld'));
          controller.close();
        };
      },
    });
    const answer = handleGatewayRequest(
      new Request(`${GATEWAY_URL}/kv.putStream`, {
        method: 'POST',
        headers: {
          [STREAM_LENGTH_HEADER]: '4',
          'x-gateway-contract': CONTRACT_VERSION,
          'content-type': 'application/octet-stream',
        },
        body,
      }),
      workerEnv,
      caller,
      { log: () => {}, waitUntil },
    );
    return { answer, finish: () => finish() };
  }

  const outcome = (call: Promise<unknown>) =>
    call.then(
      () => 'OK',
      (error: { data?: { gatewayCode?: string } }) => error.data?.gatewayCode ?? String(error),
    );
  const idle = { running: 0, waiting: 0 };

  it('refuses the calls a caller has running over its limit with RATE_LIMITED and retry-after, while another caller is served', async () => {
    const limited = { ...env, FAIR_SHARE_MAX_CONCURRENT: 2, FAIR_SHARE_MAX_WAIT_MS: 0 };
    const busy: Caller = { transport: 'outbound', id: unique('busy') };
    const other: Caller = { transport: 'outbound', id: unique('other') };
    const log: string[] = [];
    const { client, answers } = callerClient(busy, limited, log);
    const { client: otherClient } = callerClient(other, limited);
    const read = { sql: 'SELECT 1 AS one', column: 'one' };

    // Five reads in one tick: one HTTP request, all five running at once; and the other caller's two.
    const [busyOutcomes, otherOutcomes] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, () => outcome(client.db.first.query(read)))),
      Promise.all([outcome(otherClient.db.first.query(read)), outcome(otherClient.db.first.query(read))]),
    ]);

    expect(busyOutcomes.sort()).toEqual(['OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(otherOutcomes).toEqual(['OK', 'OK']);
    expect(answers[0]?.headers.get('retry-after')).toBe('1');
    type Item = { error?: { json: { message: string; data: unknown } } };
    const items = (await answers[0]?.json()) as Item[] | undefined;
    const refusal = items?.find((item) => item.error)?.error?.json;
    expect(refusal?.message).toMatch(/fair share: busy-.* has 2 gateway calls running/);
    expect(refusal?.data).toMatchObject({ gatewayCode: 'RATE_LIMITED', retryable: true, httpStatus: 429 });
    // Each refusal has its log line, with the caller and the code (written after the answer).
    await settled();
    const logged = log.flatMap(
      (line) => (JSON.parse(line) as { calls: { caller: string; code: string }[] }).calls,
    );
    expect(logged.filter((line) => line.code === 'RATE_LIMITED')).toHaveLength(3);
    expect(new Set(logged.map((line) => line.caller))).toEqual(new Set([busy.id]));
    expect(callsInFlight(busy)).toEqual(idle);
    expect(callsInFlight(other)).toEqual(idle);
  });

  it("lets a call over the limit wait for one of its caller's own calls to end, first come first served", async () => {
    const limited = { ...env, FAIR_SHARE_MAX_CONCURRENT: 1, FAIR_SHARE_MAX_WAIT_MS: 5000 };
    const caller: Caller = { transport: 'outbound', id: unique('queued') };
    const { client } = callerClient(caller, limited);
    const held = streamedPut(caller, limited, unique('held'));
    await vi.waitFor(() => expect(callsInFlight(caller)).toEqual({ running: 1, waiting: 0 }));

    const order: string[] = [];
    const first = client.gateway.info.query().then(() => order.push('first'));
    await vi.waitFor(() => expect(callsInFlight(caller)).toEqual({ running: 1, waiting: 1 }));
    const second = client.gateway.info.query().then(() => order.push('second'));
    await vi.waitFor(() => expect(callsInFlight(caller)).toEqual({ running: 1, waiting: 2 }));

    held.finish();
    expect((await held.answer).status).toBe(200);
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect(callsInFlight(caller)).toEqual(idle);
  });

  it('refuses a waiting call with RATE_LIMITED once it has waited FAIR_SHARE_MAX_WAIT_MS', async () => {
    const limited = { ...env, FAIR_SHARE_MAX_CONCURRENT: 1, FAIR_SHARE_MAX_WAIT_MS: 50 };
    const caller: Caller = { transport: 'outbound', id: unique('patient') };
    const { client } = callerClient(caller, limited);
    const held = streamedPut(caller, limited, unique('held'));
    await vi.waitFor(() => expect(callsInFlight(caller).running).toBe(1));

    await expectGatewayError(client.gateway.info.query(), 'RATE_LIMITED', /waited 50 ms/);
    expect(callsInFlight(caller)).toEqual({ running: 1, waiting: 0 });
    held.finish();
    expect((await held.answer).status).toBe(200);
    expect(callsInFlight(caller)).toEqual(idle);
  });

  it("refuses a caller's calls over its calls per period (the Rate Limiting binding), while another caller is served", async () => {
    // wrangler.toml's limiter is bound here; this test swaps in one of 5 calls a minute.
    expect(env.CALLER_RATE_LIMIT).toBeDefined();
    const limited = { ...env, CALLER_RATE_LIMIT: env.TEST_RATE_LIMIT };
    const busy = callerClient({ transport: 'outbound', id: unique('busy') }, limited);
    const other = callerClient({ transport: 'outbound', id: unique('other') }, limited);
    const outcomes: string[] = [];
    // One after another, each once the one before it is counted (counts go to the binding together,
    // COUNT_INTERVAL_MS after a call). Eleven: even if a minute's window turns over during the loop,
    // two windows let at most ten through.
    for (let i = 0; i < 11; i++) {
      outcomes.push(await outcome(busy.client.gateway.info.query()));
      await settled();
    }
    expect(outcomes.slice(0, 5)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    expect(outcomes).toContain('RATE_LIMITED');
    expect(outcomes.filter((o) => o !== 'OK' && o !== 'RATE_LIMITED')).toEqual([]);
    const refusal = busy.answers[outcomes.indexOf('RATE_LIMITED')];
    expect(refusal?.status).toBe(429);
    expect(refusal?.headers.get('retry-after')).toBe('1');
    expect(await outcome(other.client.gateway.info.query())).toBe('OK');
  });

  it('counts the calls of one interval together: one limit() per caller, with the calls as its delta', async () => {
    // A limiter that records what it is asked (the real binding's counts are the test above's).
    const asked: { key: string; delta?: number }[] = [];
    const recording: RateLimit = {
      limit: async (options) => {
        asked.push(options);
        return { success: true };
      },
    };
    const limited = { ...env, CALLER_RATE_LIMIT: recording };
    const [first, second] = [unique('counted'), unique('counted')];
    const a = callerClient({ transport: 'outbound', id: first }, limited);
    const b = callerClient({ transport: 'outbound', id: second }, limited);
    // Seven calls of one caller and two of another, within one interval (a few ms here).
    const calls = [
      ...Array.from({ length: 4 }, () => outcome(a.client.gateway.info.query())),
      outcome(b.client.gateway.info.query()),
    ];
    expect(await Promise.all(calls)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    for (let i = 0; i < 3; i++) expect(await outcome(a.client.gateway.info.query())).toBe('OK');
    expect(await outcome(b.client.gateway.info.query())).toBe('OK');
    expect(asked).toEqual([]); // nothing asked on a call's path
    await settled();
    expect(asked.sort((x, y) => x.key.localeCompare(y.key))).toEqual(
      [
        { key: `outbound:${first}`, delta: 7 },
        { key: `outbound:${second}`, delta: 2 },
      ].sort((x, y) => x.key.localeCompare(y.key)),
    );
  });

  it("counts each call on its own where the binding refuses delta (miniflare's older local binding)", async () => {
    const asked: { key: string; delta?: number }[] = [];
    const withoutDelta: RateLimit = {
      limit: async (options) => {
        if ('delta' in options) throw new Error('bad rate limit options: [delta]');
        asked.push(options);
        return { success: asked.length < 3 };
      },
    };
    const limited = { ...env, CALLER_RATE_LIMIT: withoutDelta };
    const caller = unique('undelta');
    const { client } = callerClient({ transport: 'outbound', id: caller }, limited);
    const burst = await Promise.all(Array.from({ length: 4 }, () => outcome(client.gateway.info.query())));
    expect(burst).toEqual(['OK', 'OK', 'OK', 'OK']);
    await settled();
    expect(asked).toEqual(Array.from({ length: 4 }, () => ({ key: `outbound:${caller}` })));
    // The binding said no (its third answer on): the caller's next call is refused.
    expect(await outcome(client.gateway.info.query())).toBe('RATE_LIMITED');
  });

  it('limits stream calls too: a second streamed put is refused while the first one holds its slot', async () => {
    const limited = { ...env, FAIR_SHARE_MAX_CONCURRENT: 1, FAIR_SHARE_MAX_WAIT_MS: 0 };
    const caller: Caller = { transport: 'outbound', id: unique('streamer') };
    const [firstKey, secondKey] = [unique('fair-stream'), unique('fair-stream')];
    const first = streamedPut(caller, limited, firstKey);
    await vi.waitFor(() => expect(callsInFlight(caller).running).toBe(1));
    const second = streamedPut(caller, limited, secondKey);
    second.finish();
    const refused = await second.answer;
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({
      error: { json: { data: { gatewayCode: 'RATE_LIMITED' } } },
    });
    first.finish();
    expect((await first.answer).status).toBe(200);
    expect(await env.KV.get(firstKey)).toBe('held');
    expect(await env.KV.get(secondKey)).toBeNull();
    expect(callsInFlight(caller)).toEqual(idle);
  });

  it('frees the slot of a call that failed, so that a caller is never locked out by its own errors', async () => {
    const limited = { ...env, FAIR_SHARE_MAX_CONCURRENT: 1, FAIR_SHARE_MAX_WAIT_MS: 0 };
    const caller: Caller = { transport: 'outbound', id: unique('failing') };
    const { client } = callerClient(caller, limited);
    for (let i = 0; i < 3; i++) {
      await expectGatewayError(client.db.query.query({ sql: 'SELEC nonsense' }), 'SQL_ERROR');
    }
    expect(callsInFlight(caller)).toEqual(idle);
    expect(await client.db.first.query({ sql: 'SELECT 1 AS one', column: 'one' })).toBe(1);
  });

  it('refuses to guess at a limit that is not a whole number', async () => {
    const { client } = callerClient(
      { transport: 'outbound', id: unique('misconfigured') },
      { ...env, FAIR_SHARE_MAX_CONCURRENT: 'ten' as unknown as number },
    );
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await expectGatewayError(client.gateway.info.query(), 'INTERNAL');
    vi.restoreAllMocks();
  });
});
