import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm install`'s postinstall on a Node older than package.json's engines: one line saying what to do.

const script = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'node-version.mjs');
const run = (agent: string) =>
  promisify(execFile)(process.execPath, [script], { env: { ...process.env, npm_config_user_agent: agent } });

describe("the postinstall's Node check", () => {
  it('says in one line, when npm runs on Node 20, which Node the npm scripts use and what to install', async () => {
    const { stdout, stderr } = await run('npm/11.19.1 node/v20.20.2 linux x64 workspaces/false');
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^Node 20\.20\.2 is older than 22\.18: .*install Node 22\.18 or later/);
  });

  it('says nothing when npm runs on a Node that is new enough', async () => {
    const { stdout, stderr } = await run('npm/11.19.1 node/v22.23.3 linux x64 workspaces/false');
    expect(stdout + stderr).toBe('');
  });
});
