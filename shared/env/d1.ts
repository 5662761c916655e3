import type { D1BindingName } from '../bindings.ts';
import { createGatewayClient, type GatewayClient, type GatewayClientOptions } from '../client.ts';
import { nodeFetch } from '../node-fetch.ts';
import type { D1Result as ContractResult, SqlParam, SqlValue } from '../schemas/db.ts';
import { isReadOnlySql } from '../sql.ts';
import { D1_BOOKMARK_HEADER, D1_SESSION_HEADER } from '../transport.ts';
import { GatewayBindingError, viaGateway } from './errors.ts';

/** Where a statement runs: the gateway client (plain, or a session's) and the database's name. */
interface Target {
  client: GatewayClient;
  binding: D1BindingName;
}

type Row = Record<string, unknown>;

// The contract carries BLOBs as bytes; the binding gives them as number[]. Give what D1 gives.
function toBindingValue(value: unknown): unknown {
  return value instanceof Uint8Array ? Array.from(value) : value;
}

// In place: the row was just decoded from the response and belongs to no one else.
function toBindingRow(row: Record<string, SqlValue>): Row {
  const out: Row = row;
  for (const column in out) {
    const value = out[column];
    if (value instanceof Uint8Array) out[column] = Array.from(value);
  }
  return out;
}

function toBindingResult<T>(result: ContractResult): D1Result<T> {
  // The contract's meta is D1's meta as the gateway received it (further fields pass through).
  const meta = result.meta as D1Meta & Record<string, unknown>;
  return { success: true, meta, results: result.results.map(toBindingRow) as T[] };
}

/**
 * A `bind()` value as D1's own `bind()` takes it (workerd's d1-api.ts): numbers and strings as they
 * are (a number JSON cannot hold, NaN or ±Infinity, as null, as D1 sends it), booleans as 1 and 0,
 * null, a buffer or a view as its bytes, an array of bytes (`number[]`) as a BLOB. Anything else is
 * D1's `D1_TYPE_ERROR`, thrown by `bind()` as D1 throws it.
 */
function toParam(value: unknown): SqlParam {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value ? 1 : 0;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value) && value.every((byte) => Number.isInteger(byte) && byte >= 0 && byte < 256)) {
        return Uint8Array.from(value as number[]);
      }
      if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
      if (ArrayBuffer.isView(value)) {
        return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
      }
  }
  // The template literal is D1's: a symbol fails in it with the same TypeError.
  throw new Error(`D1_TYPE_ERROR: Type '${typeof value}' not supported for value '${value}'`);
}

/** A `D1PreparedStatement` whose methods run on the gateway, exactly as the binding's would. */
class GatewayD1Statement implements D1PreparedStatement {
  readonly target: Target;
  readonly sql: string;
  readonly params: SqlParam[];

  constructor(target: Target, sql: string, params: SqlParam[] = []) {
    this.target = target;
    this.sql = sql;
    this.params = params;
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return new GatewayD1Statement(this.target, this.sql, values.map(toParam));
  }

  /**
   * A statement that only reads goes as a read procedure (`db.query`, `db.first`, `db.raw`): it
   * shares its HTTP request with the other reads of its tick (KV and R2 reads included), joins the
   * gateway's D1 read batch, and is retried like any read. Anything else goes as `db.statement`,
   * a write with an idempotency key. (The gateway checks the SQL again either way.)
   */
  #call(method: 'all' | 'first' | 'raw' | 'run', options: { column?: string; columnNames?: boolean } = {}) {
    const { client, binding } = this.target;
    const call = { binding, sql: this.sql, params: this.params };
    if (method !== 'run' && this.#readsOnly()) {
      switch (method) {
        case 'all':
          return viaGateway(client.db.query.query(call));
        case 'first':
          return viaGateway(client.db.first.query({ ...call, ...options }));
        case 'raw':
          return viaGateway(client.db.raw.query({ ...call, ...options }));
      }
    }
    return viaGateway(client.db.statement.mutate({ ...call, method, ...options }));
  }

  /**
   * The gateway's own judgement (shared/sql.ts, SQLite's lexer, failing closed): what it cannot
   * prove a read goes as a keyed write, so a retry never runs a write twice.
   */
  #readsOnly(): boolean {
    return isReadOnlySql(this.sql);
  }

  async first<T>(column?: string): Promise<T | null> {
    const value = await this.#call('first', column === undefined ? {} : { column });
    if (value === null) return null;
    return (
      column === undefined ? toBindingRow(value as Record<string, SqlValue>) : toBindingValue(value)
    ) as T;
  }

  async all<T = Row>(): Promise<D1Result<T>> {
    return toBindingResult<T>((await this.#call('all')) as ContractResult);
  }

  async run<T = Row>(): Promise<D1Result<T>> {
    return toBindingResult<T>((await this.#call('run')) as ContractResult);
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<[string[], ...T[]] | T[]> {
    const rows = (await this.#call('raw', { columnNames: options?.columnNames === true })) as SqlValue[][];
    return rows.map((row) => row.map(toBindingValue)) as T[];
  }
}

function statementsFor(target: Target, statements: D1PreparedStatement[]) {
  return statements.map((statement, index) => {
    if (!(statement instanceof GatewayD1Statement) || statement.target.binding !== target.binding) {
      throw new TypeError(`statements[${index}] was not prepared on this database (${target.binding})`);
    }
    return { sql: statement.sql, params: statement.params };
  });
}

async function batch<T>(target: Target, statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
  const { client, binding } = target;
  const results = await viaGateway(
    client.db.batch.mutate({ binding, statements: statementsFor(target, statements) }),
  );
  return results.map((result) => toBindingResult<T>(result));
}

/**
 * A D1 session over the gateway. Its own client sends the session's constraint, then its latest
 * bookmark, with every request; the gateway answers with the new bookmark. Calls of one session in
 * the same tick still share one HTTP request.
 */
class GatewayD1Session implements D1DatabaseSession {
  #bookmark: D1SessionBookmark | null = null;
  readonly #target: Target;

  constructor(options: GatewayClientOptions, binding: D1BindingName, constraintOrBookmark: string) {
    const send = options.fetch ?? nodeFetch ?? globalThis.fetch;
    const sessionFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      headers.set(D1_SESSION_HEADER, this.#bookmark ?? constraintOrBookmark);
      const response = await send(input, { ...init, headers });
      const bookmark = response.headers.get(D1_BOOKMARK_HEADER);
      // Answers to concurrent requests can arrive out of order; D1 bookmarks sort in time order.
      if (bookmark && (this.#bookmark === null || bookmark > this.#bookmark)) this.#bookmark = bookmark;
      return response;
    };
    this.#target = {
      client: createGatewayClient({ ...options, fetch: sessionFetch as typeof fetch }),
      binding,
    };
  }

  prepare(query: string): D1PreparedStatement {
    return new GatewayD1Statement(this.#target, query);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return batch<T>(this.#target, statements);
  }

  getBookmark(): D1SessionBookmark | null {
    return this.#bookmark;
  }
}

/** A `D1Database` whose statements, batches and scripts run on the gateway. */
class GatewayD1Database implements D1Database {
  readonly #options: GatewayClientOptions;
  readonly #target: Target;

  constructor(options: GatewayClientOptions, client: GatewayClient, binding: D1BindingName) {
    this.#options = options;
    this.#target = { client, binding };
  }

  prepare(query: string): D1PreparedStatement {
    return new GatewayD1Statement(this.#target, query);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return batch<T>(this.#target, statements);
  }

  exec(query: string): Promise<D1ExecResult> {
    const { client, binding } = this.#target;
    return viaGateway(client.db.exec.mutate({ binding, sql: query }));
  }

  withSession(
    constraintOrBookmark: D1SessionBookmark | D1SessionConstraint = 'first-unconstrained',
  ): D1DatabaseSession {
    return new GatewayD1Session(this.#options, this.#target.binding, constraintOrBookmark);
  }

  dump(): Promise<ArrayBuffer> {
    return Promise.reject(
      new GatewayBindingError('dump() is deprecated by D1 and not served by the gateway', 'NOT_FOUND'),
    );
  }
}

/** The `D1Database` for one of the gateway's D1 bindings. */
export function gatewayD1Database(
  options: GatewayClientOptions,
  client: GatewayClient,
  binding: D1BindingName,
): D1Database {
  return new GatewayD1Database(options, client, binding);
}
