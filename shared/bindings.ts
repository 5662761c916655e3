import { z } from 'zod';

/**
 * The bindings the gateway exposes, by kind: an explicit list, never "whatever is in env" (secrets
 * live there too). A name here must be a binding of that kind in wrangler.toml; worker/bindings.ts
 * checks that against the generated `Env` at compile time. `createGatewayEnv()` offers exactly these
 * names. The first name of each kind is the default when a call names none.
 */
export const GATEWAY_BINDINGS = {
  d1: ['DB', 'ARCHIVE'],
  kv: ['KV', 'CACHE'],
  r2: ['BUCKET'],
} as const;

export type D1BindingName = (typeof GATEWAY_BINDINGS.d1)[number];
export type KvBindingName = (typeof GATEWAY_BINDINGS.kv)[number];
export type R2BindingName = (typeof GATEWAY_BINDINGS.r2)[number];

/** Which binding a call goes to; the kind's first binding when absent. */
export const D1Binding = z.enum(GATEWAY_BINDINGS.d1).optional();
export const KvBinding = z.enum(GATEWAY_BINDINGS.kv).optional();
export const R2Binding = z.enum(GATEWAY_BINDINGS.r2).optional();
