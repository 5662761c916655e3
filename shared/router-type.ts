/**
 * The gateway's router, as its callers see it: derived from the contract's procedure table
 * (procedures.ts), never taken from the Worker. A client needs a router's type only, and this one costs
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
import type { PathsWhere, PROCEDURES, RpcEntry } from './procedures.ts';

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

type Namespace<P> = P extends `${infer S}.${string}` ? S : never;

/**
 * The tRPC procedures of a table shaped like `PROCEDURES`, nested as a client calls them
 * (`db.query` → `{ db: { query } }`): a `query` entry is a `Query`, a `mutation` entry a `Mutation`.
 */
export type ProceduresOf<Table> = {
  [S in Namespace<PathsWhere<Table, RpcEntry>>]: {
    [P in PathsWhere<Table, RpcEntry> as P extends `${S}.${infer N}` ? N : never]: Table[P] extends {
      kind: 'query';
      schema: infer Q extends Schemas;
    }
      ? Query<Q>
      : Table[P] extends { kind: 'mutation'; schema: infer M extends Schemas }
        ? Mutation<M>
        : never;
  };
};

/** Every procedure of the contract (shared/procedures.ts), by the name a client calls it by. */
export type GatewayProcedures = ProceduresOf<typeof PROCEDURES>;

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
