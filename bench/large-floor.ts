/**
 * The R2 floor's Worker (bench/large-floor-worker.ts) under wrangler's dev server, with the bench
 * Worker's config (its R2 binding) and a state directory of its own, as bench/server.ts starts the
 * bench Worker: what local R2 itself streams at, with no gateway.
 */
import path from 'node:path';
import { unstable_startWorker } from 'wrangler';
import { BENCH_DIR, devWorkerState } from './server.ts';

/** The body's length, for the Worker's FixedLengthStream (LENGTH_HEADER in large-floor-worker.ts). */
export const FLOOR_LENGTH_HEADER = 'x-floor-length';

export interface FloorServer {
  url: URL;
  /** Stops the Worker and removes the state directory; safe to call twice. */
  stop(): Promise<void>;
}

export async function startFloorServer(): Promise<FloorServer> {
  const state = await devWorkerState('binding-gateway-bench-floor-');
  const { dir, stop } = state;
  try {
    state.worker = await unstable_startWorker({
      config: path.join(BENCH_DIR, 'wrangler.toml'),
      entrypoint: path.join(BENCH_DIR, 'large-floor-worker.ts'),
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: dir, logLevel: 'warn' },
    });
    return { url: await state.worker.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
