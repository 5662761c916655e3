import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LocalSession, startLocalSession } from '../../scripts/local-session.ts';
import { createGatewayClient, gatewayCodeOf } from '../../shared/client.ts';
import { DEV_CALLER_HEADER, DEV_GATEWAY_PATH } from '../../shared/transport.ts';
import { freePort } from './helpers.ts';

// Settings given as text, as .dev.vars, `wrangler dev --var` and the dashboard give them, under
// wrangler's dev server: "true" confines keys as `true` in wrangler.toml does; "yes" refuses calls.

/** A local session whose Worker has `vars` as text variables, for the duration of `run`. */
async function withSession(
  vars: Record<string, string>,
  run: (session: LocalSession, token: string, errors: string[]) => Promise<void>,
): Promise<void> {
  const state = mkdtempSync(path.join(tmpdir(), 'settings-'));
  const token = randomBytes(32).toString('hex');
  const errors: string[] = [];
  const session = await startLocalSession({
    port: 0,
    containerPort: await freePort(),
    token,
    persistTo: state,
    bindings: Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [name, { type: 'plain_text' as const, value }]),
    ),
    workerLog: (_level, message) => errors.push(message),
  });
  try {
    await run(session, token, errors);
  } finally {
    await session.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

function clientOf(session: LocalSession, token: string, caller: string) {
  return createGatewayClient({
    url: new URL(DEV_GATEWAY_PATH, session.url).href,
    token,
    retries: 0,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set(DEV_CALLER_HEADER, caller);
      return fetch(input, { ...init, headers });
    }) as typeof fetch,
  });
}

describe('settings as text under wrangler dev', { timeout: 120_000 }, () => {
  it('CONFINE_KEYS_TO_CALLER="true" confines each caller to its keys, and gateway.info says so', async () => {
    await withSession({ CONFINE_KEYS_TO_CALLER: 'true' }, async (session, token) => {
      const client = clientOf(session, token, 'instance-0');
      const refused = await client.kv.put
        .mutate({ key: `callers/instance-1/${randomUUID()}`, value: 'x' })
        .then(
          () => 'stored',
          (error: unknown) => gatewayCodeOf(error),
        );
      expect(refused).toBe('FORBIDDEN');
      await client.kv.put.mutate({ key: `callers/instance-0/${randomUUID()}`, value: 'x' });
      expect((await client.gateway.info.query()).policy).toMatchObject({
        kind: 'confineKeys',
        keyPrefix: 'callers/instance-0/',
      });
    });
  });

  it('CONFINE_KEYS_TO_CALLER="yes" refuses every call and /api/*, with one log line naming it', async () => {
    await withSession({ CONFINE_KEYS_TO_CALLER: 'yes' }, async (session, token, lines) => {
      const client = clientOf(session, token, 'instance-0');
      for (let i = 0; i < 3; i++) {
        const code = await client.kv.put.mutate({ key: `k-${randomUUID()}`, value: 'x' }).then(
          () => 'stored',
          (error: unknown) => gatewayCodeOf(error),
        );
        expect(code).toBe('INTERNAL');
      }
      expect((await fetch(new URL('/api/users', session.url))).status).toBe(500);
      const explained = lines.filter((line) => line.includes('"gateway.invalid_settings"'));
      expect(explained).toHaveLength(1);
      expect(explained[0]).toContain('CONFINE_KEYS_TO_CALLER must be true or false, not \\"yes\\"');
    });
  });
});
