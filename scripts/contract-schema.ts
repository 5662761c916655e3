/**
 * `npm run contract:schema`: writes the contract as JSON Schema (shared/contract.schema.json), as
 * Python types (clients/python/binding_gateway/contract.py), and the error table of
 * docs/protocol.md, from the zod schemas and shared/errors.ts. Run it after
 * `npm run contract:version`; a test fails while either file is stale.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withErrorTable } from './contract/error-table.ts';
import { buildContractSchema } from './contract/json-schema.ts';
import { renderPythonContract } from './contract/python.ts';

const root = path.resolve(import.meta.dirname, '..');

/** The files this script writes, relative to the repository, and their content. */
export function contractFiles(): Record<string, string> {
  const schema = buildContractSchema();
  return {
    'shared/contract.schema.json': `${JSON.stringify(schema, null, 2)}\n`,
    'clients/python/binding_gateway/contract.py': renderPythonContract(schema),
    'docs/protocol.md': withErrorTable(readFileSync(path.join(root, 'docs', 'protocol.md'), 'utf8'), root),
  };
}

if (import.meta.main) {
  for (const [file, text] of Object.entries(contractFiles())) {
    writeFileSync(path.join(root, file), text);
    console.log(`wrote ${file}`);
  }
  // Biome's layout, so that `npm run lint` passes; the staleness test compares the JSON, not its layout.
  execFileSync(
    path.join(root, 'node_modules', '.bin', 'biome'),
    ['format', '--write', 'shared/contract.schema.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
