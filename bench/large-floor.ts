/**
 * The R2 floor's Worker (bench/large-floor-worker.ts) under wrangler's dev server, with the bench
 * Worker's config (its R2 binding) and a state directory of its own, as bench/server.ts starts the
 * bench Worker: what local R2 itself streams at, with no gateway.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unstable_startWorker } from 'wrangler';
import { BENCH_DIR } from './server.ts';

/** The body's length, for the Worker's FixedLengthStream (LENGTH_HEADER in large-floor-worker.ts). */
export const FLOOR_LENGTH_HEADER = 'x-floor-length';

export interface FloorServer {
  url: URL;
  /** Stops the Worker and removes the state directory; safe to call twice. */
  stop(): Promise<void>;
}

export async function startFloorServer(): Promise<FloorServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'binding-gateway-bench-floor-'));
  let worker: Awaited<ReturnType<typeof unstable_startWorker>> | undefined;
  let stopped = false;
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await worker?.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
      // Only now: miniflare may exit the process (on Ctrl-C) while this is under way.
      process.off('exit', removeOnExit);
    }
  };
  try {
    worker = await unstable_startWorker({
      config: path.join(BENCH_DIR, 'wrangler.toml'),
      entrypoint: path.join(BENCH_DIR, 'large-floor-worker.ts'),
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: dir, logLevel: 'warn' },
    });
    return { url: await worker.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
