import { CONTRACT_VERSION, GATEWAY_BINDINGS, gateway } from '../../shared/index.ts';
import { procedure, router } from '../trpc.ts';

export const gatewayRouter = router({
  info: procedure.output(gateway.info.output).query(({ ctx }) => ({
    contractVersion: CONTRACT_VERSION,
    bindings: { d1: [...GATEWAY_BINDINGS.d1], kv: [...GATEWAY_BINDINGS.kv], r2: [...GATEWAY_BINDINGS.r2] },
    // The contract's caller: the log-only `instance` stays in the Worker.
    caller: { transport: ctx.caller.transport, id: ctx.caller.id },
  })),
});
