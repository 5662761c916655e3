import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../scripts/local-session.ts';
import { freePort } from './helpers.ts';

// The README's tour, step 2, as a user follows it: on a copy of the repository, its commands run and
// its code pasted where it says, word for word; then `npm start` and its curl lines.

const LEFT_OUT = new Set(['node_modules', '.git', '.wrangler', '.dev.vars', 'dist', '.venv']);
const copy = mkdtempSync(path.join(tmpdir(), 'binding-gateway-tour-'));
let start: ChildProcess | undefined;

afterAll(async () => {
  if (start?.pid && start.exitCode === null) {
    const exited = once(start, 'exit');
    process.kill(-start.pid, 'SIGINT');
    await exited;
  }
  rmSync(copy, { recursive: true, force: true });
});

/** The fenced blocks of the README's tour, in order. */
function tourBlocks(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const tour = readme.slice(readme.indexOf('## A five-minute tour'), readme.indexOf('**3. Add a procedure'));
  return [...tour.matchAll(/```[\w-]*\n([\s\S]*?)\n```/g)].map(([, code]) => code ?? '');
}

/** A shell block's commands, without their comments. */
const commands = (block: string) =>
  block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);

describe('the README tour', () => {
  it('followed verbatim on a copy of the repository, serves the notes table and refuses bad input with 400', async () => {
    cpSync(ROOT, copy, { recursive: true, filter: (source) => !LEFT_OUT.has(path.basename(source)) });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const [, create, sql, handler, mount, curls] = tourBlocks();
    if (!create || !sql || !handler || !mount || !curls) return expect.unreachable('the tour has six blocks');
    const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
    const run = (line: string) =>
      execFileSync('bash', ['-c', line], { cwd: copy, env, encoding: 'utf8', stdio: 'pipe' });

    // `npx wrangler d1 migrations create DB notes`, then the table in the file it wrote.
    for (const line of commands(create)) run(line);
    const migration = readdirSync(path.join(copy, 'migrations')).find((name) => name.endsWith('_notes.sql'));
    if (!migration) return expect.unreachable('no migration file was written');
    writeFileSync(path.join(copy, 'migrations', migration), `${sql}\n`);
    writeFileSync(path.join(copy, 'container', 'notes.ts'), `${handler}\n`);
    // The import beside the other imports, the route after /api/users's.
    const [importLine, routeLine] = mount.split('\n');
    const appPath = path.join(copy, 'container', 'app.ts');
    const app = readFileSync(appPath, 'utf8').split('\n');
    const lastImport = app.findLastIndex((line) => line.startsWith('import '));
    app.splice(lastImport + 1, 0, importLine ?? '');
    const usersRoute = app.findIndex((line) => line.includes("app.route('/api/users'"));
    expect(usersRoute).toBeGreaterThan(0);
    app.splice(usersRoute + 1, 0, `  ${routeLine}`);
    writeFileSync(appPath, app.join('\n'));

    // `npm start` (the same as node scripts/start.mjs), in its own process group as in a terminal.
    const port = await freePort();
    let output = '';
    start = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: copy,
      env: { ...env, PORT: String(port), CI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [start.stdout, start.stderr]) stream?.on('data', (chunk) => (output += chunk));
    await vi.waitFor(() => expect(output).toContain('Local session ready'), {
      timeout: 60_000,
      interval: 200,
    });
    expect(output).toContain(migration);

    // The curl lines, each answering the status its comment says.
    for (const line of curls.split('\n')) {
      const expected = /#\s*(\d{3})/.exec(line)?.[1] ?? '200';
      const command = line.replace(/\s+#.*$/, '').replaceAll('127.0.0.1:8787', `127.0.0.1:${port}`);
      const status = run(`${command} -s -o /dev/null -w '%{http_code}'`);
      expect(`${command} → ${status}`).toBe(`${command} → ${expected}`);
    }
    const listed = await fetch(`http://127.0.0.1:${port}/api/notes`);
    expect(await listed.json()).toEqual({ notes: [{ id: 1, body: 'hello' }] });
    for (const body of [undefined, '{"body":', '{}', '{"body":""}']) {
      const refused = await fetch(`http://127.0.0.1:${port}/api/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
      expect(refused.status, String(body)).toBe(400);
    }
  }, 150_000);
});
