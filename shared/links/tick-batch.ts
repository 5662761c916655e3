import { type Operation, TRPCClientError, type TRPCLink } from '@trpc/client';
import type { AnyRouter, TRPCDataTransformer } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { afterTick } from './after-tick.ts';

/** The `fetch` the link calls: the global one, or any function of the same shape. */
export type BatchFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface TickBatchLinkOptions {
  /** The tRPC endpoint, e.g. `http://gateway.internal/trpc`. */
  url: string;
  /** The transformer the server uses (the contract's). */
  transformer: TRPCDataTransformer;
  /** The most calls one HTTP request carries (the server's `maxBatchSize` or fewer). */
  maxItems?: number;
  /** Headers for each HTTP request, given the calls it carries. */
  headers?: (calls: readonly Operation[]) => Record<string, string>;
  /** The global `fetch` by default. */
  fetch?: BatchFetch | undefined;
}

type CallType = 'query' | 'mutation';

/** What the link hands back with a result or an error, as tRPC's HTTP links do. */
type ResponseMeta = {
  response: Response;
  responseJSON: unknown;
};

/** One HTTP request, in flight: aborted once none of its calls waits for it any longer. */
interface Batch {
  controller: AbortController;
  waiting: number;
}

interface Call {
  op: Operation;
  /** The input, serialized and as JSON text; `undefined` when the transformer gives nothing. */
  body: string | undefined;
  /** Set once the call's batch is sent; until then it sits in its queue. */
  batch: Batch | undefined;
  /** False once the call has its answer, or gave up (aborted, unsubscribed). */
  waiting: boolean;
  answer(data: unknown, meta: ResponseMeta): void;
  fail(error: TRPCClientError<AnyRouter>): void;
  /** Stops listening to the call's signal. */
  release(): void;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** What `TRPCClientError.from` takes, from whatever was thrown. */
function thrown(cause: unknown): object {
  return isObject(cause) ? cause : new Error(String(cause));
}

function abortError(reason: unknown): Error {
  // gatewayCodeOf reads the cause's name; a reason that is not an Error (abort('why')) keeps the meaning.
  return reason instanceof Error ? reason : new DOMException(String(reason ?? 'aborted'), 'AbortError');
}

/** `{"0": …, "1": …}` from inputs already serialized one by one, as tRPC's batch body. */
function batchBody(calls: readonly Call[]): string {
  let body = '{';
  calls.forEach((call, index) => {
    if (call.body === undefined) return;
    body += `${body.length > 1 ? ',' : ''}"${index}":${call.body}`;
  });
  return `${body}}`;
}

function batchUrl(base: string, calls: readonly Call[]): string {
  const [path, query] = base.split('?', 2) as [string, string | undefined];
  const procedures = calls.map((call) => call.op.path).join(',');
  return `${path.replace(/\/$/, '')}/${procedures}?${query ? `${query}&` : ''}batch=1`;
}

/**
 * Delivers one item of a batch's answer (`{ result: { data } }` or `{ error }`) to its call, in the
 * shapes tRPC's own HTTP links give: the data deserialized, or a `TRPCClientError` whose `data` is the
 * server's error data.
 */
function deliver(call: Call, item: unknown, transformer: TRPCDataTransformer, meta: ResponseMeta): void {
  let outcome: { data: unknown } | { error: TRPCClientError<AnyRouter> };
  try {
    if (isObject(item) && 'error' in item) {
      const shape: unknown = transformer.deserialize(item.error);
      outcome =
        isObject(shape) && typeof shape.code === 'number' && typeof shape.message === 'string'
          ? { error: TRPCClientError.from({ ...item, error: shape }, { meta }) }
          : {
              error: TRPCClientError.from(new Error('the server answered with an unknown error shape'), {
                meta,
              }),
            };
    } else if (isObject(item) && isObject(item.result)) {
      outcome = { data: transformer.deserialize(item.result.data) };
    } else {
      outcome = {
        error: TRPCClientError.from(new Error('the server sent no answer for this call'), { meta }),
      };
    }
  } catch (cause) {
    outcome = { error: TRPCClientError.from(thrown(cause), { meta }) };
  }
  if ('error' in outcome) call.fail(outcome.error);
  else call.answer(outcome.data, meta);
}

/**
 * A terminating link that sends the calls made in one tick (synchronously, or in the microtasks that
 * follow, as with `Promise.all`) as one HTTP request, in tRPC's batch format (`POST …/a,b?batch=1`,
 * body `{"0": input, "1": input}`), queries and mutations apart, at most `maxItems` calls a request.
 *
 * tRPC's `httpBatchLink` waits for a `setTimeout(0)`, which Node clamps to 1 ms: every call paid
 * that millisecond. This link sends when the tick's work is done (`setImmediate` in Node; see
 * after-tick.ts), so a call pays nothing for the batching. The server is tRPC's own
 * `fetchRequestHandler` with `allowMethodOverride`: every call is a POST, queries included.
 *
 * A call whose signal aborts leaves its batch at once (it fails with the signal's reason); the HTTP
 * request is aborted only when none of its calls waits for it any longer.
 *
 * @example
 * createTRPCClient<AppRouter>({
 *   links: [tickBatchLink({ url: 'http://gateway.internal/trpc', transformer, maxItems: 50 })],
 * });
 */
export function tickBatchLink<TRouter extends AnyRouter>(options: TickBatchLinkOptions): TRPCLink<TRouter> {
  const { url, transformer } = options;
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  if (!(maxItems >= 1 && (Number.isInteger(maxItems) || maxItems === Number.POSITIVE_INFINITY))) {
    throw new RangeError(`maxItems must be a whole number of at least 1, not ${maxItems}`);
  }

  return () => {
    // Per client, as tRPC's link: two clients never share a request.
    let queues: Record<CallType, Call[]> = { query: [], mutation: [] };
    let scheduled = false;

    async function send(calls: Call[]): Promise<void> {
      const batch: Batch = { controller: new AbortController(), waiting: calls.length };
      for (const call of calls) call.batch = batch;
      let meta: ResponseMeta;
      let items: unknown[];
      try {
        const fetch = options.fetch ?? globalThis.fetch;
        const ops = calls.map((call) => call.op);
        const response = await fetch(batchUrl(url, calls), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers?.(ops) },
          body: batchBody(calls),
          signal: batch.controller.signal,
        });
        const json: unknown = await response.json();
        meta = { response, responseJSON: json };
        // A request refused as a whole (a 400 for the batch's size, a 401) answers one error for all.
        items = Array.isArray(json) ? json : calls.map(() => json);
      } catch (cause) {
        // The request failed as a whole (no answer, or one that is not JSON): every call with it,
        // each with an error of its own (links above may add to it).
        for (const call of calls) if (call.waiting) call.fail(TRPCClientError.from(thrown(cause)));
        return;
      }
      calls.forEach((call, index) => {
        if (call.waiting) deliver(call, items[index], transformer, meta);
      });
    }

    function flush(): void {
      scheduled = false;
      const due = queues;
      queues = { query: [], mutation: [] };
      for (const calls of [due.query, due.mutation]) {
        for (let start = 0; start < calls.length; start += maxItems) {
          void send(calls.slice(start, start + maxItems));
        }
      }
    }

    return ({ op }) =>
      observable((observer) => {
        if (op.type === 'subscription') {
          observer.error(TRPCClientError.from(new Error('tickBatchLink sends queries and mutations only')));
          return () => {};
        }
        const type: CallType = op.type;
        const signal = op.signal ?? undefined;
        const leave = () => {
          if (!call.waiting) return;
          call.waiting = false;
          call.release();
          if (call.batch) {
            call.batch.waiting--;
            if (call.batch.waiting === 0) call.batch.controller.abort();
          } else {
            const queue = queues[type];
            const index = queue.indexOf(call);
            if (index >= 0) queue.splice(index, 1);
          }
        };
        const onAbort = () => {
          const waiting = call.waiting;
          leave();
          if (waiting) observer.error(TRPCClientError.from(abortError(signal?.reason)));
        };
        const call: Call = {
          op,
          body: undefined,
          batch: undefined,
          waiting: true,
          answer(data, meta) {
            call.waiting = false;
            call.release();
            observer.next({ context: meta, result: { type: 'data', data } });
            observer.complete();
          },
          fail(error) {
            call.waiting = false;
            call.release();
            observer.error(error);
          },
          release: () => signal?.removeEventListener('abort', onAbort),
        };
        if (signal?.aborted) {
          observer.error(TRPCClientError.from(abortError(signal.reason)));
          return () => {};
        }
        try {
          // Serialized now, not at dispatch: an input the transformer refuses fails its own call only.
          const serialized: unknown = transformer.serialize(op.input);
          call.body = serialized === undefined ? undefined : JSON.stringify(serialized);
        } catch (cause) {
          observer.error(TRPCClientError.from(thrown(cause)));
          return () => {};
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        queues[type].push(call);
        if (!scheduled) {
          scheduled = true;
          afterTick(flush);
        }
        // Unsubscribing (a deadline link above gave up) is leaving: the call no longer waits.
        return leave;
      });
  };
}
