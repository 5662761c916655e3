import { z } from 'zod';

export const gateway = {
  /**
   * What this gateway serves (contract version, binding names), who it takes the caller for, and the
   * policy that caller is under.
   */
  info: {
    output: z.object({
      contractVersion: z.string(),
      bindings: z.object({ d1: z.array(z.string()), kv: z.array(z.string()), r2: z.array(z.string()) }),
      caller: z.object({ transport: z.enum(['outbound', 'dev', 'test']), id: z.string() }),
      /** The policy this caller's calls are under, as the gateway applies it (its settings parsed). */
      policy: z.object({
        /** `allowAll`: any call; `confineKeys`: KV and R2 keys under `keyPrefix`; `custom`: the deployment's own. */
        kind: z.enum(['allowAll', 'confineKeys', 'custom']),
        /** With `confineKeys`, the prefix this caller's KV and R2 keys must start with; else `null`. */
        keyPrefix: z.string().nullable(),
        /** Fair share: calls this caller may have running at once in an isolate (0: no limit), and how long one over that waits, in ms. */
        fairShare: z.object({ maxConcurrent: z.int().nonnegative(), maxWaitMs: z.int().nonnegative() }),
      }),
    }),
  },
} as const;
