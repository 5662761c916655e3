import { z } from 'zod';

/** Version of the contract; a client and a gateway that disagree on it must not talk. */
export const CONTRACT_VERSION = '1';

export const gateway = {
  /** What this gateway serves: its contract version and the names of its bindings. */
  info: {
    output: z.object({
      contractVersion: z.string(),
      bindings: z.object({ d1: z.array(z.string()), kv: z.array(z.string()), r2: z.array(z.string()) }),
    }),
  },
} as const;
