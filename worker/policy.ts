import { procedureOf } from '../shared/procedures.ts';
import type { Caller } from './caller.ts';
import { readSettings, type SettingsEnv } from './settings.ts';

/** One call, as the policy sees it: who, which procedure, and the input as sent (not yet validated). */
export interface PolicyCall {
  caller: Caller;
  /** The procedure, e.g. `kv.put`. */
  path: string;
  input: unknown;
}

/**
 * `true` lets the call run; a string refuses it with `FORBIDDEN`, the string being the reason. The
 * policies here say what they are (`kind`, and a key prefix), so that `gateway.info` can tell a
 * caller which policy it is under; a policy of the deployment's own is reported as `custom`.
 */
export type Policy = ((call: PolicyCall) => true | string) & {
  readonly kind?: 'allowAll' | 'confineKeys';
  /** With `confineKeys`: the prefix a caller's KV and R2 keys must start with. */
  readonly keyPrefixFor?: (caller: Caller) => string;
};

/**
 * The default: a caller the transport let in may make any call. The transports are the gate: only
 * the Backend container's own outbound requests (`outboundByHost`) and, in the local session, holders
 * of the dev token reach the gateway at all.
 */
export const allowAll: Policy = Object.assign(() => true as const, { kind: 'allowAll' as const });

/**
 * The KV and R2 keys a call names, by its entry's key fields (shared/procedures.ts); undefined for a
 * call that names none (D1, gateway). A value that is not a string stands as '' so that it is refused.
 */
function keysOf(path: string, input: unknown): string[] | undefined {
  const fields = procedureOf(path)?.keys;
  if (!fields) return undefined;
  const values = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  return fields.flatMap((field) => {
    const value = field === 'prefix' ? (values.prefix ?? '') : values[field];
    return (Array.isArray(value) ? value : [value]).map((key) => (typeof key === 'string' ? key : ''));
  });
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
  const policy = ({ caller, path, input }: PolicyCall) => {
    const keys = keysOf(path, input);
    if (!keys) return true;
    const prefix = prefixFor(caller);
    const outside = keys.find((key) => !key.startsWith(prefix));
    return outside === undefined
      ? true
      : `${caller.id} may only use keys under "${prefix}", not "${outside}"`;
  };
  return Object.assign(policy, { kind: 'confineKeys' as const, keyPrefixFor: prefixFor });
}

/** The key prefix `CONFINE_KEYS_TO_CALLER` keeps a caller to (it learns its id from `gateway.info`). */
export function callerKeyPrefix(caller: Caller): string {
  return `callers/${caller.id}/`;
}

/**
 * The policy the settings ask for (settings.ts: `true`, `"true"` and `"TRUE"` alike): with
 * `CONFINE_KEYS_TO_CALLER`, `confineKeys` to
 * `callers/<caller id>/`, so that each container instance keeps to KV and R2 keys of its own; else
 * `allowAll`. Every transport uses it.
 *
 * @example
 * handleGatewayRequest(request, env, caller, { policy: policyFor(env) });
 */
export function policyFor(env: SettingsEnv): Policy {
  const read = readSettings(env);
  // An invalid setting fails closed; handleGatewayRequest refuses the calls before any policy runs.
  if (!read.ok) return () => `the gateway is misconfigured: ${read.problems.join('; ')}`;
  return read.settings.confineKeysToCaller ? confineKeys(callerKeyPrefix) : allowAll;
}
