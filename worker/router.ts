import { dbRouter } from './routers/db.ts';
import { gatewayRouter } from './routers/gateway.ts';
import { kvRouter } from './routers/kv.ts';
import { r2Router } from './routers/r2.ts';
import { router } from './trpc.ts';

/** The gateway: one sub-router per binding, named like the binding APIs they mirror. */
export const appRouter = router({
  db: dbRouter,
  kv: kvRouter,
  r2: r2Router,
  gateway: gatewayRouter,
});

export type AppRouter = typeof appRouter;
