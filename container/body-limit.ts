import type { Context, MiddlewareHandler } from 'hono';
import { drainBody, readUpTo } from '../shared/body.ts';

/**
 * Refuses a request body over `maxBytes` (by its Content-Length, or by counting a chunked one) with
 * `refuse`'s answer, after reading and discarding the rest of the body, up to `GATEWAY_MAX_DRAIN_BYTES`.
 * hono's bodyLimit answers at once and leaves the rest to @hono/node-server, which reads it for
 * 500 ms at most and then closes the connection: a client still sending met a reset, not the 413.
 * Under the limit the body is read once, held, and handed on.
 */
export function bodyLimit(maxBytes: number, refuse: (c: Context) => Response): MiddlewareHandler {
  return async (c, next) => {
    // A GET or a HEAD has no body (a Request cannot carry one); asking @hono/node-server for
    // `raw.body` would build a whole Request for nothing.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const body = c.req.raw.body;
    if (body === null) return next();
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (!c.req.header('transfer-encoding') && declared > maxBytes) {
      await drainBody(body);
      return refuse(c);
    }
    const reader = body.getReader();
    const read = await readUpTo(reader, maxBytes);
    if ('over' in read) {
      reader.releaseLock();
      await drainBody(body);
      return refuse(c);
    }
    c.req.raw = new Request(c.req.raw, { body: read.bytes as Uint8Array<ArrayBuffer> });
    return next();
  };
}
