/**
 * The parity cases whose outcome through the gateway differs from the binding's, and why. Each row
 * is a case name (`<binding>: <case>`) of test/worker/parity/; docs/contract.md ("What must differ
 * from the binding") lists the same rows. A case listed here must differ: one that no longer does
 * fails until its row is removed.
 */
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'R2: delete() of 1,001 keys throws':
    'R2 deletes at most 1,000 keys a call (its documented limit); local R2 takes more',
  'R2: put() with httpMetadata over 8,192 bytes':
    "R2's object metadata is at most 8,192 bytes (its documented limit); local R2 takes more",
};
