import { describe, expect, it } from 'vitest';
import { nodeFetch } from '../../shared/node-fetch.ts';

describe('the Node transport in workerd', () => {
  it('is not used: workerd has a process.versions.node (nodejs_compat) but no node:http for it', () => {
    expect((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node).toBeTypeOf(
      'string',
    );
    expect(nodeFetch).toBeUndefined();
  });
});
