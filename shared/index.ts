/**
 * The contract between the gateway (worker/) and its callers (container/): schemas, error codes,
 * limits and the wire transformer. Runs in workerd and in Node alike; imports nothing from either.
 *
 * The clients are beside it: `client.ts` (the typed procedures) and `env/` (binding-shaped).
 *
 * @example
 * import { db, type AppRouter } from '../shared/index.ts';
 * type QueryInput = z.input<typeof db.query.input>;
 */

export * from './bindings.ts';
export * from './errors.ts';
export * from './limits.ts';
export * from './procedures.ts';
export type {
  AppRouter,
  GatewayErrorShape,
  GatewayProcedures,
  Mutation,
  ProceduresOf,
  Query,
  RouterOf,
} from './router-type.ts';
export * from './schemas/common.ts';
export * from './schemas/db.ts';
export * from './schemas/gateway.ts';
export * from './schemas/kv.ts';
export * from './schemas/r2.ts';
export * from './schemas/streams.ts';
export { transformer } from './transformer.ts';
export { CONTRACT_VERSION } from './version.ts';
