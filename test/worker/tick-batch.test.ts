import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { describe, expect, it, vi } from 'vitest';
import { createGatewayClient, type GatewayClientOptions, gatewayCodeOf } from '../../shared/client.ts';
import { type AppRouter, CONTRACT_VERSION, GATEWAY_MAX_BATCH_SIZE, transformer } from '../../shared/index.ts';
import { tickBatchLink } from '../../shared/links/tick-batch.ts';
import { GATEWAY_URL, gatewayFetch, unique } from './helpers.ts';

/** One HTTP request as the gateway received it. */
interface Sent {
  procedures: string[];
  body: Record<string, unknown>;
  headers: Headers;
  signal: AbortSignal | undefined;
}

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** A fetch that records every request, then hands it to `next` (the real gateway by default). */
function recording(next: Fetch = gatewayFetch) {
  const sent: Sent[] = [];
  const fetch: Fetch = (input, init) => {
    const url = new URL(String(input));
    sent.push({
      procedures: url.pathname.split('/').at(-1)?.split(',') ?? [],
      body: JSON.parse(String(init?.body)) as Record<string, unknown>,
      headers: new Headers(init?.headers),
      signal: init?.signal ?? undefined,
    });
    return next(input, init);
  };
  return { sent, fetch };
}

function client(fetch: Fetch, options: Partial<GatewayClientOptions> = {}) {
  return createGatewayClient({ url: GATEWAY_URL, fetch: fetch as typeof globalThis.fetch, ...options });
}

/** Waits until `condition` holds (vi.waitFor takes a callback that throws until then). */
const until = (condition: () => boolean) =>
  vi.waitFor(() => {
    if (!condition()) throw new Error('not yet');
  });

const nextTick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** An error item as the gateway sends one in a batch answer, for a gateway code that can be retried. */
const unavailable = {
  error: transformer.serialize({
    message: 'D1_ERROR: Network connection lost.',
    code: -32603,
    data: { gatewayCode: 'UNAVAILABLE', retryable: true, httpStatus: 503 },
  }),
};

describe('batching by tick', () => {
  it('sends the calls made in one tick, Promise.all and later microtasks included, as one request', async () => {
    const { sent, fetch } = recording();
    const gateway = client(fetch);
    const first = gateway.db.first.query({ sql: 'SELECT 1 AS n' });
    const rest = Promise.resolve().then(async () => {
      await null;
      return Promise.all([gateway.gateway.info.query(), gateway.kv.get.query({ key: unique('none') })]);
    });
    const [n, [info, value]] = await Promise.all([first, rest]);
    expect([n, info.contractVersion, value]).toEqual([{ n: 1 }, CONTRACT_VERSION, null]);
    expect(sent.map((s) => s.procedures)).toEqual([['db.first', 'gateway.info', 'kv.get']]);
  });

  it('sends calls made in different ticks as different requests', async () => {
    const { sent, fetch } = recording();
    const gateway = client(fetch);
    const first = gateway.db.first.query({ sql: 'SELECT 1 AS n' });
    await nextTick();
    const second = gateway.db.first.query({ sql: 'SELECT 2 AS n' });
    expect(await Promise.all([first, second])).toEqual([{ n: 1 }, { n: 2 }]);
    expect(sent.map((s) => s.procedures)).toEqual([['db.first'], ['db.first']]);
  });

  it(`splits a tick's calls into requests of at most ${GATEWAY_MAX_BATCH_SIZE}`, async () => {
    const { sent, fetch } = recording();
    const gateway = client(fetch);
    const calls = GATEWAY_MAX_BATCH_SIZE * 2 + 1;
    const answers = await Promise.all(
      Array.from({ length: calls }, (_, i) => gateway.db.first.query({ sql: 'SELECT ? AS n', params: [i] })),
    );
    expect(answers).toEqual(Array.from({ length: calls }, (_, i) => ({ n: i })));
    expect(sent.map((s) => s.procedures.length)).toEqual([GATEWAY_MAX_BATCH_SIZE, GATEWAY_MAX_BATCH_SIZE, 1]);
  });

  it('refuses a maxItems that is not a whole number of at least 1', () => {
    for (const maxItems of [0, -1, 2.5, Number.NaN]) {
      expect(() => tickBatchLink({ url: GATEWAY_URL, transformer, maxItems }), String(maxItems)).toThrow(
        RangeError,
      );
    }
  });

  it('sends queries and mutations of one tick as separate requests', async () => {
    const { sent, fetch } = recording();
    const gateway = client(fetch);
    const key = unique('kv');
    await Promise.all([
      gateway.kv.put.mutate({ key, value: 'v' }),
      gateway.gateway.info.query(),
      gateway.kv.delete.mutate({ key: unique('gone') }),
    ]);
    expect(sent.map((s) => s.procedures)).toEqual([['gateway.info'], ['kv.put', 'kv.delete']]);
  });

  it("answers each call of a batch with its own result or its own error in tRPC's shape", async () => {
    const gateway = client(gatewayFetch);
    const [ok, failed] = await Promise.allSettled([
      gateway.db.first.query({ sql: 'SELECT 3 AS n' }),
      gateway.db.query.query({ sql: 'SELECT * FROM nowhere_at_all' }),
    ]);
    expect(ok).toEqual({ status: 'fulfilled', value: { n: 3 } });
    if (failed.status !== 'rejected') return expect.unreachable('the bad SQL succeeded');
    expect(failed.reason).toBeInstanceOf(TRPCClientError);
    expect((failed.reason as TRPCClientError<AppRouter>).data).toMatchObject({
      gatewayCode: 'SQL_ERROR',
      httpStatus: 400,
    });
  });

  it('fails every call of a batch with UNAVAILABLE when the request itself fails', async () => {
    const gateway = client(() => Promise.reject(new TypeError('fetch failed')), { retries: 0 });
    const outcomes = await Promise.allSettled([
      gateway.gateway.info.query(),
      gateway.db.first.query({ sql: 'SELECT 1' }),
    ]);
    expect(outcomes.map((o) => o.status === 'rejected' && gatewayCodeOf(o.reason))).toEqual([
      'UNAVAILABLE',
      'UNAVAILABLE',
    ]);
  });

  it('sends the headers, the contract version and a request id with every request', async () => {
    const { sent, fetch } = recording();
    await client(fetch, { token: 't'.repeat(32), requestId: () => 'req-1' }).gateway.info.query();
    const [request] = sent;
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.headers.get('x-gateway-contract')).toBe(CONTRACT_VERSION);
    expect(request?.headers.get('x-request-id')).toBe('req-1');
    expect(request?.headers.get('authorization')).toBe(`Bearer ${'t'.repeat(32)}`);
  });
});

describe("tRPC's own wire format", () => {
  it("sends byte for byte what tRPC's httpBatchLink sends for the same calls", async () => {
    const ours = recording();
    const theirs = recording();
    const input = {
      sql: 'SELECT ? AS d, ? AS b',
      params: [new Date(0).toISOString(), new Uint8Array([1, 2])],
    };
    const calls = (c: ReturnType<typeof createTRPCClient<AppRouter>>) =>
      Promise.all([c.db.first.query(input), c.gateway.info.query(), c.db.raw.query({ sql: 'SELECT 1' })]);
    const headers = () => ({ 'x-request-id': 'same' });
    await calls(
      createTRPCClient<AppRouter>({
        links: [tickBatchLink({ url: GATEWAY_URL, transformer, headers, fetch: ours.fetch as typeof fetch })],
      }),
    );
    await calls(
      createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: GATEWAY_URL,
            transformer,
            methodOverride: 'POST',
            headers,
            fetch: theirs.fetch,
          }),
        ],
      }),
    );
    expect(ours.sent.map(({ procedures, body }) => ({ procedures, body }))).toEqual(
      theirs.sent.map(({ procedures, body }) => ({ procedures, body })),
    );
    expect(Object.fromEntries(ours.sent[0]?.headers ?? [])).toEqual(
      Object.fromEntries(theirs.sent[0]?.headers ?? []),
    );
  });

  it("is served to tRPC's official httpBatchLink with the contract's transformer", async () => {
    const official = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: GATEWAY_URL,
          transformer,
          methodOverride: 'POST',
          fetch: gatewayFetch as typeof fetch,
        }),
      ],
    });
    const [row, info] = await Promise.all([
      official.db.first.query({ sql: 'SELECT ? AS b', params: [new Uint8Array([7, 8])] }),
      official.gateway.info.query(),
    ]);
    expect(row).toEqual({ b: new Uint8Array([7, 8]) });
    expect(info.contractVersion).toBe(CONTRACT_VERSION);
  });
});

describe('abort, deadline, retry and idempotency with tick batching', () => {
  it('leaves an aborted call out of its batch when it aborts before the batch is sent', async () => {
    const { sent, fetch } = recording();
    const gateway = client(fetch);
    const controller = new AbortController();
    const aborted = gateway.db.first.query({ sql: 'SELECT 1 AS n' }, { signal: controller.signal });
    const kept = gateway.db.first.query({ sql: 'SELECT 2 AS n' });
    controller.abort();
    const [a, b] = await Promise.allSettled([aborted, kept]);
    expect(a.status === 'rejected' && gatewayCodeOf(a.reason)).toBe('CANCELLED');
    expect(b).toEqual({ status: 'fulfilled', value: { n: 2 } });
    expect(sent.map((s) => [s.procedures.length, Object.keys(s.body).length])).toEqual([[1, 1]]);
  });

  it('answers the rest of a batch in flight when one call aborts, and aborts the request when all have', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { sent, fetch } = recording(async (input, init) => {
      await held;
      return gatewayFetch(input, init);
    });
    const gateway = client(fetch);
    const first = new AbortController();
    const one = gateway.db.first.query({ sql: 'SELECT 1 AS n' }, { signal: first.signal });
    const two = gateway.db.first.query({ sql: 'SELECT 2 AS n' });
    await until(() => sent.length === 1);
    first.abort();
    await expect(one).rejects.toSatisfy((e: unknown) => gatewayCodeOf(e) === 'CANCELLED');
    expect(sent[0]?.signal?.aborted).toBe(false);
    release();
    expect(await two).toEqual({ n: 2 });

    const again = recording(() => new Promise<Response>(() => {}));
    const stalled = client(again.fetch);
    const controllers = [new AbortController(), new AbortController()];
    const calls = controllers.map((c) =>
      stalled.gateway.info.query(undefined, { signal: c.signal }).catch((e) => e),
    );
    await until(() => again.sent.length === 1);
    controllers[0]?.abort();
    expect(again.sent[0]?.signal?.aborted).toBe(false);
    controllers[1]?.abort();
    expect(again.sent[0]?.signal?.aborted).toBe(true);
    expect((await Promise.all(calls)).map(gatewayCodeOf)).toEqual(['CANCELLED', 'CANCELLED']);
  });

  it('fails a call past its deadline with CANCELLED while its batch-mate is answered', async () => {
    const { sent, fetch } = recording(async (input, init) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return gatewayFetch(input, init);
    });
    const gateway = client(fetch);
    const [late, onTime] = await Promise.allSettled([
      gateway.db.first.query({ sql: 'SELECT 1 AS n' }, { context: { deadlineMs: 5 } }),
      gateway.db.first.query({ sql: 'SELECT 2 AS n' }),
    ]);
    expect(late.status === 'rejected' && gatewayCodeOf(late.reason)).toBe('CANCELLED');
    expect(onTime).toEqual({ status: 'fulfilled', value: { n: 2 } });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.signal?.aborted).toBe(false);
  });

  it('re-sends a read that failed with a retryable code in a later request, alone', async () => {
    const { sent, fetch } = recording(async (input, init) => {
      const response = await gatewayFetch(input, init);
      if (sent.length > 1) return response;
      // The first request: the second call's answer becomes a transient failure.
      const items = (await response.json()) as unknown[];
      return Response.json([items[0], unavailable], { status: 207 });
    });
    const gateway = client(fetch);
    const answers = await Promise.all([
      gateway.db.first.query({ sql: 'SELECT 1 AS n' }),
      gateway.db.first.query({ sql: 'SELECT 2 AS n' }),
    ]);
    expect(answers).toEqual([{ n: 1 }, { n: 2 }]);
    expect(sent.map((s) => s.procedures)).toEqual([['db.first', 'db.first'], ['db.first']]);
    expect(sent[1]?.body).toEqual({ 0: sent[0]?.body[1] });
  });

  it('re-sends a write with the idempotency key it was first sent with', async () => {
    const { sent, fetch } = recording(async (input, init) => {
      if (sent.length === 1) return new Response('Service Unavailable', { status: 503 });
      return gatewayFetch(input, init);
    });
    await client(fetch).db.run.mutate({ sql: 'SELECT 1' });
    const keys = sent.map((s) => (s.body[0] as { json: { idempotencyKey?: string } }).json.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });
});
