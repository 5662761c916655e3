import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { GatewayEnv } from '../shared/env/index.ts';
import { CONTAINER_API_MAX_BODY_BYTES } from '../shared/limits.ts';
import { HEALTH_PATH, REQUEST_ID_HEADER } from '../shared/transport.ts';
import { onError } from './errors.ts';
import { type GatewayStatus, requireGateway } from './readiness.ts';
import { requestId } from './request-id.ts';
import { usersRoutes } from './users.ts';

export interface AppOptions {
  /** The readiness self-test (readiness.ts): `/api/*` answers 503 with its reason while no gateway answers. */
  gateway?: { status(): Promise<GatewayStatus> };
}

/** The container's HTTP API over the Worker's bindings, passed in so that tests can point them anywhere. */
export function createApp(env: GatewayEnv, options: AppOptions = {}): Hono {
  const app = new Hono();
  // The original API allowed any origin, method and header; so does this one.
  app.use('*', cors({ exposeHeaders: [REQUEST_ID_HEADER] }));
  app.use('*', requestId);
  // A body is read only up to the limit (by its length header, or by counting a chunked one).
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: CONTAINER_API_MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `the body is over ${CONTAINER_API_MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  if (options.gateway) app.use('/api/*', requireGateway(options.gateway));
  app.get(HEALTH_PATH, (c) => c.json({ ok: true }));
  app.route('/api/users', usersRoutes(env));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError(onError);
  return app;
}
