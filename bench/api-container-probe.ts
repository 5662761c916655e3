/**
 * `npm run bench:api` only: loaded into the Node container process with `--import` (api-systems.ts),
 * it times that process's own `env.DB` call, for the attribution of one `GET /api/users`.
 *
 * The container's own time is measured from outside (the bench sends `GET /api/users`); its `env.DB`
 * call used to be timed from the bench's process, another process with a client of its own, so the
 * ratio of the two also measured how each process was scheduled (on a loaded 2-core machine it came
 * out anywhere from 0.85 to 1.26 for the same code). Here the call is timed inside the container
 * process: the same SELECT, through `env.DB` configured as the app's (gatewayEnvFromProcess), on the
 * same keep-alive connections (the module's one `nodeFetch`). The app itself is not touched.
 *
 * `GET /` on 127.0.0.1:`BENCH_PROBE_PORT` answers `{ "ms": <the call's time>, "rows": <rows> }`.
 */
import http from 'node:http';
import { gatewayEnvFromProcess } from '../container/gateway.ts';
import { USERS_SQL } from './api-sql.ts';

const port = Number(process.env.BENCH_PROBE_PORT);
if (port > 0) {
  const env = gatewayEnvFromProcess();
  http
    .createServer((request, response) => {
      request.resume();
      const start = performance.now();
      env.DB.prepare(USERS_SQL)
        .all()
        .then(
          ({ results }) => {
            const ms = performance.now() - start;
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end(JSON.stringify({ ms, rows: results.length }));
          },
          (error: unknown) => {
            response.writeHead(500, { 'content-type': 'text/plain' });
            response.end(String(error));
          },
        );
    })
    .listen(port, '127.0.0.1')
    // The bench started this process to measure it: without the probe there is nothing to measure.
    .on('error', (error) => {
      console.error(JSON.stringify({ event: 'bench_probe_failed', message: String(error) }));
      process.exit(1);
    })
    .unref();
}
