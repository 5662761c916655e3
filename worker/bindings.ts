import {
  type D1BindingName,
  GATEWAY_BINDINGS,
  type KvBindingName,
  type R2BindingName,
} from '../shared/index.ts';
import { D1_BOOKMARK_HEADER } from '../shared/transport.ts';
import type { GatewayContext } from './context.ts';
import { ReadBatch } from './read-batch.ts';

// Only the names in GATEWAY_BINDINGS are reachable. `env[name]` type-checks only where `Env` (from
// wrangler.toml) has a binding of that kind under that name.

/** A KV namespace by name (the first listed when none is named). */
export function kvBinding(env: Env, name: KvBindingName = GATEWAY_BINDINGS.kv[0]): KVNamespace {
  return env[name];
}

/** An R2 bucket by name (the first listed when none is named). */
export function r2Binding(env: Env, name: R2BindingName = GATEWAY_BINDINGS.r2[0]): R2Bucket {
  return env[name];
}

/** A D1 database by name (the first listed when none is named), without a session. */
export function d1Binding(env: Env, name: D1BindingName = GATEWAY_BINDINGS.d1[0]): D1Database {
  return env[name];
}

/**
 * Runs `call` on a D1 database: in the caller's session when the request carries one (one session
 * per database per HTTP request, shared by the calls batched in it), reporting the session's new
 * bookmark in the response. `reads` joins the request's other reads of that database in one batch.
 */
export async function withD1<T>(
  ctx: GatewayContext,
  name: D1BindingName | undefined,
  call: (database: D1Database | D1DatabaseSession, reads: ReadBatch) => Promise<T>,
): Promise<T> {
  const key = name ?? GATEWAY_BINDINGS.d1[0];
  const database = d1Binding(ctx.env, key);
  let session: D1DatabaseSession | undefined;
  if (ctx.d1Session !== undefined) {
    session = ctx.d1Sessions.get(key) ?? database.withSession(ctx.d1Session);
    ctx.d1Sessions.set(key, session);
  }
  const target = session ?? database;
  let reads = ctx.readBatches.get(key);
  if (!reads) {
    reads = new ReadBatch(target, ctx.batchedReads);
    ctx.readBatches.set(key, reads);
  }
  try {
    return await call(target, reads);
  } finally {
    const bookmark = session?.getBookmark();
    if (bookmark) ctx.resHeaders.set(D1_BOOKMARK_HEADER, bookmark);
  }
}
