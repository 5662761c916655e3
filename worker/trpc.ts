import { initTRPC } from '@trpc/server';
import { GATEWAY_ERRORS, type GatewayErrorData, transformer } from '../shared/index.ts';
import type { GatewayContext } from './context.ts';
import { gatewayCodeOfError, INTERNAL_MESSAGE, toGatewayError } from './errors.ts';

const t = initTRPC.context<GatewayContext>().create({
  transformer,
  // On Workers process.env.NODE_ENV is usually unset, and tRPC would then treat the run as
  // development and send stacks. The gateway never does.
  isDev: false,
  errorFormatter({ shape, error }) {
    const gatewayCode = gatewayCodeOfError(error);
    const { http, retryable } = GATEWAY_ERRORS[gatewayCode];
    const data: GatewayErrorData & { code: typeof shape.data.code; path?: string } = {
      code: shape.data.code,
      httpStatus: http,
      gatewayCode,
      retryable,
      ...(shape.data.path === undefined ? {} : { path: shape.data.path }),
    };
    return {
      code: shape.code,
      message: gatewayCode === 'INTERNAL' ? INTERNAL_MESSAGE : shape.message,
      data,
    };
  },
});

export const router = t.router;

/**
 * Every gateway procedure: whatever it fails with (a zod input failure, a binding's error, a bug)
 * leaves it as a `GatewayError` with a code, converted here in one place.
 */
export const procedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toGatewayError(result.error);
  return result;
});
