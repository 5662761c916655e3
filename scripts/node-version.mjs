// Which Node runs the project's scripts (README: "Node"). Plain JavaScript, so that any Node can read
// it: scripts/start.mjs and `npm install`'s postinstall use it to say in one line what to do on a Node
// that is too old, instead of a wall of EBADENGINE warnings or ERR_UNKNOWN_FILE_EXTENSION.
//
// `node scripts/node-version.mjs` (postinstall): prints that line when this Node is too old.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The floor is package.json's `engines.node` (">=22.18": wrangler needs 22.12, and the scripts are
// `.ts` files that Node runs without a flag from 22.18): one place for it.
const engines = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
const floor = /(\d+)\.(\d+)/.exec(engines);
export const FLOOR = { major: Number(floor?.[1] ?? 22), minor: Number(floor?.[2] ?? 12) };

/** Whether a Node version ("22.23.3") is at least the floor. */
export function newEnough(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > FLOOR.major || (major === FLOOR.major && minor >= FLOOR.minor);
}

/** The Node that `npm install` brought as an optional dependency, where it serves this platform. */
export function bundledNode() {
  const bin = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  return existsSync(bin) ? bin : undefined;
}

/** The one line for a Node older than the floor; undefined when this one is new enough. */
export function tooOldLine(version = process.versions.node) {
  if (newEnough(version)) return undefined;
  const wanted = `${FLOOR.major}.${FLOOR.minor}`;
  return bundledNode()
    ? `Node ${version} is older than ${wanted}: npm scripts (npm start, npm test) run on the Node 22 that npm install put in node_modules/.bin; for anything else, install Node ${wanted} or later (README: "Node")`
    : `Node ${version} is older than ${wanted}, which this project needs: install Node ${wanted} or later (https://nodejs.org, or \`nvm install ${FLOOR.major}\`) and run \`npm install\` again (README: "Node")`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Under npm the script's `node` is already the bundled one: the Node that runs npm is in its agent.
  const npmNode = /\bnode\/v(\d+\.\d+\.\d+)/.exec(process.env.npm_config_user_agent ?? '')?.[1];
  const line = tooOldLine(npmNode ?? process.versions.node);
  if (line) console.error(line);
}
