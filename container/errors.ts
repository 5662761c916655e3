import { TRPCClientError } from '@trpc/client';
import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { gatewayCodeOf } from '../shared/client.ts';
import { GatewayBindingError } from '../shared/env/index.ts';
import { GATEWAY_ERRORS } from '../shared/index.ts';

/**
 * The API's last resort: an `HTTPException` keeps its status; a gateway failure nobody handled becomes
 * 503 when it may pass (retryable) and 502 otherwise, with the gateway code, never its message
 * (which may hold SQL). Anything else is 500.
 */
export const onError: ErrorHandler = (error, c) => {
  if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
  if (error instanceof GatewayBindingError || error instanceof TRPCClientError) {
    const code = error instanceof GatewayBindingError ? error.gatewayCode : gatewayCodeOf(error);
    const status: ContentfulStatusCode = GATEWAY_ERRORS[code].retryable ? 503 : 502;
    console.error(JSON.stringify({ event: 'gateway_error', path: c.req.path, code, message: error.message }));
    return c.json({ error: 'the storage gateway failed', code }, status);
  }
  console.error(JSON.stringify({ event: 'unhandled_error', path: c.req.path, message: String(error) }));
  return c.json({ error: 'internal error' }, 500);
};
