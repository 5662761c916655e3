import type { TRPCDataTransformer as DataTransformer } from '@trpc/server';
import { SuperJSON, type SuperJSONResult } from 'superjson';
import { base64ToBytes, bytesToBase64 } from './base64.ts';

/**
 * superjson (Dates, BigInts, Maps, Sets, undefined survive the trip) with bytes added:
 * `Uint8Array` (Node's `Buffer` included) and `ArrayBuffer` travel as base64 and arrive as the same
 * type, byte-exact. Its own instance, so registering these types never touches the global default.
 */
const superjson = new SuperJSON();

superjson.registerCustom<Uint8Array, string>(
  {
    isApplicable: (value): value is Uint8Array => value instanceof Uint8Array,
    serialize: (value) => bytesToBase64(value),
    deserialize: (value) => base64ToBytes(value),
  },
  'bytes',
);

superjson.registerCustom<ArrayBuffer, string>(
  {
    isApplicable: (value): value is ArrayBuffer => value instanceof ArrayBuffer,
    serialize: (value) => bytesToBase64(new Uint8Array(value)),
    deserialize: (value) => base64ToBytes(value).buffer as ArrayBuffer,
  },
  'arraybuffer',
);

/**
 * Whether a value is JSON as it is: what `JSON.stringify` then `JSON.parse` give back unchanged.
 * (-0, NaN and ±Infinity are not: JSON turns them into 0 and null; superjson keeps them.)
 */
function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i])) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key])) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * The wire format of the contract: superjson's `{ json, meta }`. A value that is plain JSON (most D1
 * rows) skips superjson's walk and is sent as `{ json }`, which superjson itself would read the same
 * way: superjson annotates every value it visits, at ~17× the cost of `JSON.stringify` on a
 * 10,000-row result, while this check costs about one `JSON.stringify`.
 */
export const transformer: DataTransformer = {
  serialize(value: unknown): SuperJSONResult {
    return isPlainJson(value) ? { json: value as SuperJSONResult['json'] } : superjson.serialize(value);
  },
  deserialize(payload: SuperJSONResult | undefined): unknown {
    // tRPC hands over `undefined` for a call without input.
    if (payload === undefined || payload === null) return payload;
    return payload.meta === undefined ? payload.json : superjson.deserialize(payload);
  },
};
