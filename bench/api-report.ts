/**
 * `npm run bench:api`'s results: per system, method and concurrency, requests/s, p50 and p99 with
 * their ratios against the original in the same run; the targets of issue 25 item 4; and the
 * attribution of one `GET /api/users` (item 5). Every target is a ratio of figures from one run.
 */
import type { ProbeMedians } from './api-attribution.ts';
import type { PhaseFigures } from './api-load.ts';
import { SYSTEMS, type SystemName } from './api-systems.ts';

export type Method = 'GET' | 'POST';

export interface PhaseResult extends PhaseFigures {
  system: SystemName;
  method: Method;
  concurrency: number;
  /** Against the original's phase of the same method and concurrency. */
  rpsRatio: number;
  p50Ratio: number;
  p99Ratio: number;
  /** POST only: users added (the 2xx answers) and rows found after the phase; equal when every 2xx is one row. */
  created?: number;
  rows?: number;
  /** POST only: rows doubled or without a 2xx (0 when every 2xx is exactly one row). */
  strayRows?: number;
}

export interface Target {
  name: string;
  label: string;
  measured: number;
  goal: number;
  direction: 'at-most' | 'at-least';
  met: boolean;
}

export interface ApiResults {
  config: { requestsPerPhase: number; attributionRounds: number; seededUsers: number; concurrency: number[] };
  systems: typeof SYSTEMS;
  phases: PhaseResult[];
  attribution: { probes: Record<string, { ms: number; what: string }>; derived: Record<string, number> };
  targets: Target[];
}

export function withRatios(
  raw: (PhaseFigures &
    Pick<PhaseResult, 'system' | 'method' | 'concurrency' | 'created' | 'rows' | 'strayRows'>)[],
): PhaseResult[] {
  return raw.map((phase) => {
    const base = raw.find(
      (other) =>
        other.system === 'original' &&
        other.method === phase.method &&
        other.concurrency === phase.concurrency,
    );
    return {
      ...phase,
      rpsRatio: base ? phase.rps / base.rps : Number.NaN,
      p50Ratio: base ? phase.p50 / base.p50 : Number.NaN,
      p99Ratio: base ? phase.p99 / base.p99 : Number.NaN,
    };
  });
}

/** Item 5: one GET /api/users on the Node container, split into what the probes can tell apart. */
export function derive(m: ProbeMedians): Record<string, number> {
  return {
    'node: the container, one GET /api/users': m['node.users'],
    'node: of which HTTP to the container, routing, a small answer': m['node.empty'],
    'node: of which its env.DB call (timed inside the container)': m['node.env.DB'],
    'node:   of which the client (CPU)': m['env.DB.client'],
    "node:   of which the Worker's empty round trip": m['worker.empty'],
    "node:   of which D1's own time": m['d1.floor'],
    'node:   of which the gateway and the rest':
      m['node.env.DB'] - m['env.DB.client'] - m['worker.empty'] - m['d1.floor'],
    'node: of which the rest (the users as JSON, middleware)':
      m['node.users'] - m['node.env.DB'] - m['node.empty'],
    'node: the same env.DB call from the bench process, less the one inside the container':
      m['env.DB.all'] - m['node.env.DB'],
    "worker: the Worker's forward to a container (forwarded − direct /health)":
      m['node.empty.forwarded'] - m['node.empty'],
    'python: GET /api/users less its /health (the client, the gateway, D1, the answer)':
      m['python.users'] - m['python.empty'],
    'original: GET /api/users less its 404': m['original.users'] - m['original.empty'],
    'original:   of which its DB call, a new connection': m['original.query.new'],
    'original:   of which the rest (an httpx client made per call, FastAPI, the answer)':
      m['original.users'] - m['original.empty'] - m['original.query.new'],
    'original: a new connection per DB call (new − reused)':
      m['original.query.new'] - m['original.query.keepalive'],
  };
}

export function targets(phases: PhaseResult[], m: ProbeMedians): Target[] {
  const out: Target[] = [];
  for (const phase of phases) {
    if (phase.system === 'original') continue;
    const id = `${phase.system}.${phase.method}.c${phase.concurrency}`;
    out.push({
      name: `${id}.rps`,
      label: `${SYSTEMS[phase.system].slice(0, 3)} ${phase.method} ×${phase.concurrency}: requests/s ÷ (a)'s`,
      measured: phase.rpsRatio,
      goal: 1,
      direction: 'at-least',
      met: phase.rpsRatio >= 1,
    });
    out.push({
      name: `${id}.p99`,
      label: `${SYSTEMS[phase.system].slice(0, 3)} ${phase.method} ×${phase.concurrency}: p99 ÷ (a)'s`,
      measured: phase.p99Ratio,
      goal: 1,
      direction: 'at-most',
      met: phase.p99Ratio <= 1,
    });
  }
  // Both the container's: its GET from outside, its env.DB call timed inside its own process.
  const container = m['node.users'] / m['node.env.DB'];
  out.push({
    name: 'container.users-over-env.DB',
    label: "(c)'s own GET /api/users ÷ its one env.DB call",
    measured: container,
    goal: 1.2,
    direction: 'at-most',
    met: container <= 1.2,
  });
  return out;
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

export function formatPhases(phases: PhaseResult[]): string {
  const lines = [
    '| method | clients | system | req/s | p50 ms | p99 ms | req/s ÷ (a) | p50 ÷ (a) | p99 ÷ (a) | 2xx = rows | failed |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const p of phases) {
    const rows =
      p.method === 'POST' ? `${p.created} ${p.created === p.rows && !p.strayRows ? '=' : '≠'} ${p.rows}` : '';
    lines.push(
      `| ${p.method} | ${p.concurrency} | ${SYSTEMS[p.system].slice(0, 3)} ${p.system} | ${f1(p.rps)} | ${f1(p.p50)} | ${f1(p.p99)} | ${f2(p.rpsRatio)} | ${f2(p.p50Ratio)} | ${f2(p.p99Ratio)} | ${rows} | ${p.failed} |`,
    );
  }
  return lines.join('\n');
}

export function formatAttribution(attribution: ApiResults['attribution']): string {
  const probes = Object.entries(attribution.probes).map(
    ([name, { ms, what }]) => `  ${name.padEnd(26)} ${f2(ms).padStart(7)} ms  ${what}`,
  );
  const parts = Object.entries(attribution.derived).map(
    ([what, ms]) => `  ${f2(ms).padStart(7)} ms  ${what}`,
  );
  return ['one request at a time, medians:', ...probes, '', 'attribution:', ...parts].join('\n');
}

export function formatTargets(list: Target[]): string {
  return list
    .map(
      (t) =>
        `  ${t.met ? 'met    ' : 'not met'} ${t.label}: ${f2(t.measured)} (goal ${t.direction === 'at-most' ? '≤' : '≥'} ${t.goal})`,
    )
    .join('\n');
}
