/**
 * The Python client's row of bench/large.ts: bench/large_python.py puts and gets the object through
 * the same gateway with `binding_gateway` (an async iterator up, the body iterated down) and reports
 * its own RSS growth. Skipped, with the reason, where no Python has httpx (docs/python.md).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { findPython } from '../scripts/python.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');

/** A direction's figures, as large_python.py prints them. */
export interface PythonTransfer {
  bytes: number;
  sha256: string;
  seconds: number;
  mibPerS: number;
  rssBaselineMiB: number;
  rssGrowthMiB: number;
}

export type PythonRow = { put: PythonTransfer; get: PythonTransfer } | { skipped: string };

export async function pythonRow(
  gateway: { url: string; token: string },
  sizeMiB: number,
): Promise<PythonRow> {
  const found = findPython(ROOT, ['httpx']);
  if (!found.ok) return { skipped: found.reason };
  const { stdout } = await run(
    found.python,
    [path.join(ROOT, 'bench', 'large_python.py'), '--size-mib', String(sizeMiB)],
    {
      env: {
        ...process.env,
        GATEWAY_URL: gateway.url,
        GATEWAY_TOKEN: gateway.token,
        PYTHONPATH: path.join(ROOT, 'clients', 'python'),
      },
    },
  );
  const { put, get } = JSON.parse(stdout) as { put: PythonTransfer; get: PythonTransfer };
  return { put, get };
}

/** The report's line for the Python row. */
export function pythonLine(row: PythonRow, target: number): string {
  if ('skipped' in row) return `python: skipped (${row.skipped})`;
  const cell = (t: PythonTransfer) => `${t.seconds} s, ${t.mibPerS} MiB/s, RSS Δ ${t.rssGrowthMiB} MiB`;
  const met = Math.max(row.put.rssGrowthMiB, row.get.rssGrowthMiB) < target ? 'met' : 'NOT met';
  return `python (binding_gateway): put ${cell(row.put)}; get ${cell(row.get)}; < ${target} MiB ${met}`;
}
