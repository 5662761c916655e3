import { GATEWAY_PATH } from '../shared/transport.ts';

/** The bench Worker's gateway route without the log line or token check (attribution only). */
export const QUIET_GATEWAY_PATH = '/__quiet/trpc';

/**
 * The bench Worker's route to the handler the container's outbound interception mounts (no token):
 * the path the container's calls to `http://gateway.internal/trpc` arrive on in production.
 */
export const OUTBOUND_GATEWAY_PATH = GATEWAY_PATH;

/**
 * The bench Worker's route to the `Gateway` entrypoint, called through `ctx.exports.Gateway({ props })`
 * as the Durable-Object mount's interception calls it (worker/api-container.ts).
 */
export const ENTRYPOINT_GATEWAY_PATH = '/__entrypoint/trpc';
