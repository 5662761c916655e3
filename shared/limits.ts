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
/**
 * Statements in one `db.batch`. D1 documents no count of its own for a batch; the gateway takes the
 * queries a whole Worker invocation may make on the paid plan (`D1_MAX_QUERIES_PER_INVOCATION`), so
 * that one call never asks for more than that (50,000 `SELECT 1` made a 13 MB answer).
 */
export const D1_MAX_BATCH_STATEMENTS = D1_MAX_QUERIES_PER_INVOCATION;

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
/** A `list` prefix, in UTF-8 bytes: a prefix is a key's beginning, so the key length bounds it. */
export const KV_MAX_LIST_PREFIX_BYTES = KV_MAX_KEY_BYTES;
/**
 * Largest `expiration`, `expirationTtl` and `cacheTtl`, in seconds: the binding reads them as 32-bit
 * signed integers and throws a TypeError beyond ("Value out of range. Must be between -2147483648
 * and 2147483647"; workerd's KV binding, as local and deployed Workers run it), so an absolute
 * expiration is at most 2038-01-19T03:14:07Z.
 */
export const KV_MAX_EXPIRATION_S = 2 ** 31 - 1;

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
/**
 * The bytes a range `get` reads, at least: R2 refuses a `length` or `suffix` of 0 as it refuses a
 * range past the object's end, "The requested range is not satisfiable (10039)", HTTP 416
 * (developers.cloudflare.com/r2/api/error-codes: InvalidRange).
 */
export const R2_MIN_RANGE_BYTES = 1;
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
 * KV values and R2 bodies up to this size travel inline in the JSON body (base64 inside superjson),
 * both ways: a larger one sent or read inline is refused with `LIMIT_EXCEEDED`, and goes through the
 * stream calls instead (`kv.getStream`, `r2.getStream`, …): base64 plus the JSON parse would cost
 * several times the body in a Worker that has 128 MB.
 */
export const INLINE_BODY_MAX_BYTES = 1 * MiB;
/**
 * The bodies (KV values, R2 bodies) one HTTP answer carries inline, all its calls together, counted
 * as they travel (base64 for bytes, JSON-escaped text): 25 reads of 1 MiB each would otherwise make
 * an answer of 33 MB, or of 150 MB for text that JSON escapes six-fold. A read past it answers
 * `LIMIT_EXCEEDED`; the binding-shaped clients then read it again through the stream call.
 */
export const GATEWAY_MAX_ANSWER_INLINE_BYTES = 16 * MiB;
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
/**
 * A request body to the container's API (container/app.ts, and the Python example's): the users API
 * takes an email and a name, and a 90 MB body took the Node process from 107 to 471 MB. Larger ones
 * are answered 413 before they are read.
 */
export const CONTAINER_API_MAX_BODY_BYTES = 1 * MiB;
/**
 * The users API's longest email, in characters: RFC 5321 allows a path of 256 octets, angle
 * brackets included (section 4.5.3.1.3), so an address of at most 254.
 */
export const USERS_API_MAX_EMAIL_CHARS = 254;
/**
 * What the gateway reads, and discards, of a refused request's body before it answers. An HTTP
 * client still sending a body it was refused often never reads the answer: the connection is closed
 * under it (measured in wrangler dev: a reset, or miniflare's 500 "Network connection lost"), and
 * clients report an outage. Reading the rest first lets every client read the refusal; past this
 * bound the rest is cancelled (the clients check the limits they know before sending). A stream
 * call whose declared length is within its limit is read to that length, however large.
 */
export const GATEWAY_MAX_DRAIN_BYTES = 64 * MiB;
/** Nesting of arrays and objects in a request body; deeper JSON is refused before it is parsed. */
export const GATEWAY_MAX_JSON_DEPTH = 64;
/** Object keys refused anywhere in a request body (inputs and transformer metadata alike). */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];
