import type { After } from './after.ts';
import type { Caller } from './caller.ts';
import type { Policy } from './policy.ts';
import type { ReadBatch } from './read-batch.ts';

// Its own file, so that policy.ts can name a caller without importing the context that holds a policy.
export type { Caller } from './caller.ts';

/** The tRPC context: the same router serves every transport; only the caller differs. */
export interface GatewayContext {
  env: Env;
  caller: Caller;
  /** The D1 session constraint or bookmark the request carries (`x-gateway-d1-session`), if any. */
  d1Session: string | undefined;
  /** The request's D1 sessions, one per database, opened on first use. */
  d1Sessions: Map<string, D1DatabaseSession>;
  /** The response's headers (the session bookmark goes here). */
  resHeaders: Headers;
  /** How many calls of this HTTP request may read through a `ReadBatch`. */
  batchedReads: number;
  /** The request's read batches, one per database. */
  readBatches: Map<string, ReadBatch>;
  /** The request's id (the caller's `x-request-id`, or one made here), in every log line. */
  requestId: string;
  /** Who may make which call. */
  policy: Policy;
  /** Takes the gateway's `gateway.calls` log lines (written after the answer, through `after`). */
  log: (line: string) => void;
  /** Runs work the answer does not need after the answer (log lines, idempotency records). */
  after: After;
  /** The bytes of inline bodies the request's answer carries so far (answer-budget.ts). */
  answer: { inlineBytes: number };
  /** Aborts when the caller goes away: a write not yet started then does not start. */
  signal: AbortSignal;
}
