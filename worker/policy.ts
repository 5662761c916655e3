import type { Caller } from './caller.ts';

/** One call, as the policy sees it: who, which procedure, and the input as sent (not yet validated). */
export interface PolicyCall {
  caller: Caller;
  /** The procedure, e.g. `kv.put`. */
  path: string;
  input: unknown;
}

/** `true` lets the call run; a string refuses it with `FORBIDDEN`, the string being the reason. */
export type Policy = (call: PolicyCall) => true | string;

/**
 * The default: a caller the transport let in may make any call. The transports are the gate: only
 * the Backend container's own outbound requests (`outboundByHost`) and, in the local session, holders
 * of the dev token reach the gateway at all.
 */
export const allowAll: Policy = () => true;

const KEYED_PATHS = /^(kv|r2)\./;

function keysOf(path: string, input: unknown): string[] {
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (path.endsWith('.list')) return [typeof fields.prefix === 'string' ? fields.prefix : ''];
  const keys = path === 'r2.delete' ? fields.keys : fields.key;
  return (Array.isArray(keys) ? keys : [keys]).map((key) => (typeof key === 'string' ? key : ''));
}

/**
 * An example policy: each caller's KV and R2 calls stay under a key prefix of its own (a list must
 * ask for that prefix or one below it). D1 and gateway calls are left as they are.
 *
 * @example
 * // Each container sees only `containers/<its id>/...`.
 * const policy = confineKeys((caller) => `containers/${caller.id}/`);
 */
export function confineKeys(prefixFor: (caller: Caller) => string): Policy {
  return ({ caller, path, input }) => {
    if (!KEYED_PATHS.test(path)) return true;
    const prefix = prefixFor(caller);
    const outside = keysOf(path, input).find((key) => !key.startsWith(prefix));
    return outside === undefined
      ? true
      : `${caller.id} may only use keys under "${prefix}", not "${outside}"`;
  };
}
