import { dbRouter } from './routers/db.ts';
import { gatewayRouter } from './routers/gateway.ts';
import { kvRouter } from './routers/kv.ts';
import { r2Router } from './routers/r2.ts';
import { router } from './trpc.ts';

/**
 * The gateway: one sub-router per binding, named like the binding APIs they mirror. Callers are typed
 * by the contract's `AppRouter` (shared/router-type.ts), not by this value's type; the two are equal,
 * as test/worker/contract-types.test.ts proves.
 */
export const appRouter = router({
  db: dbRouter,
  kv: kvRouter,
  r2: r2Router,
  gateway: gatewayRouter,
});
