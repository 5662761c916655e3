import { type D1BindingName, GATEWAY_BINDINGS, type KvBindingName, type R2BindingName } from '../bindings.ts';
import { createGatewayClient, type GatewayClientOptions } from '../client.ts';
import { DEFAULT_GATEWAY_URL } from '../transport.ts';
import { gatewayD1Database } from './d1.ts';
import { GatewayBindingError } from './errors.ts';
import { gatewayKvNamespace } from './kv.ts';
import { gatewayR2Bucket } from './r2.ts';

export { GatewayBindingError };

/** The Worker's `env` as the container sees it: exactly the bindings the gateway exposes. */
export type GatewayEnv = { readonly [N in D1BindingName]: D1Database } & {
  readonly [N in KvBindingName]: KVNamespace;
} & { readonly [N in R2BindingName]: R2Bucket };

export interface GatewayEnvOptions {
  /** The gateway's URL; `GATEWAY_URL`, else `http://gateway.internal/trpc`. */
  url?: string | undefined;
  /** The local session's bearer token; `GATEWAY_TOKEN`, else none. */
  token?: string | undefined;
  /** The fetch to use; by default the typed client's (shared/client.ts: node-fetch.ts in Node). */
  fetch?: typeof globalThis.fetch | undefined;
  /** Deadlines, retries and request ids, as for the typed client (shared/client.ts). */
  deadlineMs?: GatewayClientOptions['deadlineMs'];
  retries?: GatewayClientOptions['retries'];
  requestId?: GatewayClientOptions['requestId'];
}

// `process` exists in Node and not (without nodejs_compat) in workerd: read it only if it is there.
function fromEnvironment(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name] || undefined;
}

/**
 * An object shaped like the Worker's `env`: `env.DB` is a `D1Database`, `env.KV` a `KVNamespace`,
 * `env.BUCKET` an `R2Bucket`, each backed by the gateway, so Worker code and D1 libraries run
 * unchanged. Calls made in the same tick, on any binding, share one HTTP request.
 *
 * @example
 * const env = createGatewayEnv();
 * const { results } = await env.DB.prepare('SELECT * FROM users WHERE email = ?').bind(email).all();
 */
export function createGatewayEnv(options: GatewayEnvOptions = {}): GatewayEnv {
  const clientOptions: GatewayClientOptions = {
    ...options,
    url: options.url ?? fromEnvironment('GATEWAY_URL') ?? DEFAULT_GATEWAY_URL,
    token: options.token ?? fromEnvironment('GATEWAY_TOKEN'),
  };
  const client = createGatewayClient(clientOptions);
  const makers: Record<string, () => unknown> = {};
  for (const name of GATEWAY_BINDINGS.d1) makers[name] = () => gatewayD1Database(clientOptions, client, name);
  for (const name of GATEWAY_BINDINGS.kv)
    makers[name] = () => gatewayKvNamespace(clientOptions, client, name);
  for (const name of GATEWAY_BINDINGS.r2) makers[name] = () => gatewayR2Bucket(clientOptions, client, name);
  // Each binding object is made on first use, then kept: code that uses only env.DB pays for no other.
  const env: Record<string, unknown> = {};
  for (const [name, make] of Object.entries(makers)) {
    let made: unknown;
    Object.defineProperty(env, name, { enumerable: true, get: () => (made ??= make()) });
  }
  return guardNames(Object.freeze(env)) as GatewayEnv;
}

const ALL_NAMES = [...GATEWAY_BINDINGS.d1, ...GATEWAY_BINDINGS.kv, ...GATEWAY_BINDINGS.r2].join(', ');

// A Worker's `env.TYPO` is undefined and fails later, far from the typo. Here a name that reads like
// a binding (upper case) and is not one fails at once and says which names there are. Other
// property reads (`then`, symbols, `toJSON`) pass, so the object can still be awaited or logged.
function guardNames(env: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return new Proxy(env, {
    get(target, property, receiver) {
      if (typeof property === 'string' && !(property in target) && /^[A-Z][A-Z0-9_]*$/.test(property)) {
        throw new GatewayBindingError(
          `the gateway exposes no binding named ${property}; it has ${ALL_NAMES} (shared/bindings.ts)`,
          'NOT_FOUND',
        );
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
