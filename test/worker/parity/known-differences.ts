/**
 * The parity cases whose outcome through the gateway differs from the binding's, and why. Each row
 * is a case name (`<binding>: <case>`) of test/worker/parity/; docs/contract.md ("What must differ
 * from the binding") lists the same rows. A case listed here must differ: one that no longer does
 * fails until its row is removed.
 */
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'D1: bind() of 101 parameters':
    'the gateway counts the values bound before D1 sees the SQL; D1 names the offset of the 101st variable in it',
  'R2: delete() of 1,001 keys throws':
    'R2 deletes at most 1,000 keys a call (its documented limit); local R2 takes more',
  'R2: put() with httpMetadata over 8,192 bytes':
    'the gateway bounds HTTP metadata at 8,192 bytes (its choice, shared/limits.ts); R2 has no such limit',
};
