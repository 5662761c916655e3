import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { GatewayClient } from '../shared/client.ts';
import { HEALTH_PATH } from '../shared/transport.ts';
import { onError } from './errors.ts';
import { usersRoutes } from './users.ts';

/** The container's HTTP API. The gateway client is passed in, so tests can point it anywhere. */
export function createApp(gateway: GatewayClient): Hono {
  const app = new Hono();
  // The original API allowed any origin, method and header; so does this one.
  app.use('*', cors());
  app.get(HEALTH_PATH, (c) => c.json({ ok: true }));
  app.route('/api/users', usersRoutes(gateway));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError(onError);
  return app;
}
