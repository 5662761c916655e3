import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { CONTAINER_PORT } from '../shared/transport.ts';
import { createApp } from './app.ts';
import { gatewayClientFromProcess, gatewayEnvFromProcess, gatewayUrlFromProcess } from './gateway.ts';
import { gatewayCheck } from './readiness.ts';

// How long a stop waits for requests under way before it closes their connections.
const DRAIN_TIMEOUT_MS = Number(process.env.DRAIN_TIMEOUT_MS ?? 10_000);

// The readiness self-test: gateway.info at start, so that a gateway that is not there is one log
// line and a 503 with its reason, not calls that wait for their deadline.
const client = gatewayClientFromProcess();
const gateway = gatewayCheck({
  url: gatewayUrlFromProcess(),
  probe: (signal) => client.gateway.info.query(undefined, { signal }),
});
const app = createApp(gatewayEnvFromProcess(), { gateway });
const server = serve(
  {
    fetch: app.fetch,
    port: Number(process.env.PORT ?? CONTAINER_PORT),
    // Inside a Container the Worker connects from outside the loopback; locally, pass HOST=127.0.0.1.
    hostname: process.env.HOST ?? '0.0.0.0',
  },
  (info) => console.log(JSON.stringify({ event: 'listening', url: `http://${info.address}:${info.port}` })),
) as Server;

/** Stops taking connections, lets requests under way finish, then exits. */
function stop(signal: NodeJS.Signals): void {
  console.log(JSON.stringify({ event: 'stopping', signal }));
  server.close(() => process.exit(0));
  // close() ends the connections idle now; a keep-alive connection whose request is under way turns
  // idle only when its response is sent, so look again until none is left.
  setInterval(() => server.closeIdleConnections(), 50).unref();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(1);
  }, DRAIN_TIMEOUT_MS).unref();
}

process.once('SIGTERM', stop);
process.once('SIGINT', stop);
