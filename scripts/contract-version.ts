/** `npm run contract:version`: writes shared/version.ts with the hash of the contract as it is now. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { computeContractVersion } from '../shared/contract-hash.ts';

const version = await computeContractVersion();
const file = path.resolve(import.meta.dirname, '..', 'shared', 'version.ts');
writeFileSync(
  file,
  `// Written by \`npm run contract:version\` (shared/contract-hash.ts); do not edit.
/** The contract's version: a client and a gateway that disagree on it must not talk. */
export const CONTRACT_VERSION = '${version}';
`,
);
console.log(`CONTRACT_VERSION = ${version}`);
