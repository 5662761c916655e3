/**
 * Platform limits, enforced by the contract's schemas before any binding is called, so that an
 * over-size input is a typed `LIMIT_EXCEEDED` and never a half-run D1/KV/R2 call.
 *
 * Every figure carries its unit in its name and the page it comes from (checked 2026-11).
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

// developers.cloudflare.com/d1/platform/limits
/** Bound parameters per D1 statement. */
export const D1_MAX_BOUND_PARAMS = 100;
/** Length of one SQL statement, in UTF-8 bytes (each statement of a batch too). */
export const D1_MAX_SQL_BYTES = 100_000;
/** Size of one row, string or BLOB. */
export const D1_MAX_ROW_BYTES = 2_000_000;
/** Duration of one query or batch. */
export const D1_MAX_QUERY_DURATION_MS = 30_000;
/** Queries per Worker invocation on the paid plan (50 on the free plan). */
export const D1_MAX_QUERIES_PER_INVOCATION = 1_000;

// developers.cloudflare.com/kv/platform/limits
/** KV key length, in UTF-8 bytes. */
export const KV_MAX_KEY_BYTES = 512;
/** KV value size. */
export const KV_MAX_VALUE_BYTES = 25 * MiB;
/** KV metadata, serialized as JSON. */
export const KV_MAX_METADATA_BYTES = 1_024;
/** Smallest `expirationTtl` KV accepts. */
export const KV_MIN_EXPIRATION_TTL_S = 60;
/** Smallest `cacheTtl` KV accepts on reads (developers.cloudflare.com/kv/api/read-key-value-pairs). */
export const KV_MIN_CACHE_TTL_S = 30;
/** Keys per `list` page. */
export const KV_MAX_LIST_LIMIT = 1_000;

// developers.cloudflare.com/r2/platform/limits
/** R2 object key length, in UTF-8 bytes. */
export const R2_MAX_KEY_BYTES = 1_024;
/** R2 custom metadata: the keys and values together, in UTF-8 bytes. */
export const R2_MAX_CUSTOM_METADATA_BYTES = 8_192;
/**
 * R2 HTTP metadata (`contentType`, `contentLanguage`, `contentDisposition`, `contentEncoding`,
 * `cacheControl`): their UTF-8 bytes together. R2's limits page gives one figure, "Object metadata
 * size: 8,192 bytes", without saying what it covers (miniflare applies it to custom metadata only),
 * and no limit for HTTP metadata at all. This bound is the gateway's choice: the same 8,192 bytes,
 * because each field becomes a response header when the object is served (`writeHttpMetadata`),
 * and 8 KiB of them leaves room in the 16 KiB of headers Node's HTTP client and server take by
 * default (`--max-http-header-size`).
 */
export const R2_MAX_HTTP_METADATA_BYTES = 8_192;
/** One `put` (beyond this, multipart upload). */
export const R2_MAX_SINGLE_PUT_BYTES = 5 * GiB - 5 * MiB;
/** Parts of a multipart upload; each 5 MiB to 5 GiB, all but the last of one size. */
export const R2_MAX_MULTIPART_PARTS = 10_000;
export const R2_MIN_MULTIPART_PART_BYTES = 5 * MiB;
export const R2_MAX_MULTIPART_PART_BYTES = 5 * GiB;
/** Objects per `list` page and keys per `delete`. */
export const R2_MAX_LIST_LIMIT = 1_000;
export const R2_MAX_DELETE_KEYS = 1_000;

// developers.cloudflare.com/workers/platform/limits
/** Request URL length. */
export const WORKER_MAX_URL_BYTES = 16 * KiB;
/** Request body on the Free and Pro plans. */
export const WORKER_MAX_REQUEST_BODY_BYTES = 100 * MiB;

// The gateway's own limits.
/**
 * KV values and R2 bodies up to this size travel inline in the JSON body (base64 inside superjson).
 * Larger ones are refused with `LIMIT_EXCEEDED` until streaming transports exist: base64 plus the
 * JSON parse would cost several times the body in a Worker that has 128 MB.
 */
export const INLINE_BODY_MAX_BYTES = 1 * MiB;
/**
 * Procedure calls in one HTTP batch. Each may run a D1 query, so this stays well under
 * `D1_MAX_QUERIES_PER_INVOCATION` on the free plan (50).
 */
export const GATEWAY_MAX_BATCH_SIZE = 25;
/**
 * A gateway request body, read before anything parses it. Room for about ten inline bodies of
 * `INLINE_BODY_MAX_BYTES` (base64 makes them 4/3 larger) while the text, its parse and the decoded
 * bytes stay well inside a Worker's 128 MB.
 */
export const GATEWAY_MAX_REQUEST_BYTES = 16 * MiB;
/**
 * The first line of a stream call's body, in either direction: its parameters or its result (the
 * transformer's JSON). The largest valid one, an R2 object whose key, custom and HTTP metadata are
 * all control characters that JSON escapes six times over, is about 110 KB.
 */
export const STREAM_FRAME_MAX_BYTES = 256 * KiB;
/** Nesting of arrays and objects in a request body; deeper JSON is refused before it is parsed. */
export const GATEWAY_MAX_JSON_DEPTH = 64;
/** Object keys refused anywhere in a request body (inputs and transformer metadata alike). */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
