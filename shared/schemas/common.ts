import { z } from 'zod';
import type { GatewayCode } from '../errors.ts';

const encoder = new TextEncoder();

/** Length of a string in UTF-8 bytes, the unit every platform limit is given in. */
export function utf8Bytes(value: string): number {
  return encoder.encode(value).byteLength;
}

/**
 * Marks a zod issue as a platform limit, so the gateway answers `LIMIT_EXCEEDED` (413) rather than
 * `BAD_INPUT` (400). zod's own `too_big` issues (`.max()`) count as limits too.
 */
export const LIMIT_ISSUE_PARAMS = { gatewayCode: 'LIMIT_EXCEEDED' } as const;

/** Refinement options for a limit check. */
export function limit(message: string) {
  return { error: message, params: LIMIT_ISSUE_PARAMS };
}

/**
 * Refinement options for a check the binding makes too: its failure is the binding's own message,
 * word for word (`message(input)`), sent as the whole error message with this gateway code, and no
 * other check of the same value runs after it (`abort`), as the binding stops at its first refusal.
 * The schema keeps its own bounds (`.min()`, `.max()`) after it, for JSON Schema and other clients.
 */
export function asBinding(gatewayCode: GatewayCode, message: (input: never) => string) {
  return {
    error: (issue: { input: unknown }) => message(issue.input as never),
    params: { gatewayCode, binding: true },
    abort: true,
  } as const;
}

/** The issue whose message is the binding's own (`asBinding`), if there is one. */
export function bindingIssue(
  issues: readonly z.core.$ZodIssue[],
): (z.core.$ZodIssue & { params: { gatewayCode: GatewayCode } }) | undefined {
  return issues.find(
    (issue): issue is z.core.$ZodIssue & { params: { gatewayCode: GatewayCode } } =>
      issue.code === 'custom' && issue.params?.binding === true,
  );
}

/** Whether a zod issue reports a limit rather than a malformed input. */
export function isLimitIssue(issue: z.core.$ZodIssue): boolean {
  // A size or a count over its maximum; a date out of range is a malformed input, not a limit.
  if (issue.code === 'too_big') return issue.origin !== 'date';
  return issue.code === 'custom' && issue.params?.gatewayCode === LIMIT_ISSUE_PARAMS.gatewayCode;
}

/** Bytes on the wire: a `Uint8Array` (Node's `Buffer` included), over any kind of buffer. */
export const Bytes = z.custom<Uint8Array>(
  (value) => value instanceof Uint8Array,
  'expected bytes (a Uint8Array)',
);

/** Size in bytes of a body that travels inline: a string (as UTF-8) or bytes. */
export function bodyBytes(value: string | Uint8Array): number {
  return typeof value === 'string' ? utf8Bytes(value) : value.byteLength;
}

/** A JSON value (what `JSON.parse` can return). */
export const Json = z.json();
export type Json = z.infer<typeof Json>;

/** Size of a JSON value once serialized, in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? '');
}

/**
 * A D1 write's idempotency key: the gateway commits the key's claim with the write, and answers a
 * repeat of the key (from the same caller, with the same input) with the first call's result,
 * without running the write again. The client attaches one to every D1 write. KV and R2 writes take
 * none: a put of the same value and a delete are idempotent by nature.
 */
export const IdempotencyKey = z
  .string()
  .regex(/^[\w.:-]{8,128}$/, 'an idempotency key is 8 to 128 letters, digits, or . : _ -')
  .optional();
