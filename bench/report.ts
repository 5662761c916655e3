/**
 * Turns the rounds' samples into medians, the targets (P1–P4, the client's CPU) with their goals, one
 * printed table and results.json. Ratios are of medians: each scenario's samples are interleaved with
 * the others'.
 */
import os from 'node:os';
import { SCENARIO_INFO, type ScenarioName } from './scenarios.ts';
import { median, quantile } from './stats.ts';

/** One target: a measured figure, its goal, and whether it is met. */
export interface Target {
  /** A short stable name (P1a, P1b, …), for scripts. */
  name: string;
  /** What is measured, e.g. `gateway.query ÷ original.query`. */
  label: string;
  measured: number;
  goal: number;
  /** The figure must be at most (`<=`) or at least (`>=`) the goal. */
  direction: '<=' | '>=';
  /** `ratio` of medians, a speed-up (`x`), or milliseconds (`ms`). */
  unit: 'ratio' | 'x' | 'ms';
  met: boolean;
}

export interface BenchConfig {
  rounds: number;
  insertRounds: number;
  sustainedRounds: number;
  sustainMs: number;
  floorRuns: number;
  seedRows: number;
  insertRows: number;
  concurrentReads: number;
  sustainedClients: number;
  insertBatchSize: number;
}

export interface Summary {
  median: number;
  p25: number;
  p75: number;
  n: number;
}

export interface BenchResults {
  date: string;
  machine: {
    node: string;
    platform: string;
    release: string;
    arch: string;
    cpu: string;
    cpus: number;
    memoryGiB: number;
  };
  config: BenchConfig;
  /** Median ms per scenario. */
  medians: Partial<Record<ScenarioName, number>>;
  summaries: Partial<Record<ScenarioName, Summary>>;
  targets: Target[];
  /** Every sample, ms, in round order. */
  samples: Partial<Record<ScenarioName, number[]>>;
}

/** The most CPU the typed client may take per call, as a multiple of sending its bytes by hand. */
const CPU_GOAL = 1.5;

function target(
  name: string,
  label: string,
  measured: number,
  direction: '<=' | '>=',
  goal: number,
  unit: Target['unit'] = direction === '>=' ? 'x' : 'ratio',
): Target {
  const met = direction === '<=' ? measured <= goal : measured >= goal;
  return { name, label, measured, goal, direction, unit, met };
}

export function summarize(
  samples: Partial<Record<ScenarioName, number[]>>,
  config: BenchConfig,
): BenchResults {
  const summaries: Partial<Record<ScenarioName, Summary>> = {};
  const medians: Partial<Record<ScenarioName, number>> = {};
  for (const name of Object.keys(SCENARIO_INFO) as ScenarioName[]) {
    const values = samples[name] ?? [];
    if (values.length === 0) continue;
    const summary = {
      median: median(values),
      p25: quantile(values, 0.25),
      p75: quantile(values, 0.75),
      n: values.length,
    };
    summaries[name] = summary;
    medians[name] = summary.median;
  }
  const m = (name: ScenarioName) => medians[name] ?? Number.NaN;
  const targets = [
    target(
      'P1a',
      'gateway.query ÷ (empty + floor)',
      m('gateway.query') / (m('empty') + m('floor')),
      '<=',
      1.1,
    ),
    target('P1b', 'gateway.query ÷ original.query', m('gateway.query') / m('original.query'), '<=', 1.0),
    target('P1w', 'gateway.run ÷ original.run (isolated)', m('gateway.run') / m('original.run'), '<=', 1.05),
    target('P1e', 'env.DB.first ÷ gateway.query', m('env.DB.first') / m('gateway.query'), '<=', 1.05),
    target(
      'P1k',
      'gateway.run ÷ gateway.run.unkeyed',
      m('gateway.run') / m('gateway.run.unkeyed'),
      '<=',
      1.05,
    ),
    target(
      'CPU',
      "client's CPU: cpu.typed ÷ cpu.transport",
      m('cpu.typed') / m('cpu.transport'),
      '<=',
      CPU_GOAL,
    ),
    target(
      'P2',
      'throughput concurrent10: gateway ÷ original',
      m('concurrent10.original') / m('concurrent10.gateway'),
      '>=',
      4,
    ),
    // Sustained: the rate is the inverse of the wall time per call, so gateway ÷ original of the rate
    // is original ÷ gateway of the ms per call.
    target(
      'S1w',
      'writes/s, 1 client, sustained: gateway ÷ original',
      m('sustained.original.run') / m('sustained.gateway.run'),
      '>=',
      0.95,
      'ratio',
    ),
    target(
      'S10w',
      'writes/s, 10 clients, sustained: gateway ÷ original',
      m('sustained10.original.run') / m('sustained10.gateway.run'),
      '>=',
      0.95,
      'ratio',
    ),
    target(
      'S1r',
      'reads/s, 1 client, sustained: gateway ÷ original',
      m('sustained.original.query') / m('sustained.gateway.query'),
      '>=',
      0.95,
      'ratio',
    ),
    target(
      'S10r',
      'reads/s, 10 clients, sustained: gateway ÷ original',
      m('sustained10.original.query') / m('sustained10.gateway.query'),
      '>=',
      0.95,
      'ratio',
    ),
    target(
      'P3',
      'insert1000.original ÷ insert1000.batch',
      m('insert1000.original') / m('insert1000.batch'),
      '>=',
      50,
    ),
    target(
      'P4',
      'rows10k.gateway ÷ rows10k.original',
      m('rows10k.gateway') / m('rows10k.original'),
      '<=',
      1.05,
    ),
  ];
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: os.platform(),
      release: os.release(),
      arch: os.arch(),
      cpu: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    },
    config,
    medians,
    summaries,
    targets,
    samples,
  };
}

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A target's figure in its unit: a speed-up as `4.2×`, a ratio to three places, ms as the table's. */
export function formatFigure(t: Target, value: number): string {
  if (t.unit === 'x') return `${value.toFixed(1)}×`;
  if (t.unit === 'ms') return `${ms(value)} ms`;
  return value.toFixed(3);
}

/** `≤ 1.05`, `≥ 4×`, `≤ 0.30 ms`. */
export function formatGoal(t: Target): string {
  const sign = t.direction === '<=' ? '≤' : '≥';
  if (t.unit === 'x') return `${sign} ${t.goal}×`;
  if (t.unit === 'ms') return `${sign} ${t.goal.toFixed(2)} ms`;
  return `${sign} ${t.goal.toFixed(2)}`;
}

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return cells
    .map((cell, i) => (right[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
    .join('  ');
}

/** One table: every scenario's median (with its spread), then each target's ratio and verdict. */
export function formatTable(results: BenchResults): string {
  const header = ['scenario / target', 'median ms', 'p25–p75 ms', 'n', 'ratio', 'target', 'met'];
  const right = [false, true, true, true, true, true, false];
  const rows: string[][] = [];
  for (const [name, s] of Object.entries(results.summaries) as [ScenarioName, Summary][]) {
    rows.push([name, ms(s.median), `${ms(s.p25)}–${ms(s.p75)}`, String(s.n), '', '', '']);
  }
  const split = rows.length;
  for (const t of results.targets) {
    rows.push([
      `${t.name} ${t.label}`,
      '',
      '',
      '',
      formatFigure(t, t.measured),
      formatGoal(t),
      t.met ? 'met' : 'NOT met',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const rule = widths.map((w) => '─'.repeat(w)).join('──');
  const lines = [pad(header, widths, right), rule];
  rows.forEach((row, i) => {
    if (i === split) lines.push(rule);
    lines.push(pad(row, widths, right));
  });
  return lines.join('\n');
}

/** What each scenario is, for the lines under the table. */
export function formatLegend(results: BenchResults): string {
  const c = results.config;
  const names = Object.keys(results.summaries) as ScenarioName[];
  return [
    ...names.map((name) => `  ${name.padEnd(26)} ${SCENARIO_INFO[name]}`),
    `  rounds ${c.rounds} (insert pair ${c.insertRounds}, sustained ${c.sustainedRounds} × ${c.sustainMs} ms), /floor runs ${c.floorRuns}, ` +
      `db.batch of ${c.insertBatchSize} statements (${Math.ceil(c.insertRows / c.insertBatchSize)} call(s)); ` +
      `${results.machine.cpu} ×${results.machine.cpus}, Node ${results.machine.node}`,
  ].join('\n');
}
