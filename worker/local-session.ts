import { DEV_GATEWAY_PATH, DEV_TOKEN_MIN_LENGTH } from '../shared/transport.ts';
import type { WorkerEnv } from './env.ts';
import { handleGatewayRequest } from './gateway.ts';

const NOT_FOUND = () => new Response('Not found', { status: 404 });

const encoder = new TextEncoder();

/**
 * Compares a presented token with the secret in time that depends on the lengths only, not on where
 * they differ. Two short strings: no digest needed (the secret's length is not the secret).
 */
function sameSecret(presented: string, secret: string): boolean {
  const a = encoder.encode(presented);
  const b = encoder.encode(secret);
  // timingSafeEqual needs equal lengths; compare the secret with itself so both paths do the work.
  return a.byteLength === b.byteLength
    ? crypto.subtle.timingSafeEqual(a, b)
    : !crypto.subtle.timingSafeEqual(b, b);
}

/**
 * `/__gateway/trpc`: the gateway for the local session's container process, which has no outbound
 * interception without Docker. It exists only while `GATEWAY_DEV_TOKEN` is set; without it the
 * path is a 404 like any other.
 */
export async function serveDevGateway(
  request: Request,
  env: WorkerEnv,
  ctx: Pick<ExecutionContext, 'waitUntil'>,
): Promise<Response> {
  const token = env.GATEWAY_DEV_TOKEN;
  if (!token) return NOT_FOUND();
  if (token.length < DEV_TOKEN_MIN_LENGTH) {
    console.error(
      `GATEWAY_DEV_TOKEN is shorter than ${DEV_TOKEN_MIN_LENGTH} characters: the dev gateway is off`,
    );
    return new Response(`GATEWAY_DEV_TOKEN must be at least ${DEV_TOKEN_MIN_LENGTH} characters`, {
      status: 500,
    });
  }
  const presented = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
  if (!sameSecret(presented, token)) {
    return Response.json(
      {
        error: {
          message: 'missing or wrong bearer token',
          data: { gatewayCode: 'UNAUTHORIZED', httpStatus: 401 },
        },
      },
      { status: 401, headers: { 'www-authenticate': 'Bearer' } },
    );
  }
  return handleGatewayRequest(
    request,
    env,
    { transport: 'dev', id: 'local-session' },
    { endpoint: DEV_GATEWAY_PATH, waitUntil: (promise) => ctx.waitUntil(promise) },
  );
}

/** Whether a path is the dev gateway's. */
export function isDevGatewayPath(pathname: string): boolean {
  return pathname === DEV_GATEWAY_PATH || pathname.startsWith(`${DEV_GATEWAY_PATH}/`);
}

/** `/api/*` to the local session's container process, at `CONTAINER_DEV_URL`. */
export function forwardToDevContainer(request: Request, containerUrl: string): Promise<Response> {
  const url = new URL(request.url);
  return fetch(new Request(new URL(url.pathname + url.search, containerUrl), request));
}
