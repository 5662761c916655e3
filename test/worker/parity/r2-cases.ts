import type { ParityCase } from './harness.ts';

// Shared by the R2 parity files. Sources:
export const SPEC = 'workers-sdk packages/miniflare/test/plugins/r2/index.spec.ts';
export const API = 'developers.cloudflare.com/r2/api/workers/workers-api-reference/';
export const MULTIPART = 'developers.cloudflare.com/r2/api/workers/workers-multipart-usage/';
export const CODES = 'developers.cloudflare.com/r2/api/error-codes/';
export const LIMITS = 'developers.cloudflare.com/r2/platform/limits/';

export const c = (name: string, source: string, run: ParityCase['run']): ParityCase => ({
  name,
  source,
  run,
});

/** An object as a test sees it, with its body's text when it has one (read, so `bodyUsed` is true). */
export async function seen(object: R2Object | R2ObjectBody | null) {
  if (object === null) return null;
  if ('body' in object) return { text: await object.text(), object };
  return { object };
}

export async function digest(algorithm: string, text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest(algorithm, new TextEncoder().encode(text));
}

export const hex = (buffer: ArrayBuffer) =>
  [...new Uint8Array(buffer)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
