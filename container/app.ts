import { Hono } from 'hono';
import type { GatewayEnv } from '../shared/env/index.ts';
import { CONTAINER_API_MAX_BODY_BYTES } from '../shared/limits.ts';
import { HEALTH_PATH, REQUEST_ID_HEADER } from '../shared/transport.ts';
import { bodyLimit } from './body-limit.ts';
import { anyOrigin } from './cors.ts';
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
  app.use('*', anyOrigin([REQUEST_ID_HEADER]));
  app.use('*', requestId);
  // A body is kept only up to the limit (by its length header, or by counting a chunked one); the
  // rest of a larger one is read and dropped, so that the client reads the 413.
  app.use(
    '/api/*',
    bodyLimit(CONTAINER_API_MAX_BODY_BYTES, (c) =>
      c.json({ error: `the body is over ${CONTAINER_API_MAX_BODY_BYTES} bytes` }, 413),
    ),
  );
  if (options.gateway) app.use('/api/*', requireGateway(options.gateway));
  app.get(HEALTH_PATH, (c) => c.json({ ok: true }));
  app.route('/api/users', usersRoutes(env));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError(onError);
  return app;
}
