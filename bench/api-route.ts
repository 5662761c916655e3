/**
 * The bench Worker's `/api/*` forward for `npm run bench:api`: `/__api/<port>/api/users` goes to
 * `http://127.0.0.1:<port>/api/users` through production's own forward (worker/instances.ts
 * `serveApi`, as the local session's `CONTAINER_DEV_URL`). One Worker and one D1 serve the three
 * systems the bench compares, each container process on a port of its own, named per request.
 */
export const BENCH_API_PREFIX = '/__api/';

/** The bench Worker's path that forwards `path` to the container process on `port`. */
export function benchApiPath(port: number, path: string): string {
  return `${BENCH_API_PREFIX}${port}${path}`;
}

/** The port and container path of a bench forward path, or undefined for any other path. */
export function parseBenchApiPath(pathname: string): { port: number; path: string } | undefined {
  const match = /^\/__api\/(\d{1,5})(\/.*)$/.exec(pathname);
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[1]);
  return port >= 1 && port <= 65_535 ? { port, path: match[2] } : undefined;
}
