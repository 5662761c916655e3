import { SuperJSON } from 'superjson';
import { base64ToBytes, bytesToBase64 } from './base64.ts';

/**
 * The wire format of the contract: superjson (Dates, BigInts, Maps, Sets, undefined survive the trip)
 * with bytes added. `Uint8Array` (Node's `Buffer` included) and `ArrayBuffer` travel as base64 and
 * arrive as the same type, byte-exact.
 *
 * Its own instance, so registering these types never touches the global `superjson` default.
 */
export const transformer = new SuperJSON();

transformer.registerCustom<Uint8Array, string>(
  {
    isApplicable: (value): value is Uint8Array => value instanceof Uint8Array,
    serialize: (value) => bytesToBase64(value),
    deserialize: (value) => base64ToBytes(value),
  },
  'bytes',
);

transformer.registerCustom<ArrayBuffer, string>(
  {
    isApplicable: (value): value is ArrayBuffer => value instanceof ArrayBuffer,
    serialize: (value) => bytesToBase64(new Uint8Array(value)),
    deserialize: (value) => base64ToBytes(value).buffer as ArrayBuffer,
  },
  'arraybuffer',
);
