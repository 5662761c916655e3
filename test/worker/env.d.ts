import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      /** The migrations, read by vitest.config.ts and applied by apply-migrations.ts. */
      TEST_MIGRATIONS: D1Migration[];
      /** Fuzzing cases per procedure (test/worker/fuzz.test.ts). */
      FUZZ_RUNS?: string;
      /** A rate limiter of 5 calls a minute (test/worker/scale-out.test.ts). */
      TEST_RATE_LIMIT: RateLimit;
    }
  }
}
