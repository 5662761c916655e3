/**
 * The bench Worker under wrangler's dev server, in a process of its own: `node bench/worker-process.ts
 * <state dir> <token>` prints `BENCH_WORKER_URL <url>` once it listens, and stops on SIGTERM. The local session
 * runs the same way (wrangler in `npm start`'s process, the container in another), and so must the
 * bench: in the client's process, wrangler would read the Worker's log lines in the client's own
 * event loop, and the client's timings would include them.
 */
import { unstable_startWorker } from 'wrangler';
import { BENCH_CONFIG } from './server.ts';

// wrangler dev (4.164) runs a local observability collector by default: every invocation's trace,
// spans and log lines go to a streaming tail worker that stores them, in the same workerd as the
// Worker. That is a dev tool's cost on the Worker's thread, one the platform does not put there; it
// doubled the CPU per call of both systems here (docs/performance.md). Off for every bench unless
// set otherwise (X_LOCAL_OBSERVABILITY=true measures with it).
process.env.X_LOCAL_OBSERVABILITY ??= 'false';

const [persist, token] = process.argv.slice(2);
if (!persist || !token) throw new Error('usage: node bench/worker-process.ts <state dir> <token>');

let stopping = false;
let dispose: (() => Promise<void>) | undefined;
const stop = async () => {
  stopping = true;
  await dispose?.();
  process.exit(0);
};
// Before the start: a stop asked for while wrangler starts must still stop what it started.
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const worker = await unstable_startWorker({
  config: BENCH_CONFIG,
  bindings: { GATEWAY_DEV_TOKEN: { type: 'secret_text', value: token } },
  dev: {
    server: { hostname: '127.0.0.1', port: 0 },
    // Closed unless the profiler asks for it (BENCH_INSPECTOR_PORT, set by startBenchServer).
    inspector: process.env.BENCH_INSPECTOR_PORT ? { port: Number(process.env.BENCH_INSPECTOR_PORT) } : false,
    persist,
    // The gateway's call log would otherwise print thousands of lines.
    logLevel: 'warn',
  },
});
dispose = () => worker.dispose();
if (stopping) await stop();
// wrangler writes to stdout too: the URL's line is marked.
process.stdout.write(`BENCH_WORKER_URL ${(await worker.url).href}\n`);
