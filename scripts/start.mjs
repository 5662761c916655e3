// `npm start` (or `node scripts/start.mjs`): plain JavaScript, so that any Node can read it and say in
// one line what to do when it is too old for the session (scripts/start.ts, run on a Node that is new
// enough: this one, or else the Node that `npm install` brought into node_modules/.bin).
//
// It runs the session in a process group of its own. A terminal's Ctrl-C goes to every process of
// the foreground group: without this, workerd would get it too and die before the session stopped
// the containers and the Worker in order (wrangler then prints "The Workers runtime crashed
// unexpectedly"). Here the session alone gets the signal, from this process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bundledNode, newEnough, ROOT as root, tooOldLine } from './node-version.mjs';

// This Node when it is new enough; else the bundled one, where the platform has it; else one line.
let node = process.execPath;
if (!newEnough(process.versions.node)) {
  const bundled = bundledNode();
  if (!bundled) {
    console.error(`npm start: ${tooOldLine()}`);
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
