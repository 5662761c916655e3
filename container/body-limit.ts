import type { Context, MiddlewareHandler } from 'hono';
import { GATEWAY_MAX_DRAIN_BYTES } from '../shared/limits.ts';

/**
 * Refuses a request body over `maxBytes` (by its Content-Length, or by counting a chunked one) with
 * `refuse`'s answer, after reading and discarding the rest of the body, up to `GATEWAY_MAX_DRAIN_BYTES`.
 * hono's bodyLimit answers at once and leaves the rest to @hono/node-server, which reads it for
 * 500 ms at most and then closes the connection: a client still sending met a reset, not the 413.
 * Under the limit the body is read once, held, and handed on.
 */
export function bodyLimit(maxBytes: number, refuse: (c: Context) => Response): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (body === null) return next();
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (!c.req.header('transfer-encoding') && declared > maxBytes) {
      await discard(body.getReader(), 0);
      return refuse(c);
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await discard(reader, size);
        return refuse(c);
      }
      chunks.push(value);
    }
    c.req.raw = new Request(c.req.raw, { body: new Blob(chunks as Uint8Array<ArrayBuffer>[]) });
    return next();
  };
}

/** Reads the rest of a body and drops it, up to the drain bound (then cancels it). */
async function discard(reader: ReadableStreamDefaultReader<Uint8Array>, read: number): Promise<void> {
  let size = read;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
      if (size > GATEWAY_MAX_DRAIN_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client went away: nothing to answer.
  }
}
