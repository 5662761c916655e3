// `npm start` (or `node scripts/start.mjs`): plain JavaScript, so that any Node can read it and say in
// one line what to do when it is too old for the session (scripts/start.ts, run on a Node that is new
// enough: this one, or else the Node that `npm install` brought into node_modules/.bin).
//
// It runs the session in a process group of its own. A terminal's Ctrl-C goes to every process of
// the foreground group: without this, workerd would get it too and die before the session stopped
// the containers and the Worker in order (wrangler then prints "The Workers runtime crashed
// unexpectedly"). Here the session alone gets the signal, from this process.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
// The floor is package.json's `engines.node` (">=22.12"): one place for it.
const floor = /(\d+)\.(\d+)/.exec(
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node,
);
const [wantMajor, wantMinor] = [Number(floor?.[1] ?? 22), Number(floor?.[2] ?? 12)];

/** Whether `version` ("22.23.3") is at least the floor. */
function newEnough(version) {
  const [major, minor] = version.split('.').map(Number);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

function bundledNode() {
  const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  return existsSync(bin) ? bin : undefined;
}

let node = process.execPath;
if (!newEnough(process.versions.node)) {
  const bundled = bundledNode();
  if (!bundled) {
    console.error(
      `npm start: Node ${process.versions.node} is older than ${wantMajor}.${wantMinor}, which wrangler needs: install Node ${wantMajor} (https://nodejs.org, or \`nvm install ${wantMajor}\`) and run \`npm install\` again (README: "Node")`,
    );
    process.exit(1);
  }
  node = bundled;
}

const child = spawn(node, [path.join(root, 'scripts', 'start.ts'), ...process.argv.slice(2)], {
  cwd: root,
  // Its stdin is a pipe that closes when this process ends, however it ends: the session then stops.
  stdio: ['pipe', 'inherit', 'inherit'],
  detached: process.platform !== 'win32',
  env: { ...process.env, BINDING_GATEWAY_LAUNCHER: '1' },
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('error', (error) => {
  console.error(`npm start: could not run ${node}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
