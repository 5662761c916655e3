import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import { REQUEST_ID_HEADER } from '../shared/transport.ts';

const current = new AsyncLocalStorage<string>();
const VALID = /^[\w.:-]{1,128}$/;

/** The id of the request being served, if any: the gateway client sends it with its calls. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

/**
 * Gives each request an id (the caller's `x-request-id` when it sends a sane one), answers with it,
 * and makes it the id of every gateway call made while serving the request, so that one id follows a
 * request from the browser through the container to the gateway's log lines.
 */
export const requestId: MiddlewareHandler = async (c, next) => {
  const sent = c.req.header(REQUEST_ID_HEADER);
  const id = sent && VALID.test(sent) ? sent : crypto.randomUUID();
  c.header(REQUEST_ID_HEADER, id);
  await current.run(id, next);
};
