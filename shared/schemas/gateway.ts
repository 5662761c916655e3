import { z } from 'zod';

export const gateway = {
  /** What this gateway serves (contract version, binding names) and who it takes the caller for. */
  info: {
    output: z.object({
      contractVersion: z.string(),
      bindings: z.object({ d1: z.array(z.string()), kv: z.array(z.string()), r2: z.array(z.string()) }),
      caller: z.object({ transport: z.enum(['outbound', 'dev', 'test']), id: z.string() }),
    }),
  },
} as const;
