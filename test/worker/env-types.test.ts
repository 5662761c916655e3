import { describe, expectTypeOf, it } from 'vitest';
import { createGatewayEnv, type GatewayEnv } from '../../shared/env/index.ts';
import { gatewayKvNamespace } from '../../shared/env/kv.ts';
import { gatewayR2Bucket } from '../../shared/env/r2.ts';
import { GATEWAY_URL, gateway, gatewayFetch } from './helpers.ts';

// These assertions are checked by the type checker (`npm run typecheck`, part of `npm test`).

const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });

describe('the binding-shaped clients', () => {
  it('can stand wherever Worker code expects the bindings', () => {
    expectTypeOf(gw.KV).toExtend<KVNamespace>();
    expectTypeOf(gw.CACHE).toExtend<KVNamespace>();
    expectTypeOf(gw.BUCKET).toExtend<R2Bucket>();
    expectTypeOf(gw.DB).toExtend<D1Database>();
    expectTypeOf(gatewayKvNamespace({ url: GATEWAY_URL }, gateway, 'KV')).toExtend<KVNamespace>();
    expectTypeOf(gatewayR2Bucket({ url: GATEWAY_URL }, gateway, 'BUCKET')).toExtend<R2Bucket>();
  });

  it('give the binding types of their methods, overloads included', () => {
    // Wrapped in functions: expectTypeOf evaluates its argument, and these are types, not calls.
    expectTypeOf(() => gw.KV.get('k', 'json')).returns.resolves.toEqualTypeOf<unknown>();
    expectTypeOf(() => gw.KV.get('k', 'arrayBuffer')).returns.resolves.toEqualTypeOf<ArrayBuffer | null>();
    expectTypeOf(() => gw.KV.get(['a', 'b'])).returns.resolves.toEqualTypeOf<Map<string, string | null>>();
    expectTypeOf(() => gw.BUCKET.get('k')).returns.resolves.toEqualTypeOf<R2ObjectBody | null>();
    expectTypeOf(() => gw.BUCKET.get('k', { onlyIf: {} })).returns.resolves.toEqualTypeOf<
      R2ObjectBody | R2Object | null
    >();
  });

  it('make up an env with exactly the exposed bindings', () => {
    expectTypeOf<keyof GatewayEnv>().toEqualTypeOf<'DB' | 'ARCHIVE' | 'KV' | 'CACHE' | 'BUCKET'>();
  });
});
