import { CONTRACT_VERSION, GATEWAY_BINDINGS, gateway } from '../../shared/index.ts';
import { GatewayError } from '../errors.ts';
import { settingsOrRefusal } from '../settings.ts';
import { procedure, router } from '../trpc.ts';

export const gatewayRouter = router({
  info: procedure.output(gateway.info.output).query(({ ctx }) => {
    const settings = settingsOrRefusal(ctx.env);
    if (settings instanceof GatewayError) throw settings;
    const { policy, caller } = ctx;
    return {
      contractVersion: CONTRACT_VERSION,
      bindings: { d1: [...GATEWAY_BINDINGS.d1], kv: [...GATEWAY_BINDINGS.kv], r2: [...GATEWAY_BINDINGS.r2] },
      // The contract's caller: the log-only `instance` stays in the Worker.
      caller: { transport: caller.transport, id: caller.id },
      policy: {
        kind: policy.kind ?? 'custom',
        keyPrefix: policy.keyPrefixFor?.(caller) ?? null,
        fairShare: { maxConcurrent: settings.fairShareMaxConcurrent, maxWaitMs: settings.fairShareMaxWaitMs },
      },
    };
  }),
});
