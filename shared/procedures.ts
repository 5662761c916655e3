/**
 * Every call of the contract, one entry each: its kind, its schemas, how a client may retry it,
 * whether its reads join the request's D1 batch, and which input fields hold KV or R2 keys. The
 * router type (router-type.ts), the client's links, the Worker's read batch and key policy, the
 * contract's hash, its JSON Schema and the Python client's tables are all derived from it.
 *
 * Adding a procedure: its schemas (schemas/), one entry here, its implementation (worker/routers/).
 * The compiler holds the Worker's router to the type derived from this table
 * (test/worker/contract-types.test.ts), so an entry without an implementation, an implementation
 * without an entry, or a kind on one side only fails `npm run typecheck`.
 */
import type { z } from 'zod';
import { db } from './schemas/db.ts';
import { gateway } from './schemas/gateway.ts';
import { kv } from './schemas/kv.ts';
import { r2 } from './schemas/r2.ts';
import { type StreamCall, streams } from './schemas/streams.ts';

/**
 * How a client may send a call again after a retryable failure:
 * - `read`: freely (it changes nothing);
 * - `keyed`: with the idempotency key the client gives it, which the gateway runs once (D1 writes);
 * - `idempotent`: freely, since it leaves the same state however often it runs, unless its input has
 *   an `onlyIf` (a conditional write would answer its own retry as a failed condition);
 * - `never`: not at all (each run has an effect of its own, e.g. a new multipart upload).
 */
export type RetryClass = 'read' | 'keyed' | 'idempotent' | 'never';

/**
 * The input fields that hold KV or R2 keys, for the policy's confinement (worker/policy.ts): `key`
 * (one key), `keys` (one key or a list), `prefix` (a list's prefix: the keys it may reveal).
 */
export type KeyField = 'key' | 'keys' | 'prefix';

interface Schemas {
  input?: z.ZodType;
  output: z.ZodType;
}

/** A tRPC procedure: a query reads, a mutation may write. */
export interface RpcEntry {
  kind: 'query' | 'mutation';
  schema: Schemas;
  retry: RetryClass;
  /** Its D1 reads join the request's one D1 batch (worker/read-batch.ts). */
  readBatch?: true;
  keys?: readonly KeyField[];
}

/** A stream call (schemas/streams.ts): plain HTTP beside the procedures, never retried by a client. */
export interface StreamEntry {
  kind: 'stream';
  schema: { input: z.ZodType };
  keys: readonly KeyField[];
}

export type ProcedureEntry = RpcEntry | StreamEntry;

export const PROCEDURES = {
  'db.query': { kind: 'query', schema: db.query, retry: 'read', readBatch: true },
  'db.first': { kind: 'query', schema: db.first, retry: 'read', readBatch: true },
  'db.raw': { kind: 'query', schema: db.raw, retry: 'read' },
  'db.run': { kind: 'mutation', schema: db.run, retry: 'keyed' },
  'db.batch': { kind: 'mutation', schema: db.batch, retry: 'keyed' },
  // A keyed statement that SQLite's tokens prove a read drops its key and joins the read batch.
  'db.statement': { kind: 'mutation', schema: db.statement, retry: 'keyed', readBatch: true },
  'db.exec': { kind: 'mutation', schema: db.exec, retry: 'keyed' },
  'kv.get': { kind: 'query', schema: kv.get, retry: 'read', keys: ['key'] },
  'kv.getWithMetadata': { kind: 'query', schema: kv.getWithMetadata, retry: 'read', keys: ['key'] },
  'kv.put': { kind: 'mutation', schema: kv.put, retry: 'idempotent', keys: ['key'] },
  'kv.delete': { kind: 'mutation', schema: kv.delete, retry: 'idempotent', keys: ['key'] },
  'kv.list': { kind: 'query', schema: kv.list, retry: 'read', keys: ['prefix'] },
  'r2.get': { kind: 'query', schema: r2.get, retry: 'read', keys: ['key'] },
  'r2.head': { kind: 'query', schema: r2.head, retry: 'read', keys: ['key'] },
  'r2.put': { kind: 'mutation', schema: r2.put, retry: 'idempotent', keys: ['key'] },
  'r2.delete': { kind: 'mutation', schema: r2.delete, retry: 'idempotent', keys: ['keys'] },
  'r2.createMultipartUpload': {
    kind: 'mutation',
    schema: r2.createMultipartUpload,
    retry: 'never',
    keys: ['key'],
  },
  'r2.completeMultipartUpload': {
    kind: 'mutation',
    schema: r2.completeMultipartUpload,
    retry: 'never',
    keys: ['key'],
  },
  'r2.abortMultipartUpload': {
    kind: 'mutation',
    schema: r2.abortMultipartUpload,
    retry: 'idempotent',
    keys: ['key'],
  },
  'r2.list': { kind: 'query', schema: r2.list, retry: 'read', keys: ['prefix'] },
  'gateway.info': { kind: 'query', schema: gateway.info, retry: 'read' },
  'r2.getStream': { kind: 'stream', schema: streams['r2.getStream'], keys: ['key'] },
  'r2.putStream': { kind: 'stream', schema: streams['r2.putStream'], keys: ['key'] },
  'r2.uploadPart': { kind: 'stream', schema: streams['r2.uploadPart'], keys: ['key'] },
  'kv.getStream': { kind: 'stream', schema: streams['kv.getStream'], keys: ['key'] },
  'kv.putStream': { kind: 'stream', schema: streams['kv.putStream'], keys: ['key'] },
} as const satisfies Record<string, ProcedureEntry>;

export type ProcedurePath = keyof typeof PROCEDURES;

/** The paths of a table's entries that match `Entry`, e.g. every stream call. */
export type PathsWhere<Table, Entry> = {
  [P in keyof Table]: Table[P] extends Entry ? P : never;
}[keyof Table];

/** The tRPC procedures' paths (not the stream calls). */
export type RpcPath = PathsWhere<typeof PROCEDURES, RpcEntry>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Compiles only while the table's stream entries are exactly the stream calls of schemas/streams.ts. */
export type StreamEntriesMatch = Holds<Same<StreamCall, PathsWhere<typeof PROCEDURES, StreamEntry>>>;

/** The entry of a path a caller sent, or undefined for a path the contract does not have. */
export function procedureOf(path: string): ProcedureEntry | undefined {
  return Object.hasOwn(PROCEDURES, path) ? PROCEDURES[path as ProcedurePath] : undefined;
}

/** Paths whose entries pass `test`, in the table's order. */
export function pathsWhere(test: (entry: ProcedureEntry) => boolean): ProcedurePath[] {
  return (Object.keys(PROCEDURES) as ProcedurePath[]).filter((path) => test(PROCEDURES[path]));
}
