import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/local-session.ts';

// `npm run bench:profile` reaches workerd's profiler through wrangler's inspector proxy and names
// modules through the bundle's source map, both of which wrangler could change under it: a short
// run shows it still attributes the gateway's time to the gateway's own modules.

describe('npm run bench:profile', () => {
  it("profiles the Worker per scenario and names the gateway's modules", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bench/profile.ts'), '--scenario', 'gateway.query,original.query', '--ms', '800'],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, timeout: 120_000 },
    );
    const row = (name: string) => {
      const line = stdout.split('\n').find((l) => l.startsWith(name));
      expect(line, `${name} in:\n${stdout}`).toBeDefined();
      return (line as string).slice(44).trim().split(/\s+/).map(Number);
    };
    const [gateway, original] = row("the Worker's isolate (samples)");
    expect(gateway).toBeGreaterThan(0);
    expect(original).toBeGreaterThan(0);
    // tRPC runs in the gateway's calls only; the module names come from the source map.
    const [trpcInGateway, trpcInOriginal] = row('@trpc/server');
    expect(trpcInGateway).toBeGreaterThan(0);
    expect(trpcInOriginal).toBe(0);
    expect(stdout).toMatch(/^worker\/\S+\.ts/m);
  }, 150_000);
});
