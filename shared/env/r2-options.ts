import { toHex } from './bytes.ts';

// The options of R2Bucket's methods as the contract takes them, converted as the binding converts
// them: a Range header, onlyIf as Headers, HTTP metadata as Headers, checksums as bytes or hex.

/**
 * The fields of an options object the binding reads, and no others: the binding (a JSG struct)
 * ignores a field it does not know, and the gateway's contract refuses one, so it is not sent.
 */
function known<T extends object>(value: T, names: readonly (keyof T & string)[]): T {
  const out: Record<string, unknown> = {};
  for (const name of names) if (value[name] !== undefined) out[name] = value[name];
  return out as T;
}

/**
 * A `Range` header as the binding reads it: one range of bytes. The binding serves the whole object
 * for a header it does not take (several ranges, another unit), and so does this.
 */
export function rangeOf(range: R2Range | Headers | undefined): R2Range | undefined {
  if (range === undefined) return undefined;
  if (!(range instanceof Headers)) {
    const fields = range as { offset?: number; length?: number; suffix?: number };
    return known(fields, ['offset', 'length', 'suffix']) as R2Range;
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.get('range')?.trim() ?? '');
  if (match === null) return undefined;
  const [, start = '', end = ''] = match;
  if (start === '') return end === '' ? undefined : { suffix: Number(end) };
  const offset = Number(start);
  if (end === '') return { offset };
  return Number(end) < offset ? undefined : { offset, length: Number(end) - offset + 1 };
}

/** An etag of an `If-Match` / `If-None-Match` header, bare; a list of them is not read here. */
function headerEtag(value: string): string {
  if (value.includes(',')) {
    throw new TypeError(
      'R2 onlyIf as Headers with a list of etags is not supported through the gateway; pass an ' +
        'R2Conditional object ({ etagMatches, etagDoesNotMatch, uploadedBefore, uploadedAfter })',
    );
  }
  return value
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

/**
 * `onlyIf` as the contract takes it. Headers are read as the binding reads them: `If-Match`,
 * `If-None-Match` (one etag each, quoted or weak), `If-Modified-Since` and `If-Unmodified-Since`
 * (HTTP dates, to the second).
 */
export function conditionOf(onlyIf: R2Conditional | Headers | undefined): R2Conditional | undefined {
  if (onlyIf === undefined) return undefined;
  if (!(onlyIf instanceof Headers)) {
    return known(onlyIf, [
      'etagMatches',
      'etagDoesNotMatch',
      'uploadedBefore',
      'uploadedAfter',
      'secondsGranularity',
    ]);
  }
  const condition: R2Conditional = {};
  const ifMatch = onlyIf.get('if-match');
  const ifNoneMatch = onlyIf.get('if-none-match');
  const modifiedSince = onlyIf.get('if-modified-since');
  const unmodifiedSince = onlyIf.get('if-unmodified-since');
  // If-Match compares strongly: a weak etag matches nothing, and an etag with a / is no R2 etag.
  if (ifMatch !== null) {
    condition.etagMatches = ifMatch.trim().startsWith('W/')
      ? `weak/${headerEtag(ifMatch)}`
      : headerEtag(ifMatch);
  }
  if (ifNoneMatch !== null) condition.etagDoesNotMatch = headerEtag(ifNoneMatch);
  if (modifiedSince !== null) condition.uploadedAfter = new Date(modifiedSince);
  if (unmodifiedSince !== null) condition.uploadedBefore = new Date(unmodifiedSince);
  if (modifiedSince !== null || unmodifiedSince !== null) condition.secondsGranularity = true;
  return condition;
}

const HTTP_METADATA_FIELDS = [
  'contentType',
  'contentLanguage',
  'contentDisposition',
  'contentEncoding',
  'cacheControl',
  'cacheExpiry',
] as const;

/** `R2HTTPMetadata` from the headers the binding takes it from (others are ignored, as there). */
export function httpMetadataOf(metadata: R2HTTPMetadata | Headers | undefined): R2HTTPMetadata | undefined {
  if (metadata === undefined) return undefined;
  if (!(metadata instanceof Headers)) return known(metadata, HTTP_METADATA_FIELDS);
  const header = (name: string) => metadata.get(name) ?? undefined;
  const expires = header('expires');
  const out: R2HTTPMetadata = {
    contentType: header('content-type'),
    contentLanguage: header('content-language'),
    contentDisposition: header('content-disposition'),
    contentEncoding: header('content-encoding'),
    cacheControl: header('cache-control'),
    cacheExpiry: expires === undefined ? undefined : new Date(expires),
  };
  for (const [name, value] of Object.entries(out)) {
    if (value === undefined) delete out[name as keyof R2HTTPMetadata];
  }
  return out;
}

/** The checksums R2 takes, by option: the binding's name for each and its digest's length in bytes. */
const CHECKSUMS = {
  md5: ['MD5', 16],
  sha1: ['SHA-1', 20],
  sha256: ['SHA-256', 32],
  sha384: ['SHA-384', 48],
  sha512: ['SHA-512', 64],
} as const;
type Checksum = keyof typeof CHECKSUMS;

/** A checksum as hex, refused with the binding's TypeError when it is not its digest's length. */
function hexOf(option: Checksum, checksum: ArrayBuffer | ArrayBufferView | string | undefined) {
  if (checksum === undefined) return undefined;
  const [name, bytes] = CHECKSUMS[option];
  if (typeof checksum === 'string') {
    if (checksum.length !== bytes * 2) {
      throw new TypeError(`${name} is ${bytes * 2} hex characters, not ${checksum.length}`);
    }
    return checksum;
  }
  if (checksum.byteLength !== bytes)
    throw new TypeError(`${name} is ${bytes} bytes, not ${checksum.byteLength}`);
  return toHex(checksum);
}

/** Every checksum a put was given, as hex. */
export function checksumsOf(options: R2PutOptions): Partial<Record<Checksum, string>> {
  const out: Partial<Record<Checksum, string>> = {};
  for (const option of Object.keys(CHECKSUMS) as Checksum[]) {
    const hex = hexOf(option, options[option]);
    if (hex !== undefined) out[option] = hex;
  }
  return out;
}
