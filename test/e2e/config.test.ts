import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { ROOT } from '../../scripts/local-session.ts';
import { CONTAINER_MOUNTS } from '../../worker/mount.ts';

// What wrangler.toml promises about scale-out, read as wrangler reads it.

describe('wrangler.toml', () => {
  // wrangler 4.164 ships no declaration for its Config type (@cloudflare/workers-utils): the fields read here.
  const config = unstable_readConfig({ config: path.join(ROOT, 'wrangler.toml') }) as unknown as {
    containers?: { class_name: string; max_instances?: number }[];
    vars: Record<string, unknown>;
    ratelimits: { name: string; simple: { limit: number; period: number } }[];
  };

  it.each(['ApiContainer', 'Backend'])(
    'lets the platform start as many %s instances as the Worker spreads /api/* over',
    (className) => {
      const mount = config.containers?.find((container) => container.class_name === className);
      expect(mount?.max_instances).toBe(config.vars.CONTAINER_INSTANCES);
    },
  );

  it('names a mount CONTAINER_MOUNT knows', () => {
    expect(CONTAINER_MOUNTS).toContain(config.vars.CONTAINER_MOUNT);
  });

  it('binds the per-caller rate limiter with a period the binding accepts', () => {
    const limiter = config.ratelimits.find((binding) => binding.name === 'CALLER_RATE_LIMIT');
    expect(limiter?.simple.limit).toBeGreaterThan(0);
    expect([10, 60]).toContain(limiter?.simple.period);
  });
});
