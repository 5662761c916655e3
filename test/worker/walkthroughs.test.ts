import { env } from 'cloudflare:test';
import type { TRPCClient } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { Hono } from 'hono';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createGatewayClient } from '../../shared/client.ts';
import { createGatewayEnv } from '../../shared/env/index.ts';
import {
  GATEWAY_BINDINGS,
  KvBinding,
  KvKey,
  type ProcedureEntry,
  type ProceduresOf,
  type RouterOf,
} from '../../shared/index.ts';
import { afterAnswer } from '../../worker/after.ts';
import { kvBinding } from '../../worker/bindings.ts';
import type { Caller, GatewayContext } from '../../worker/context.ts';
import { checkCallerWaits } from '../../worker/idempotency.ts';
import { allowAll } from '../../worker/policy.ts';
import { procedure, router } from '../../worker/trpc.ts';
import { NOTES_MIGRATION, notesRoutes } from './fixtures/notes.ts';
import { expectGatewayError, GATEWAY_URL, gateway, gatewayFetch, unique, waitUntil } from './helpers.ts';

// The walkthroughs in docs/ (adding-a-procedure.md, adding-a-binding.md) and the README's tour, done
// for real. The code blocks of adding-a-procedure.md are this file's code, word for word, and the
// tour's are fixtures/notes.ts (test/repo/docs.test.ts checks both).

// ── The README's tour: a table and a handler ────────────────────────────────────────────────────

describe('the README tour', () => {
  it('serves a new table through a container handler written against env.DB', async () => {
    await env.DB.exec('DROP TABLE IF EXISTS notes');
    await env.DB.exec(NOTES_MIGRATION.trim());
    const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });
    const app = new Hono().route('/api/notes', notesRoutes(gw));
    const created = await app.request('/api/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'hello' }),
    });
    expect(created.status).toBe(201);
    const { note } = (await created.json()) as { note: unknown };
    expect(note).toEqual({ id: expect.any(Number), body: 'hello' });
    const listed = await app.request('/api/notes');
    expect(await listed.json()).toEqual({ notes: [note] });
  });

  it.each([
    ['no body', undefined, 'send JSON: {"body": "<text>"}'],
    ['a body that is not JSON', '{"body":', 'send JSON: {"body": "<text>"}'],
    ['an object without body', '{}', 'body must be a string'],
    ['a number for body', '{"body":5}', 'body must be a string'],
    ['an empty body', '{"body":""}', 'body is empty'],
  ])('answers %s with 400 and what was wrong, as the users API does', async (_, body, error) => {
    await env.DB.exec(
      'CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)',
    );
    const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });
    const app = new Hono().route('/api/notes', notesRoutes(gw));
    const answer = await app.request('/api/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error });
  });
});

// ── Adding a procedure ──────────────────────────────────────────────────────────────────────────
// A real change edits shared/limits.ts, shared/schemas/kv.ts, shared/procedures.ts and
// worker/routers/kv.ts; here the same code stands in a fixture router of its own.

// Step 1 (shared/limits.ts):
/** Keys one `KV.get(keys)` reads at most (developers.cloudflare.com/kv/api/read-key-value-pairs/). */
const KV_MAX_BULK_GET_KEYS = 100;

// Step 1 (shared/schemas/kv.ts, entries of `kv`):
const kv = {
  /** `KV.get(keys)`: several keys in one read; a missing key's value is `null`. */
  getMany: {
    input: z.object({
      binding: KvBinding,
      keys: z.array(KvKey).min(1).max(KV_MAX_BULK_GET_KEYS),
    }),
    output: z.record(z.string(), z.string().nullable()),
  },
  /** Deletes several keys; deleting a missing key is not an error. */
  deleteMany: {
    input: z.object({
      binding: KvBinding,
      keys: z.array(KvKey).min(1).max(KV_MAX_BULK_GET_KEYS),
    }),
    output: z.void(),
  },
} as const;

// Step 2 (shared/procedures.ts, entries of `PROCEDURES`):
const PROCEDURES = {
  'kv.getMany': { kind: 'query', schema: kv.getMany, retry: 'read', keys: ['keys'] },
  'kv.deleteMany': { kind: 'mutation', schema: kv.deleteMany, retry: 'idempotent', keys: ['keys'] },
} as const satisfies Record<string, ProcedureEntry>;

type Procedures = ProceduresOf<typeof PROCEDURES>;

// Step 3 (worker/routers/kv.ts, entries of `kvRouter`):
const kvRouter = router({
  getMany: procedure
    .input(kv.getMany.input)
    .output(kv.getMany.output)
    .query(async ({ input, ctx }) => {
      const values = await kvBinding(ctx.env, input.binding).get(input.keys, 'text');
      return Object.fromEntries(values);
    }),

  deleteMany: procedure
    .input(kv.deleteMany.input)
    .output(kv.deleteMany.output)
    .mutation(async ({ input, ctx }) => {
      checkCallerWaits(ctx);
      const namespace = kvBinding(ctx.env, input.binding);
      await Promise.all(input.keys.map((key) => namespace.delete(key)));
    }),
});

const walkthroughRouter = router({ kv: kvRouter });
type WalkthroughRouter = RouterOf<Procedures>;

const caller: Caller = { transport: 'test', id: 'walkthrough' };

/** A context of the shape worker/gateway.ts makes for each request. */
function contextFor(signal: AbortSignal, resHeaders = new Headers()): GatewayContext {
  return {
    env,
    caller,
    d1Session: undefined,
    d1Sessions: new Map(),
    resHeaders,
    batchedReads: 0,
    readBatches: new Map(),
    answer: { inlineBytes: 0 },
    requestId: crypto.randomUUID(),
    policy: allowAll,
    log: () => {},
    after: afterAnswer(waitUntil),
    signal,
  };
}

// worker/gateway.ts serves the one appRouter; this serves the fixture router with the same tRPC setup
// (worker/trpc.ts: transformer, error shape, policy, log line) and that context.
function serve(served: AnyTRPCRouter): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    return fetchRequestHandler({
      endpoint: '/trpc',
      req: request,
      router: served,
      allowMethodOverride: true,
      createContext: ({ resHeaders }) => contextFor(request.signal, resHeaders),
    });
  };
}

// Step 2 in a real change makes the shipped client's type include the procedure; here the fixture's
// router type stands in for AppRouter. At run time it is the shipped client: its links give the
// mutation an idempotency key, set its deadline and batch the calls of a tick.
const client = createGatewayClient({
  url: GATEWAY_URL,
  fetch: serve(walkthroughRouter),
}) as unknown as TRPCClient<WalkthroughRouter>;

describe('the walkthrough for adding a procedure', () => {
  it('builds a router whose type is the one declared from the schemas', () => {
    expectTypeOf<(typeof walkthroughRouter)['_def']['record']>().toEqualTypeOf<
      WalkthroughRouter['_def']['record']
    >();
    expectTypeOf(client.kv.getMany.query).returns.resolves.toEqualTypeOf<Record<string, string | null>>();
    expectTypeOf(client.kv.deleteMany.mutate)
      .parameter(0)
      .toEqualTypeOf<z.input<typeof kv.deleteMany.input>>();
  });

  it('reads several KV keys in one call through the client, null for a missing one', async () => {
    const [a, b, missing] = [unique('a'), unique('b'), unique('missing')];
    await env.KV.put(a, 'one');
    await env.KV.put(b, 'two');
    expect(await client.kv.getMany.query({ keys: [a, b, missing] })).toEqual({
      [a]: 'one',
      [b]: 'two',
      [missing]: null,
    });
  });

  it('reads from the binding the call names', async () => {
    const key = unique('cached');
    await env.CACHE.put(key, 'in CACHE');
    expect(await client.kv.getMany.query({ keys: [key], binding: 'CACHE' })).toEqual({ [key]: 'in CACHE' });
    expect(await client.kv.getMany.query({ keys: [key] })).toEqual({ [key]: null });
  });

  it('refuses an empty list with BAD_INPUT and one over KV’s limit with LIMIT_EXCEEDED', async () => {
    await expectGatewayError(client.kv.getMany.query({ keys: [] }), 'BAD_INPUT');
    const tooMany = Array.from({ length: KV_MAX_BULK_GET_KEYS + 1 }, (_, i) => `k${i}`);
    await expectGatewayError(client.kv.getMany.query({ keys: tooMany }), 'LIMIT_EXCEEDED');
  });

  it('deletes several keys in one call, missing ones too, and answers void', async () => {
    const [a, b, missing] = [unique('a'), unique('b'), unique('missing')];
    await env.KV.put(a, 'one');
    await env.KV.put(b, 'two');
    expect(await client.kv.deleteMany.mutate({ keys: [a, b, missing] })).toBeUndefined();
    expect(await env.KV.get(a)).toBeNull();
    expect(await env.KV.get(b)).toBeNull();
  });

  it('starts no write for a caller that has gone', async () => {
    const key = unique('kept');
    await env.KV.put(key, 'still here');
    const gone = walkthroughRouter.createCaller(contextFor(AbortSignal.abort()));
    await expect(gone.kv.deleteMany({ keys: [key] })).rejects.toMatchObject({ gatewayCode: 'CANCELLED' });
    expect(await env.KV.get(key)).toBe('still here');
  });
});

// ── Adding a binding ────────────────────────────────────────────────────────────────────────────
// CACHE, the second KV namespace, was added by exactly the steps of docs/adding-a-binding.md.

describe('the walkthrough for adding a binding, as CACHE was added', () => {
  it('has the binding in the generated Env and in the list the gateway exposes', () => {
    expectTypeOf<Env['CACHE']>().toEqualTypeOf<KVNamespace>();
    expect(GATEWAY_BINDINGS.kv).toContain('CACHE');
  });

  it('lets every procedure of the kind name it, and reaches that binding, not the first', async () => {
    const key = unique('binding');
    await gateway.kv.put.mutate({ key, value: 'to CACHE', binding: 'CACHE' });
    expect(await env.CACHE.get(key)).toBe('to CACHE');
    expect(await env.KV.get(key)).toBeNull();
  });

  it('gives the container env.CACHE, a KVNamespace over the gateway', async () => {
    const key = unique('env');
    const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });
    expectTypeOf(gw.CACHE).toEqualTypeOf<KVNamespace>();
    await gw.CACHE.put(key, 'from the container');
    expect(await env.CACHE.get(key)).toBe('from the container');
  });

  it('lists it in gateway.info, and refuses a binding that is in env but not on the list', async () => {
    expect((await gateway.gateway.info.query()).bindings.kv).toEqual(['KV', 'CACHE']);
    const unlisted = { key: unique('k'), binding: 'TEST_MIGRATIONS' } as unknown as { key: string };
    await expectGatewayError(gateway.kv.get.query(unlisted), 'BAD_INPUT');
  });
});
