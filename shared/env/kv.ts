import type { KvBindingName } from '../bindings.ts';
import type { GatewayClient } from '../client.ts';

/** A `KVNamespace` backed by the gateway. (In progress.) */
export function gatewayKvNamespace(_client: GatewayClient, _binding: KvBindingName): KVNamespace {
  throw new Error('not implemented yet');
}
