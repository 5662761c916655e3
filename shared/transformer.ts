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

/** A failure to read a transformer payload: its `meta` is not superjson's, or names what it cannot read. */
export class TransformerError extends Error {
  constructor() {
    super(
      'the input\'s "meta" is not superjson metadata the gateway reads (see docs/protocol.md); send plain JSON as { "json": ... } alone',
    );
    this.name = 'TransformerError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const isStrings = (value: unknown): boolean =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A type annotation: `"bigint"`, or a pair such as `["custom", "bytes"]`. */
const isAnnotation = (value: unknown): boolean =>
  typeof value === 'string' || (isStrings(value) && (value as string[]).length === 2);

/**
 * superjson's tree of value annotations: `[annotation]`, `[annotation, { key: tree }]` or
 * `{ key: tree }`. superjson walks anything else without end (a string, key by key), so it is
 * checked first. Its depth is bounded by the body's (guards.ts).
 */
function isValueTree(node: unknown): boolean {
  if (Array.isArray(node)) {
    if (node.length < 1 || node.length > 2 || !isAnnotation(node[0])) return false;
    return node[1] === undefined || isChildren(node[1]);
  }
  return isChildren(node);
}

const isChildren = (node: unknown): boolean => isPlainObject(node) && Object.values(node).every(isValueTree);

/** superjson's referential equalities: `{ path: paths }`, or `[rootPaths, { path: paths }?]`. */
function isEqualities(node: unknown): boolean {
  const isRecord = (value: unknown) => isPlainObject(value) && Object.values(value).every(isStrings);
  if (!Array.isArray(node)) return isRecord(node);
  return (
    node.length >= 1 && node.length <= 2 && isStrings(node[0]) && (node[1] === undefined || isRecord(node[1]))
  );
}

function isMeta(meta: unknown): boolean {
  if (!isPlainObject(meta)) return false;
  const { values, referentialEqualities, v, ...rest } = meta;
  return (
    Object.keys(rest).length === 0 &&
    (values === undefined || isValueTree(values)) &&
    (referentialEqualities === undefined || isEqualities(referentialEqualities)) &&
    (v === undefined || typeof v === 'number')
  );
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
    if (payload.meta === undefined || payload.meta === null) return payload.json;
    // Malformed metadata fails with a message of the contract's, never superjson's or the engine's
    // ("Maximum call stack size exceeded", "Unknown transformation", invalid base64).
    if (!isMeta(payload.meta)) throw new TransformerError();
    try {
      return superjson.deserialize(payload);
    } catch {
      throw new TransformerError();
    }
  },
};
