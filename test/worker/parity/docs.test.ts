import { expect, it } from 'vitest';
import contract from '../../../docs/contract.md?raw';
import { KNOWN_DIFFERENCES } from './known-differences.ts';

// docs/contract.md lists, under one heading, the cases that differ from the binding: the same list.

it('lists in docs/contract.md exactly the known differences of the parity suite', () => {
  const section = contract.split('## What must differ from the binding')[1]?.split(/\n## /)[0] ?? '';
  const listed = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);
  expect(listed.sort()).toEqual(Object.keys(KNOWN_DIFFERENCES).sort());
});
