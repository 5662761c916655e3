import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

const ALLOW_ORIGIN = 'Access-Control-Allow-Origin';
const EXPOSE_HEADERS = 'Access-Control-Expose-Headers';

/**
 * Any origin, as hono's `cors()` with its default origin `*` allows it: a preflight (`OPTIONS`) is
 * hono's own answer; any other answer gets `Access-Control-Allow-Origin: *` and the exposed headers.
 *
 * hono's `cors()` sets those on `c.res` before the route runs, which makes a response there and
 * merges the route's into it: @hono/node-server then gets a `Response` whose body is a stream
 * instead of the string `c.json()` gave, and copies it out chunk by chunk (with a timer when the
 * stream's last read is not ready yet) instead of writing the string at once. Set here as
 * `requestId` sets its header, with `c.header()` before the route, they go into every answer made
 * through the context (`c.json()`, `notFound`, `onError`); one made another way gets them after.
 */
export function anyOrigin(exposeHeaders: string[]): MiddlewareHandler {
  const preflight = cors({ exposeHeaders });
  const exposed = exposeHeaders.join(',');
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const allow = () => {
      c.header(ALLOW_ORIGIN, '*');
      if (exposed) c.header(EXPOSE_HEADERS, exposed);
    };
    allow();
    await next();
    if (!c.res.headers.has(ALLOW_ORIGIN)) allow();
  };
}
