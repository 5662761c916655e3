/**
 * One large R2 object streamed through the gateway, put then get, against a raw loopback transfer of
 * the same bytes (bench/large-raw.ts), with the memory of both sides sampled (bench/large-memory.ts),
 * then the same object put and got by a bare Worker with the R2 binding (the floor: local R2's own
 * speed, bench/large-floor.ts). Each direction also runs with the client's fetch adjusted
 * (bench/large-transfers.ts): `redirect: 'error'` up, `accept-encoding: identity` down.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH WRANGLER_SEND_METRICS=false node bench/large.ts [--size-mib 1024]
 *
 * Prints one table; writes bench/large-results.json. Exits non-zero if a byte differs.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_GATEWAY_PATH } from '../shared/transport.ts';
import { MiB } from './large-data.ts';
import { type FloorServer, startFloorServer } from './large-floor.ts';
import { descendants, vmRss } from './large-memory.ts';
import { type PythonRow, pythonLine, pythonRow } from './large-python.ts';
import { type RawServer, startRawServer } from './large-raw.ts';
import { fixed, report } from './large-report.ts';
import {
  floorGet,
  floorPut,
  gatewayGet,
  gatewayPut,
  identityFetch,
  type Moved,
  measure,
  noRedirectFetch,
  rawDownload,
  rawUpload,
  type Transfer,
} from './large-transfers.ts';
import { BENCH_DIR, type BenchServer, startBenchServer } from './server.ts';

const WARMUP_BYTES = 8 * MiB;
/** The Python client's target (issue 23): a 1 GiB put and get each grow its RSS by less than this. */
const PYTHON_MEMORY_TARGET_MIB = 32;

function readArgs(): { sizeMiB: number } {
  const { values } = parseArgs({ options: { 'size-mib': { type: 'string' } } });
  const sizeMiB = Number(values['size-mib'] ?? 1024);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 1)
    throw new Error(`--size-mib takes a positive integer, not ${values['size-mib']}`);
  return { sizeMiB };
}

/** The workerd processes below this one: looked up before each transfer (wrangler starts two). */
function workerPids(): number[] {
  const pids = descendants(process.pid).flatMap((p) => (p.comm === 'workerd' ? [p.pid] : []));
  if (pids.length === 0) throw new Error('no workerd process found below this one');
  return pids;
}

const processes = () =>
  descendants(process.pid).map(
    (p) => `${p.pid} (parent ${p.ppid}) ${p.comm} ${fixed(vmRss(p.pid) / MiB)} MiB`,
  );

interface Servers {
  raw?: RawServer;
  gateway?: BenchServer;
  floor?: FloorServer;
}

/** `seed`: the object's bytes, the same as the raw server's download. */
async function bench(servers: Servers, sizeMiB: number, seed: Buffer): Promise<boolean> {
  const size = sizeMiB * MiB;
  const raw = await startRawServer(seed);
  servers.raw = raw;
  const server = await startBenchServer();
  servers.gateway = server;
  const gateway = { url: new URL(DEV_GATEWAY_PATH, server.url).href, token: server.token };
  const runs = new Map<string, Transfer>();
  const step = async (name: string, run: (start: number) => Promise<Moved>) => {
    process.stderr.write(`${name}: ${sizeMiB} MiB… `);
    const transfer = await measure(workerPids(), run);
    process.stderr.write(`${fixed(transfer.ms / 1000, 2)} s\n`);
    if (transfer.bytes !== size) throw new Error(`${name} moved ${transfer.bytes} bytes, not ${size}`);
    runs.set(name, transfer);
  };

  // Warm up both paths (connections, JIT on both sides, R2's storage) with a small object.
  const warm = randomBytes(16);
  await rawUpload(raw.url, warm, WARMUP_BYTES, 0, fetch);
  await rawDownload(raw.url, WARMUP_BYTES, 0);
  await gatewayPut(gateway, warm, WARMUP_BYTES, 0);
  await gatewayGet(gateway, 0);
  console.error(`processes below this one: ${processes().join('; ')}`);
  await step('rawUp', (start) => rawUpload(raw.url, seed, size, start, fetch));
  await step('rawUpNoRedirect', (start) => rawUpload(raw.url, seed, size, start, noRedirectFetch));
  await step('rawDown', (start) => rawDownload(raw.url, size, start));
  await step('put', (start) => gatewayPut(gateway, seed, size, start));
  await step('putNoRedirect', (start) =>
    gatewayPut({ ...gateway, fetch: noRedirectFetch }, seed, size, start),
  );
  await step('get', (start) => gatewayGet(gateway, start));
  await step('getIdentity', (start) => gatewayGet({ ...gateway, fetch: identityFetch }, start));
  process.stderr.write(`python put and get: ${sizeMiB} MiB… `);
  const python: PythonRow = await pythonRow(gateway, sizeMiB);
  process.stderr.write('done\n');
  const seen = processes();
  await server.stop();

  // The R2 floor on a Worker of its own, once the gateway's is gone (two cores here).
  const floor = await startFloorServer();
  servers.floor = floor;
  await floorPut(floor.url, warm, WARMUP_BYTES, 0);
  await floorGet(floor.url, 0);
  await step('floorPut', (start) => floorPut(floor.url, seed, size, start));
  await step('floorGet', (start) => floorGet(floor.url, start));
  await step('floorGetIdentity', (start) => floorGet(floor.url, start, identityFetch));
  await step('floorGetWorkerIdentity', (start) => floorGet(floor.url, start, fetch, true));
  await floor.stop();

  const sha = (name: string) => runs.get(name)?.sha256;
  if (sha('rawDown') !== sha('rawUp')) throw new Error('the raw download differs from the raw upload');
  const up = ['put', 'putNoRedirect', 'floorPut'].map(sha);
  const down = ['getIdentity', 'floorGet', 'floorGetIdentity', 'floorGetWorkerIdentity'].map(sha);
  const exact = [...up, ...down].every((hash) => hash === sha('rawUp') && hash === sha('get'));
  const pythonExact =
    'skipped' in python || (python.put.sha256 === python.get.sha256 && python.get.bytes === size);
  const { results, text } = report(sizeMiB, seen, runs, exact);
  console.log(`\n${text}\n${pythonLine(python, PYTHON_MEMORY_TARGET_MIB)}\n`);
  await writeFile(
    path.join(BENCH_DIR, 'large-results.json'),
    `${JSON.stringify({ ...results, python }, null, 2)}\n`,
  );
  console.log('wrote bench/large-results.json');
  return exact && pythonExact;
}

async function main(): Promise<void> {
  const { sizeMiB } = readArgs();
  const servers: Servers = {};
  const stop = async () => {
    servers.raw?.stop();
    await Promise.allSettled([servers.gateway?.stop(), servers.floor?.stop()]);
  };
  // Ctrl-C still stops the Workers and the raw server, and removes the state directories. Deferred:
  // miniflare's own SIGINT listener, when there is one, exits the process right after this one, and
  // the servers' exit hooks must still be there then (bench/server.ts's stop() takes its hook away).
  const interrupt = () => setImmediate(() => void stop().finally(() => process.exit(130)));
  process.once('SIGINT', interrupt);
  try {
    if (!(await bench(servers, sizeMiB, randomBytes(16)))) {
      console.error('the object read back is not the object written');
      process.exitCode = 1;
    }
  } finally {
    process.off('SIGINT', interrupt);
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
