import type { R2BindingName } from '../bindings.ts';
import type { GatewayClient } from '../client.ts';

/** An `R2Bucket` backed by the gateway. (In progress.) */
export function gatewayR2Bucket(_client: GatewayClient, _binding: R2BindingName): R2Bucket {
  throw new Error('not implemented yet');
}
