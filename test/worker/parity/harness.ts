import { env } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { createGatewayEnv } from '../../../shared/env/index.ts';
import { GATEWAY_URL, gatewayFetch } from '../helpers.ts';
import { KNOWN_DIFFERENCES } from './known-differences.ts';

// The binding-parity suite: each case's body runs on the real binding (miniflare, in this workerd)
// and on the same binding through createGatewayEnv() and the gateway's real handler. What it returns
// or throws is described as data (types included) and the two descriptions must be equal, except for
// the cases listed in known-differences.ts, which must differ (a fixed case leaves the list).

/** The bindings a case sees: the Worker's own, or the container's view of them. */
export interface Bindings {
  DB: D1Database;
  KV: KVNamespace;
  BUCKET: R2Bucket;
}

/** Names no other run uses. Each run has its own; the descriptions show `<id>` for it. */
export interface Names {
  id: string;
  /** A table name of this run. */
  table: string;
  /** A KV or R2 key of this run: `<id>/<suffix>`. */
  key: (suffix?: string) => string;
}

export interface ParityCase {
  name: string;
  /** Where the case comes from: a Cloudflare test file or docs page. */
  source: string;
  run: (bindings: Bindings, names: Names) => Promise<unknown>;
}

const gatewayEnv = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });

// Values that differ between any two runs, whoever serves them: timings, sizes, upload times, ids.
const VARIES = new Set([
  'duration',
  'size_after',
  'timings',
  'uploaded',
  'version',
  'uploadId',
  'cursor',
  'served_by',
  'served_by_region',
  'served_by_primary',
]);

function namesOf(): Names {
  const id = `p${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
  return { id, table: `t_${id}`, key: (suffix = 'k') => `${id}/${suffix}` };
}

/** Property names a program can read: own enumerable ones and accessors of its classes. */
function readableNames(value: object): string[] {
  const names = new Set(Object.keys(value));
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; ) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name !== 'constructor' && descriptor.get) names.add(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return [...names].sort();
}

/** A value as data: its type where a program can tell types apart, the run's id as `<id>`. */
export function described(value: unknown, id: string): unknown {
  const of = (inner: unknown) => described(inner, id);
  if (typeof value === 'string') return value.replaceAll(id, '<id>');
  if (typeof value === 'function') return { function: value.name };
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(of);
  if (value instanceof ArrayBuffer) return { ArrayBuffer: Array.from(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { [value.constructor.name]: Array.from(bytes) };
  }
  if (value instanceof Date) return { Date: Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString() };
  if (value instanceof Map) return { Map: [...value].map(of) };
  if (value instanceof ReadableStream) return { ReadableStream: true };
  if (value instanceof Headers) return { Headers: [...value].map(of) };
  if (value instanceof Error) return { error: errorOf(value, id) };
  const plain = Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;
  const out: Record<string, unknown> = {};
  for (const name of readableNames(value)) {
    const inner = (value as Record<string, unknown>)[name];
    if (typeof inner === 'function' || (!plain && inner === undefined)) continue;
    out[name] = VARIES.has(name) && inner !== undefined && inner !== null ? `<${typeof inner}>` : of(inner);
  }
  return out;
}

/** What a test sees of an error: its class, name, message and own enumerable properties. */
function errorOf(error: Error, id: string) {
  const props: Record<string, unknown> = {};
  for (const name of Object.keys(error)) props[name] = described((error as never)[name], id);
  return {
    constructor: error.constructor.name,
    name: described(error.name, id),
    message: described(error.message, id),
    props,
  };
}

/** What a case came to: what it returned, or what it threw. */
export async function outcomeOf(bindings: Bindings, parityCase: ParityCase): Promise<unknown> {
  const names = namesOf();
  try {
    return { returned: described(await parityCase.run(bindings, names), names.id) };
  } catch (error) {
    if (!(error instanceof Error)) return { threw: described(error, names.id) };
    return { threw: errorOf(error, names.id) };
  }
}

/**
 * A description as JSON, for the recording Python compares with (clients/python/tests/test_parity.py):
 * what JSON has no word for is tagged as a one-key object: `{"undefined": true}`,
 * `{"number": "NaN" | "Infinity" | "-Infinity" | "-0"}`, `{"bigint": "10"}`. The one value that
 * depends on what ran before the case (a leftover `last_row_id`) is recorded as `<number>`.
 */
export function recordable(value: unknown): unknown {
  if (value === undefined) return { undefined: true };
  if (typeof value === 'bigint') return { bigint: String(value) };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { number: 'NaN' };
    if (!Number.isFinite(value)) return { number: value > 0 ? 'Infinity' : '-Infinity' };
    if (Object.is(value, -0)) return { number: '-0' };
    return value;
  }
  if (Array.isArray(value)) return value.map(recordable);
  if (typeof value === 'object' && value !== null) {
    const out = Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, recordable(inner)]));
    // A D1 meta of a statement that changed nothing: its last_row_id is SQLite's last_insert_rowid()
    // left over from whatever ran before on the database, not the case's: recorded as a number only.
    if (out.changes === 0 && typeof out.last_row_id === 'number') out.last_row_id = '<number>';
    return out;
  }
  return value;
}

/** Where a parity file's recording lives: `outcomes/<file>.json` beside it (`d1.test.ts` → `d1.json`). */
export function recordingOf(testPath: string): string {
  const file = testPath.split('/').pop() ?? '';
  return `./outcomes/${file.replace(/\.test\.ts$/, '')}.json`;
}

/** Every case of a binding as one test, named `<binding>: <case>`; then the recording's test. */
export function parity(binding: 'D1' | 'KV' | 'R2', cases: readonly ParityCase[]): void {
  for (const parityCase of cases) {
    const name = `${binding}: ${parityCase.name}`;
    it(name, async () => {
      const theirs = await outcomeOf(env as unknown as Bindings, parityCase);
      const ours = await outcomeOf(gatewayEnv as unknown as Bindings, parityCase);
      if (name in KNOWN_DIFFERENCES) {
        expect(ours, `${name} is listed as a known difference, and no longer differs`).not.toStrictEqual(
          theirs,
        );
      } else {
        expect(ours).toStrictEqual(theirs);
      }
    });
  }
  // The real binding's outcome of every case of this file, as committed in outcomes/<file>.json for
  // the Python parity suite. Each case runs again here (a filtered run records all of them), on the
  // real binding only. A different outcome fails: `npm run parity:record` writes the file anew
  // (vitest's --update; toMatchFileSnapshot writes through the pool's loopback).
  it(`${binding}: the recording (outcomes/*.json) is what the real binding gives now`, async () => {
    const recording: Record<string, unknown> = {};
    for (const parityCase of cases) {
      const name = `${binding}: ${parityCase.name}`;
      const outcome = await outcomeOf(env as unknown as Bindings, parityCase);
      recording[name] = {
        source: parityCase.source,
        outcome: recordable(outcome),
        ...(name in KNOWN_DIFFERENCES ? { knownDifference: KNOWN_DIFFERENCES[name] } : {}),
      };
    }
    const testPath = expect.getState().testPath ?? '';
    // One case a line: a changed outcome is a one-line diff.
    const lines = Object.entries(recording).map(
      ([name, entry]) => `  ${JSON.stringify(name)}: ${JSON.stringify(entry)}`,
    );
    await expect(`{\n${lines.join(',\n')}\n}\n`).toMatchFileSnapshot(recordingOf(testPath));
  }, 120_000);
}
