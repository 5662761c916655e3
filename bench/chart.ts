/**
 * results.svg, written by hand (no chart library for one picture): the scenarios' medians as
 * horizontal bars on a log scale (they span 1 ms to seconds), then each target's ratio as a bar
 * with its target marked.
 */
import { type BenchResults, formatFigure, formatGoal, type Summary } from './report.ts';
import type { ScenarioName } from './scenarios.ts';

const WIDTH = 960;
const LABEL_W = 300;
const BAR_X = LABEL_W + 10;
const BAR_W = WIDTH - BAR_X - 110;
const ROW_H = 24;
const MET = '#2e7d32';
const NOT_MET = '#c62828';
const BAR = '#1565c0';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(content)}</text>`;
}

function fmt(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** The medians panel; returns its SVG and height. */
function mediansPanel(results: BenchResults, top: number): [string, number] {
  const rows = Object.entries(results.summaries) as [ScenarioName, Summary][];
  const values = rows.map(([, s]) => s.median).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const x = (v: number) =>
    BAR_X + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / Math.log10(hi / lo)) * BAR_W;
  const parts = [text(10, top + 18, 'Median per scenario, ms (log scale; whiskers p25–p75)', 'class="h"')];
  const chartTop = top + 34;
  const chartBottom = chartTop + rows.length * ROW_H;
  for (let e = Math.log10(lo); e <= Math.log10(hi); e++) {
    const decade = 10 ** e;
    parts.push(
      `<line x1="${x(decade)}" y1="${chartTop - 4}" x2="${x(decade)}" y2="${chartBottom}" class="grid"/>`,
      text(x(decade), chartBottom + 14, String(decade), 'class="tick" text-anchor="middle"'),
    );
  }
  rows.forEach(([name, s], i) => {
    const y = chartTop + i * ROW_H;
    const end = x(s.median);
    parts.push(
      text(LABEL_W, y + 15, name, 'text-anchor="end"'),
      `<rect x="${BAR_X}" y="${y + 4}" width="${Math.max(1, end - BAR_X).toFixed(1)}" height="${ROW_H - 8}" fill="${BAR}"/>`,
      `<line x1="${x(s.p25).toFixed(1)}" y1="${y + 12}" x2="${x(s.p75).toFixed(1)}" y2="${y + 12}" class="whisker"/>`,
      text(Math.max(end, x(s.p75)) + 6, y + 16, `${fmt(s.median)} ms`, 'class="val"'),
    );
  });
  return [parts.join('\n'), chartBottom + 24 - top];
}

/** The targets panel: each figure on its own linear scale, its goal as a dashed line. */
function targetsPanel(results: BenchResults, top: number): [string, number] {
  const parts = [text(10, top + 18, 'Targets (green met, red not met)', 'class="h"')];
  const rowH = 34;
  results.targets.forEach((t, i) => {
    const y = top + 34 + i * rowH;
    const measured = Number.isFinite(t.measured) ? t.measured : 0;
    const max = Math.max(measured, t.goal) * 1.25;
    const scale = (v: number) => BAR_X + (v / max) * BAR_W;
    parts.push(
      text(LABEL_W, y + 14, `${t.name} ${t.label}`, 'text-anchor="end" class="small"'),
      `<rect x="${BAR_X}" y="${y + 3}" width="${Math.max(1, scale(measured) - BAR_X).toFixed(1)}" height="16" fill="${t.met ? MET : NOT_MET}"/>`,
      `<line x1="${scale(t.goal).toFixed(1)}" y1="${y - 2}" x2="${scale(t.goal).toFixed(1)}" y2="${y + 24}" class="target"/>`,
      text(scale(t.goal) + 3, y + 30, `target ${formatGoal(t)}`, 'class="tick"'),
      text(
        scale(measured) + 6,
        y + 16,
        `${formatFigure(t, t.measured)} ${t.met ? 'met' : 'not met'}`,
        'class="val"',
      ),
    );
  });
  return [parts.join('\n'), 34 + results.targets.length * rowH + 10];
}

export function renderChart(results: BenchResults): string {
  const m = results.machine;
  const c = results.config;
  const subtitle = `${m.cpu} ×${m.cpus} · Node ${m.node} · ${results.date.slice(0, 10)} · ${c.rounds} rounds (insert pair ${c.insertRounds}) · local wrangler dev, miniflare D1`;
  const [medians, mediansH] = mediansPanel(results, 44);
  const [targets, targetsH] = targetsPanel(results, 44 + mediansH);
  const height = 44 + mediansH + targetsH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-labelledby="title">
<title id="title">binding-gateway benchmark: medians per scenario and the targets</title>
<style>
.h { font-weight: 600; font-size: 14px; }
.tick { fill: #555; font-size: 10px; }
.val { fill: #222; font-size: 11px; }
.small { font-size: 11px; }
.grid { stroke: #ddd; }
.whisker { stroke: #90caf9; stroke-width: 2; }
.target { stroke: #222; stroke-dasharray: 4 3; stroke-width: 1.5; }
</style>
<rect width="100%" height="100%" fill="white"/>
${text(10, 20, 'binding-gateway: typed gateway vs the original JSON proxy vs the floor', 'class="h"')}
${text(10, 36, subtitle, 'class="tick"')}
${medians}
${targets}
</svg>
`;
}
