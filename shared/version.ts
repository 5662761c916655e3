// Written by `npm run contract:version` (shared/contract-hash.ts); do not edit.
/** The contract's version: a client and a gateway that disagree on it must not talk. */
export const CONTRACT_VERSION = '1e9dd2b5a6c25780';
