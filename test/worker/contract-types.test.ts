import type { TRPCClient } from '@trpc/client';
import type { inferRouterError, inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { GatewayClient } from '../../shared/client.ts';
import type { AppRouter, db, GATEWAY_ERRORS, GatewayCode, kv, r2 } from '../../shared/index.ts';
import type { appRouter } from '../../worker/router.ts';
import { gateway } from './helpers.ts';

// These assertions are checked by the type checker (`npm run typecheck`, part of `npm test`).

type Contract = { db: typeof db; kv: typeof kv; r2: typeof r2 };
type InputOf<S> = S extends { input: infer I extends z.ZodType } ? z.input<I> : never;
type OutputOf<S> = S extends { output: infer O extends z.ZodType } ? z.output<O> : never;
type ContractInputs = {
  [N in keyof Contract]: { -readonly [P in keyof Contract[N]]: InputOf<Contract[N][P]> };
};
type ContractOutputs = {
  [N in keyof Contract]: { -readonly [P in keyof Contract[N]]: OutputOf<Contract[N][P]> };
};
type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;
type WorkerRouter = typeof appRouter;

describe('the Worker’s router and the contract’s router type', () => {
  it('have the same procedures, each of the same kind, with the same inputs and outputs', () => {
    expectTypeOf<WorkerRouter['_def']['record']>().toEqualTypeOf<AppRouter['_def']['record']>();
  });

  it('shape errors and transform values alike', () => {
    expectTypeOf<inferRouterError<WorkerRouter>>().toEqualTypeOf<inferRouterError<AppRouter>>();
    expectTypeOf<WorkerRouter['_def']['_config']['$types']['transformer']>().toEqualTypeOf<true>();
  });

  it('give a client typed by either the same calls', () => {
    expectTypeOf<TRPCClient<WorkerRouter>>().toEqualTypeOf<GatewayClient>();
  });
});

describe('the router and the client types', () => {
  it('take exactly the contract inputs and give exactly its outputs, for every procedure', () => {
    expectTypeOf<Pick<Inputs, keyof Contract>>().toEqualTypeOf<ContractInputs>();
    expectTypeOf<Pick<Outputs, keyof Contract>>().toEqualTypeOf<ContractOutputs>();
  });

  it('give the client each procedure with the contract types', () => {
    expectTypeOf(gateway.db.query.query).parameter(0).toEqualTypeOf<z.input<typeof db.query.input>>();
    expectTypeOf(gateway.db.query.query).returns.resolves.toEqualTypeOf<z.output<typeof db.query.output>>();
    expectTypeOf(gateway.db.first.query).returns.resolves.toEqualTypeOf<z.output<typeof db.first.output>>();
    expectTypeOf(gateway.db.raw.query).returns.resolves.toEqualTypeOf<z.output<typeof db.raw.output>>();
    expectTypeOf(gateway.db.run.mutate).parameter(0).toEqualTypeOf<z.input<typeof db.run.input>>();
    expectTypeOf(gateway.db.batch.mutate).returns.resolves.toEqualTypeOf<z.output<typeof db.batch.output>>();
    expectTypeOf(gateway.db.exec.mutate).returns.resolves.toEqualTypeOf<{
      count: number;
      duration: number;
    }>();
    expectTypeOf(gateway.kv.get.query).returns.resolves.toEqualTypeOf<z.output<typeof kv.get.output>>();
    expectTypeOf(gateway.kv.put.mutate).parameter(0).toEqualTypeOf<z.input<typeof kv.put.input>>();
    expectTypeOf(gateway.kv.put.mutate).returns.resolves.toEqualTypeOf<void>();
    expectTypeOf(gateway.kv.list.query).returns.resolves.toEqualTypeOf<z.output<typeof kv.list.output>>();
    expectTypeOf(gateway.r2.get.query).returns.resolves.toEqualTypeOf<z.output<typeof r2.get.output>>();
    expectTypeOf(gateway.r2.put.mutate).parameter(0).toEqualTypeOf<z.input<typeof r2.put.input>>();
    expectTypeOf(gateway.r2.head.query).returns.resolves.toEqualTypeOf<z.output<typeof r2.head.output>>();
    expectTypeOf(gateway.gateway.info.query).returns.resolves.toEqualTypeOf<{
      contractVersion: string;
      bindings: { d1: string[]; kv: string[]; r2: string[] };
      caller: { transport: 'outbound' | 'dev' | 'test'; id: string };
      policy: {
        kind: 'allowAll' | 'confineKeys' | 'custom';
        keyPrefix: string | null;
        fairShare: { maxConcurrent: number; maxWaitMs: number };
      };
    }>();
  });

  it('keep Dates, bytes and bigints as their types through the transformer', () => {
    type Head = NonNullable<Outputs['r2']['head']>;
    expectTypeOf<Head['uploaded']>().toEqualTypeOf<Date>();
    expectTypeOf<Extract<Outputs['r2']['get'], { body: unknown }>['body']>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<bigint | Uint8Array | null>().toExtend<
      NonNullable<Inputs['db']['query']['params']>[number]
    >();
  });

  it('put the gateway code on error data, from the one list of codes', () => {
    type ErrorData = NonNullable<Awaited<ReturnType<typeof errorData>>>;
    expectTypeOf<ErrorData['gatewayCode']>().toEqualTypeOf<GatewayCode>();
    expectTypeOf<ErrorData['retryable']>().toEqualTypeOf<boolean>();
    expectTypeOf<GatewayCode>().toEqualTypeOf<keyof typeof GATEWAY_ERRORS>();
  });
});

// Only its type is used: the data a client error carries, as the client sees it.
declare function errorData(): Promise<import('@trpc/client').TRPCClientError<AppRouter>['data']>;
