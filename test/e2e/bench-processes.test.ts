import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/local-session.ts';

// `npm run bench:processes` tells wrangler's two workerd processes apart by which one listens on
// the bench's URL, and reads every figure from /proc: a short run shows both are still found.

describe.skipIf(process.platform !== 'linux')('npm run bench:processes', () => {
  it("splits each scenario's CPU between the bench, wrangler's proxy and the Worker", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, 'bench/processes.ts'),
        '--scenario',
        'gateway.query,original.query',
        '--runs',
        '30',
        '--rounds',
        '1',
      ],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, timeout: 120_000 },
    );
    const row = (name: string) => {
      const line = stdout.split('\n').find((l) => l.startsWith(name));
      expect(line, `${name} in:\n${stdout}`).toBeDefined();
      return (line as string).slice(38).trim().split(/\s+/).map(Number);
    };
    // Every request enters through the proxy and runs in the Worker's process: both used CPU for
    // both scenarios (30 runs are tens of 10 ms ticks each).
    for (const name of ["workerd: wrangler's proxy", 'workerd: the Worker, D1', 'all of them']) {
      const [gateway, original] = row(name);
      expect(gateway).toBeGreaterThan(0);
      expect(original).toBeGreaterThan(0);
    }
    const [gatewayWall, originalWall] = row('wall ms per run');
    expect(gatewayWall).toBeGreaterThan(0);
    expect(originalWall).toBeGreaterThan(0);
  }, 150_000);
});
