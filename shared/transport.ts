/**
 * Where the pieces find each other. The container reaches the gateway at `GATEWAY_URL`, a host the
 * Worker intercepts (`outboundByHost`): it never leaves Cloudflare and needs no secret.
 */

/** The host the container calls; the Backend container class intercepts it. */
export const GATEWAY_HOST = 'gateway.internal';
/** The gateway's path on that host. */
export const GATEWAY_PATH = '/trpc';
/** The container's default gateway URL. */
export const DEFAULT_GATEWAY_URL = `http://${GATEWAY_HOST}${GATEWAY_PATH}`;
/**
 * The local session's gateway route on the Worker (no Docker, so no outbound interception). It exists
 * only while `GATEWAY_DEV_TOKEN` is set, from `.dev.vars`.
 */
export const DEV_GATEWAY_PATH = '/__gateway/trpc';
/** The shortest `GATEWAY_DEV_TOKEN` the Worker and `npm start` accept. */
export const DEV_TOKEN_MIN_LENGTH = 32;
/** The port the container's HTTP API listens on (the Container class's `defaultPort`). */
export const CONTAINER_PORT = 8000;
/** The container's readiness route. */
export const HEALTH_PATH = '/health';

/**
 * D1 sessions (`withSession`) over the gateway: the client sends the session's constraint or latest
 * bookmark in this request header; the gateway runs the request's D1 calls in that session and answers
 * with the session's new bookmark in the response header.
 */
export const D1_SESSION_HEADER = 'x-gateway-d1-session';
export const D1_BOOKMARK_HEADER = 'x-gateway-d1-bookmark';

/** A request's id: sent by the container, echoed by the gateway, in the gateway's log lines. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The contract version the client was built with (`CONTRACT_VERSION`); a mismatch is refused. */
export const CONTRACT_HEADER = 'x-gateway-contract';

/** A streamed body's length, which R2 and KV need before they store a stream. */
export const STREAM_LENGTH_HEADER = 'x-gateway-length';

/**
 * Scale-out (docs/scale-out.md). A public request that carries `x-session-key` goes to the same
 * container instance as every other request with that key; without it, to any instance.
 */
export const SESSION_KEY_HEADER = 'x-session-key';
/** Which container instance served a public `/api/*` request (`instance-0` …), set by the Worker. */
export const INSTANCE_HEADER = 'x-container-instance';
/**
 * The local session only: the caller id a container process claims on the token route, so that each
 * local instance is a caller of its own, as each deployed instance is (by its `containerId`).
 */
export const DEV_CALLER_HEADER = 'x-gateway-dev-caller';
