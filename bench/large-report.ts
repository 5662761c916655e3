/** bench/large.ts's table and bench/large-results.json. */
import os from 'node:os';
import { MiB } from './large-data.ts';
import type { Transfer } from './large-transfers.ts';

export const RATIO_TARGET = 0.5;
export const MEMORY_TARGET_MIB = 64;

/** Each row: the gateway transfer, the raw one in the same direction, the R2 floor's. */
export const ROWS = {
  put: ['put', 'rawUp', 'floorPut'],
  putNoRedirect: ['putNoRedirect', 'rawUpNoRedirect', 'floorPut'],
  get: ['get', 'rawDown', 'floorGet'],
  getIdentity: ['getIdentity', 'rawDown', 'floorGetIdentity'],
} as const;
const LABELS: Record<Row, string> = {
  put: 'put',
  putNoRedirect: 'put, no-redir',
  get: 'get',
  getIdentity: 'get, identity',
};
type Row = keyof typeof ROWS;

const mib = (bytes: number) => bytes / MiB;
export const fixed = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const rate = (t: Transfer) => mib(t.bytes) / (t.ms / 1000);
const growth = (t: Transfer) => ({
  containerGrowthMiB: fixed(mib(t.memory.containerPeak - t.memory.containerBaseline)),
  workerGrowthMiB: fixed(mib(t.memory.workerPeak - t.memory.workerBaseline)),
});

function details(t: Transfer) {
  return {
    seconds: fixed(t.ms / 1000, 2),
    mibPerS: fixed(rate(t)),
    ...growth(t),
    /** put: the last chunk handed to fetch; get: the first byte of the body in (s). */
    milestoneSeconds: fixed(t.milestoneMs / 1000, 3),
    chunks: t.chunks,
    contentEncoding: t.encoding,
    containerCpuSeconds: fixed(t.memory.containerCpuSeconds, 2),
    workerd: t.memory.perWorker
      .map(
        (w) =>
          `${w.pid}: ${fixed(mib(w.baseline))} → ${fixed(mib(w.peak))} MiB, ${fixed(w.cpuSeconds, 2)} s CPU`,
      )
      .join('; '),
    timeline: `s:container/worker MiB ${t.memory.timeline.join(' ')}`,
    samples: t.memory.samples,
    maxSampleGapMs: fixed(t.memory.maxGapMs),
  };
}

function compare(gateway: Transfer, raw: Transfer, floor: Transfer) {
  const ratio = rate(gateway) / rate(raw);
  const { containerGrowthMiB: container, workerGrowthMiB: worker } = growth(gateway);
  return {
    ratio: fixed(ratio, 3),
    ratioTargetMet: ratio >= RATIO_TARGET,
    memoryTargetMet: container <= MEMORY_TARGET_MIB && worker <= MEMORY_TARGET_MIB,
    gatewayOverFloor: fixed(rate(gateway) / rate(floor), 3),
    gateway: details(gateway),
    raw: details(raw),
    floor: details(floor),
  };
}

export function report(sizeMiB: number, processes: string[], runs: Map<string, Transfer>, exact: boolean) {
  const run = (name: string) => runs.get(name) as Transfer;
  const names = Object.keys(ROWS) as Row[];
  const rows = Object.fromEntries(
    names.map((row) => [row, compare(run(ROWS[row][0]), run(ROWS[row][1]), run(ROWS[row][2]))]),
  ) as Record<Row, ReturnType<typeof compare>>;
  const results = {
    sizeMiB,
    chunkMiB: 1,
    ...rows,
    floorGetWorkerIdentity: details(run('floorGetWorkerIdentity')),
    sha256: {
      put: run('put').sha256,
      get: run('get').sha256,
      floorGet: run('floorGet').sha256,
      equal: exact,
    },
    targets: { ratio: `>= ${RATIO_TARGET}`, memoryGrowthMiB: `<= ${MEMORY_TARGET_MIB}` },
    processes: processes.join('; '),
    node: process.version,
    cpu: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    date: new Date().toISOString(),
  };
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const line = (cells: (string | number)[]) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(13) : String(cell).padStart(9))).join(' ');
  const percent = (ratio: number) => `${fixed(ratio * 100)}%`;
  const { put, get, getIdentity } = rows;
  const workerIdentity = details(run('floorGetWorkerIdentity'));
  const lines = [
    `${sizeMiB} MiB through the gateway (Node ${process.version}, ${results.cpu})`,
    '',
    line([
      '',
      's',
      'MiB/s',
      'raw MiB/s',
      'ratio',
      '≥ 50%',
      'floor',
      '÷ floor',
      'node Δ',
      'workerd Δ',
      '≤ 64 MiB',
    ]),
    ...names.map((name) => {
      const r = rows[name];
      return line([
        LABELS[name],
        r.gateway.seconds,
        r.gateway.mibPerS,
        r.raw.mibPerS,
        percent(r.ratio),
        met(r.ratioTargetMet),
        r.floor.mibPerS,
        percent(r.gatewayOverFloor),
        `${r.gateway.containerGrowthMiB} MiB`,
        `${r.gateway.workerGrowthMiB} MiB`,
        met(r.memoryTargetMet),
      ]);
    }),
    '',
    'ratio: gateway ÷ raw loopback; floor: R2 itself in wrangler dev (MiB/s); Δ: peak RSS growth',
    "put: the client as shipped (its stream calls set redirect: 'error'); raw upload with fetch's default",
    "put, no-redir: the same client; raw upload with redirect: 'error' too (fetch then keeps no copy)",
    `get, identity: the client with a fetch sending accept-encoding: identity (its floor likewise); ` +
      `content-encoding get ${get.gateway.contentEncoding}, get, identity ${getIdentity.gateway.contentEncoding}`,
    `floor get with the Worker setting Content-Encoding: identity (client as shipped): ${workerIdentity.mibPerS} MiB/s, ` +
      `content-encoding ${workerIdentity.contentEncoding}`,
    "R2 floor: a bare Worker putting (redirect: 'error') and getting with the binding, same wrangler dev; " +
      `worker Δ put ${put.floor.workerGrowthMiB} MiB, get ${get.floor.workerGrowthMiB} MiB`,
    `put: body handed over by ${put.gateway.milestoneSeconds} s, answered at ${put.gateway.seconds} s; ` +
      `get: first byte at ${get.gateway.milestoneSeconds} s, last at ${get.gateway.seconds} s (${get.gateway.chunks} chunks)`,
    ...names.map(
      (name) =>
        `${LABELS[name]}: workerd ${rows[name].gateway.workerd}; node ${rows[name].gateway.containerCpuSeconds} s CPU`,
    ),
    `sha256 up ${results.sha256.put.slice(0, 16)}… down ${results.sha256.get.slice(0, 16)}… ${exact ? 'all equal' : 'DIFFERENT'}`,
    `processes below this one: ${results.processes}`,
  ];
  return { results, text: lines.join('\n') };
}
