import { drainBody, readUpTo } from '../shared/body.ts';
import { FORBIDDEN_KEYS, GATEWAY_MAX_JSON_DEPTH, GATEWAY_MAX_REQUEST_BYTES } from '../shared/index.ts';
import { GatewayError } from './errors.ts';

/**
 * Checks on a request body before anything parses it: its size (by header, then by counting what
 * is read), its nesting depth, and keys that could reach an object's prototype (`__proto__`,
 * `constructor`, `prototype`, also as a segment of a superjson metadata path such as `a.__proto__`).
 * Returns the text, or the error to answer with (the rest of a body too large read and discarded
 * first, up to a bound: see shared/body.ts).
 */
export async function readGuardedBody(request: Request): Promise<{ text: string } | { error: GatewayError }> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > GATEWAY_MAX_REQUEST_BYTES) {
    await drainBody(request.body);
    return { error: tooLarge(declared) };
  }
  const bytes = await readAtMost(request, GATEWAY_MAX_REQUEST_BYTES);
  if (bytes === undefined) {
    await drainBody(request.body);
    return { error: tooLarge() };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { error: new GatewayError('BAD_INPUT', 'the request body is not UTF-8') };
  }
  const problem = scanJson(text);
  return problem ? { error: problem } : { text };
}

function tooLarge(size?: number): GatewayError {
  const what = size === undefined ? 'the request body' : `a request body of ${size} bytes`;
  return new GatewayError(
    'LIMIT_EXCEEDED',
    `${what} is over the gateway's ${GATEWAY_MAX_REQUEST_BYTES} bytes`,
  );
}

/** The body's bytes, or undefined (the rest unread, the body unlocked) once it passes `max`. */
async function readAtMost(request: Request, max: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const read = await readUpTo(reader, max);
  if ('bytes' in read) return read.bytes;
  reader.releaseLock();
  return undefined;
}

const FORBIDDEN = new Set(FORBIDDEN_KEYS);

function isForbiddenKey(key: string): boolean {
  return FORBIDDEN.has(key) || key.split('.').some((segment) => FORBIDDEN.has(segment));
}

/**
 * One pass over JSON text: the deepest nesting, and every object key. Malformed JSON is left to the
 * parser, which reports it; this only has to be right about well-formed text.
 */
export function scanJson(text: string): GatewayError | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > GATEWAY_MAX_JSON_DEPTH) {
        return new GatewayError(
          'LIMIT_EXCEEDED',
          `the request nests deeper than ${GATEWAY_MAX_JSON_DEPTH} levels`,
        );
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      // A string followed by ':' is a key. Decode it only if it has escapes (\u005f is "_").
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j] as string)) j++;
      if (text[j] !== ':') continue;
      const raw = text.slice(start + 1, i);
      let key = raw;
      if (escaped) {
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          continue;
        }
      }
      if (isForbiddenKey(key)) {
        return new GatewayError('BAD_INPUT', `the key "${key}" is not accepted anywhere in a request`);
      }
    }
  }
  return undefined;
}
