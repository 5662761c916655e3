import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { describeMissing, type Lockfile, missingEntries } from '../../scripts/check-lockfile.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const script = path.join(root, 'scripts', 'check-lockfile.ts');
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
const fixture = () => read(path.join(import.meta.dirname, 'fixtures', 'package-lock.json'));
const repository = () => read(path.join(root, 'package-lock.json'));

function without(lock: Lockfile, key: string): Lockfile {
  const { [key]: _removed, ...packages } = lock.packages ?? {};
  return { ...lock, packages };
}

const scratch = mkdtempSync(path.join(tmpdir(), 'check-lockfile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the lockfile check', () => {
  it('finds every entry of a complete lockfile, hoisted, nested and aliased', () => {
    expect(missingEntries(fixture())).toEqual([]);
  });

  it('names a platform build that a package declares and the lockfile lacks', () => {
    const missing = missingEntries(without(fixture(), 'node_modules/@scope/runtime-darwin-arm64'));
    expect(missing).toEqual([
      { from: 'node_modules/runtime', name: '@scope/runtime-darwin-arm64', range: '1.0.0' },
    ]);
    expect(missing.map(describeMissing)).toEqual([
      'node_modules/runtime wants @scope/runtime-darwin-arm64@1.0.0: no entry in the lockfile',
    ]);
  });

  it('does not take a nested package’s missing build from a hoisted one at another version', () => {
    const missing = missingEntries(
      without(fixture(), 'node_modules/tool/node_modules/@scope/runtime-linux-64'),
    );
    expect(missing).toEqual([
      {
        from: 'node_modules/tool/node_modules/runtime',
        name: '@scope/runtime-linux-64',
        range: '2.0.0',
        found: { at: 'node_modules/@scope/runtime-linux-64', version: '1.0.0' },
      },
    ]);
  });

  it('reports a dependency of the project itself that has no entry', () => {
    expect(missingEntries(without(fixture(), 'node_modules/tool'))).toContainEqual({
      from: '',
      name: 'tool',
      range: '~2.3.0',
    });
  });

  it('passes this repository’s lockfile, and fails it with one platform build removed', () => {
    expect(missingEntries(repository()).map(describeMissing)).toEqual([]);
    const missing = missingEntries(without(repository(), 'node_modules/@cloudflare/workerd-darwin-arm64'));
    expect(missing.map(({ from, name }) => `${from} → ${name}`)).toEqual([
      'node_modules/workerd → @cloudflare/workerd-darwin-arm64',
    ]);
  });

  it('exits 1 from the command line and prints what is missing', async () => {
    const file = path.join(scratch, 'package-lock.json');
    writeFileSync(file, JSON.stringify(without(fixture(), 'node_modules/@scope/runtime-linux-64')));
    const run = promisify(execFile)(process.execPath, [script, file]);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('node_modules/runtime wants @scope/runtime-linux-64@1.0.0'),
    });
  });

  it('exits 0 from the command line on this repository’s lockfile', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [script]);
    expect(stdout).toMatch(/every declared dependency has its entry/);
  });
});
