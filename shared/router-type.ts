/**
 * The gateway's router, as its callers see it: declared from the contract (the zod schemas beside
 * this file), never taken from the Worker. A client needs a router's type only, and this one costs
 * no code from `worker/`: the contract depends on nothing it serves.
 *
 * The Worker's router (worker/router.ts) must have exactly this type; test/worker/contract-types.test.ts
 * proves it, so adding a procedure on one side only fails `npm run typecheck`.
 *
 * @example
 * import type { AppRouter } from '../shared/router-type.ts';
 * const gateway = createTRPCClient<AppRouter>({ links: [...] });
 */
import type {
  TRPC_ERROR_CODE_KEY,
  TRPCBuiltRouter,
  TRPCErrorShape,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCRouterRecord,
} from '@trpc/server';
import type { z } from 'zod';
import type { GatewayErrorData } from './errors.ts';
import type { db } from './schemas/db.ts';
import type { gateway } from './schemas/gateway.ts';
import type { kv } from './schemas/kv.ts';
import type { r2 } from './schemas/r2.ts';

/** What the gateway's error formatter (worker/trpc.ts) puts on every error. */
export type GatewayErrorShape = TRPCErrorShape<
  GatewayErrorData & { code: TRPC_ERROR_CODE_KEY; path?: string }
>;

/** One procedure's schemas, as shared/schemas/*.ts declare them. */
interface Schemas {
  input?: z.ZodType;
  output: z.ZodType;
}

// What tRPC's builder gives `.input(s).output(o).query(…)`: the input as the caller writes it
// (z.input), the output as the Worker returns it (z.output), and `void` for a procedure without input.
interface Types<S extends Schemas> {
  // biome-ignore lint/suspicious/noConfusingVoidType: tRPC's own type for "no input" (callable with no argument).
  input: S['input'] extends z.ZodType ? z.input<S['input']> : void;
  output: z.output<S['output']>;
  meta: object;
  errorShape: GatewayErrorShape;
}

/** A procedure that reads: called with `.query()`, retried on a retryable code, batched with reads. */
export type Query<S extends Schemas> = TRPCQueryProcedure<Types<S>>;
/** A procedure that may write: called with `.mutate()`, given an idempotency key by the client. */
export type Mutation<S extends Schemas> = TRPCMutationProcedure<Types<S>>;

/** Every procedure of the contract, by the name a client calls it by. */
export type GatewayProcedures = {
  db: {
    query: Query<typeof db.query>;
    first: Query<typeof db.first>;
    raw: Query<typeof db.raw>;
    run: Mutation<typeof db.run>;
    batch: Mutation<typeof db.batch>;
    statement: Mutation<typeof db.statement>;
    exec: Mutation<typeof db.exec>;
  };
  kv: {
    get: Query<typeof kv.get>;
    getWithMetadata: Query<typeof kv.getWithMetadata>;
    put: Mutation<typeof kv.put>;
    delete: Mutation<typeof kv.delete>;
    list: Query<typeof kv.list>;
  };
  r2: {
    get: Query<typeof r2.get>;
    head: Query<typeof r2.head>;
    put: Mutation<typeof r2.put>;
    delete: Mutation<typeof r2.delete>;
    createMultipartUpload: Mutation<typeof r2.createMultipartUpload>;
    completeMultipartUpload: Mutation<typeof r2.completeMultipartUpload>;
    abortMultipartUpload: Mutation<typeof r2.abortMultipartUpload>;
    list: Query<typeof r2.list>;
  };
  gateway: {
    info: Query<typeof gateway.info>;
  };
};

/**
 * A router type over a record of procedures, with the gateway's transformer and error shape; the
 * caller's context is the Worker's business, so it is left open.
 */
export type RouterOf<TProcedures extends TRPCRouterRecord> = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: GatewayErrorShape; transformer: true },
  TProcedures
>;

/** The gateway's router type: what `createTRPCClient<AppRouter>` and the links are typed by. */
export type AppRouter = RouterOf<GatewayProcedures>;
