import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

export default defineConfig({
  test: {
    projects: [
      {
        // Tier (a): the gateway inside workerd, with miniflare's real local D1, KV and R2.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: path.join(root, 'wrangler.toml') },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations(path.join(root, 'migrations')),
                // Cases per procedure in test/worker/fuzz.test.ts (npm run fuzz sets more).
                FUZZ_RUNS: process.env.FUZZ_RUNS ?? '8',
                // wrangler's config brings .dev.vars, which `npm start` writes: without these, the
                // token route and the forwarding of the local session would be on in the tests that
                // prove them off. Empty is unset for the Worker.
                GATEWAY_DEV_TOKEN: '',
                CONTAINER_DEV_URL: '',
              },
              // A small limit of its own for test/worker/scale-out.test.ts (wrangler.toml's is large).
              ratelimits: { TEST_RATE_LIMIT: { namespace_id: '9001', simple: { limit: 5, period: 60 } } },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          // Some move tens of MiB through workerd (multipart, streams): seconds on a loaded 2-core machine.
          testTimeout: 30_000,
          // One workerd for all the files instead of one each (~2 s to start, 30 files): the tests
          // already use a fresh key or table each, as storage was never isolated between them.
          isolate: false,
          setupFiles: ['test/worker/apply-migrations.ts'],
        },
      },
      {
        // The repository itself, in Node: the lockfile serves every platform, the imports form no circle.
        test: { name: 'repo', environment: 'node', include: ['test/repo/**/*.test.ts'] },
      },
      {
        // The client's Node-only paths (its default transport, the end-of-tick scheduler), in Node.
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/node/**/*.test.ts'],
        },
      },
      {
        // Tier (b): the Worker under wrangler's dev server and the container as a Node process.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
