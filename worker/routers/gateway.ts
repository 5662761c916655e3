import { CONTRACT_VERSION, gateway } from '../../shared/index.ts';
import { procedure, router } from '../trpc.ts';

export const gatewayRouter = router({
  info: procedure.output(gateway.info.output).query(({ ctx }) => ({
    contractVersion: CONTRACT_VERSION,
    bindings: { d1: ['DB'], kv: ['KV'], r2: ['BUCKET'] },
    caller: ctx.caller,
  })),
});
