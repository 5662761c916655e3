import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  bindingIssue,
  GATEWAY_CODE_OF_TRPC_CODE,
  GATEWAY_ERRORS,
  type GatewayCode,
  isLimitIssue,
} from '../shared/index.ts';
import { TransformerError } from '../shared/transformer.ts';

/** A failure with a gateway code. Thrown by procedures; `errorFormatter` puts the code on the wire. */
export class GatewayError extends TRPCError {
  readonly gatewayCode: GatewayCode;

  constructor(gatewayCode: GatewayCode, message: string, options: { cause?: unknown } = {}) {
    super({ code: GATEWAY_ERRORS[gatewayCode].trpc, message, cause: options.cause });
    this.name = 'GatewayError';
    this.gatewayCode = gatewayCode;
  }
}

/** The message sent for `INTERNAL`: the cause goes to the log, never to the caller. */
export const INTERNAL_MESSAGE = 'Internal gateway error';

// Binding failures by their message, first match wins. D1 messages are the caller's own SQL and
// may be returned; which D1 failures are retryable is docs/contract.md's error table.
const BINDING_ERRORS: ReadonlyArray<readonly [RegExp, GatewayCode]> = [
  // Not retryable, and worded like the retryable ones ("... caused object to be reset"): first.
  [/exceeded timeout|SQLITE_INTERRUPT/i, 'TIMEOUT'],
  [/overloaded|exceeded its memory limit/i, 'OVERLOADED'],
  [/Network connection lost|D1 DB reset|transient issue|caused object to be reset/i, 'UNAVAILABLE'],
  [/SQLITE_CONSTRAINT|constraint failed/i, 'CONSTRAINT'],
  [/SQLITE_TOOBIG|too many SQL variables|string or blob too big/i, 'LIMIT_EXCEEDED'],
  [
    /D1_ERROR|D1_TYPE_ERROR|D1_COLUMN_NOTFOUND|D1_EXEC_ERROR|SQLITE_ERROR|SQLITE_MISMATCH|SQLITE_RANGE/i,
    'SQL_ERROR',
  ],
  [/\b429\b|Too Many Requests|rate limit/i, 'RATE_LIMITED'],
  // KV refuses what it cannot store ("KV PUT failed: 400 Invalid expiration of 1. ...").
  [/^KV \w+ failed: 400\b/, 'BAD_INPUT'],
  [/Precondition Failed|\(10031\)/i, 'PRECONDITION_FAILED'],
  // R2's codes (developers.cloudflare.com/r2/api/error-codes): a checksum that does not match the
  // body, a key R2 will not take; too many requests; R2 briefly unavailable or failing inside.
  [/\((10037|10020|10014)\)$/, 'BAD_INPUT'],
  [/\(10058\)$/, 'RATE_LIMITED'],
  [/\(10024\)$/, 'NOT_FOUND'],
  // A range that starts past the object's end ("The requested range is not satisfiable (10039)").
  [/\(10039\)$/, 'RANGE_NOT_SATISFIABLE'],
  // The binding's own refusal of options it cannot take together (r2.putStream's md5 and sha256).
  [/^You cannot specify multiple hashing algorithms\.$/, 'BAD_INPUT'],
  [/\((10043|10001)\)$/, 'UNAVAILABLE'],
  [/\(10012\)$/, 'LIMIT_EXCEEDED'],
  // Any other R2 code is R2 refusing the request (developers.cloudflare.com/r2/api/error-codes):
  // an upload's parts too small (10011), missing (10025) or out of order (10048), a bad list
  // limit (10022), ... The binding's message says which; never INTERNAL.
  [/\(10\d{3}\)$/, 'BAD_INPUT'],
];

/** The gateway code of an error a binding threw, or `INTERNAL`. */
export function classifyBindingError(error: unknown): GatewayCode {
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, code] of BINDING_ERRORS) if (pattern.test(message)) return code;
  return 'INTERNAL';
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`)
    .join('; ');
}

/** Whether a union's option failed only on values, the input having its shape (types, keys). */
function hasShapeOf(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.every(
    (issue) =>
      issue.code !== 'invalid_type' &&
      issue.code !== 'unrecognized_keys' &&
      (issue.code !== 'invalid_union' || issue.errors.some(hasShapeOf)),
  );
}

const issueKey = (issues: readonly z.core.$ZodIssue[]) =>
  JSON.stringify(issues.map(({ code, path, message }) => [code, path, message]));

/**
 * zod reports a union that no option takes as one "Invalid input", whatever failed. When the options
 * that have the input's shape fail alike (one option, most often: an array of 1,001 keys for
 * `string | string[]`), their issues say what is wrong (a limit, here), at the union's path.
 */
function withUnionsResolved(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const shaped = issue.errors.filter(hasShapeOf);
    const [first] = shaped;
    if (first === undefined || new Set(shaped.map(issueKey)).size !== 1) return [issue];
    return withUnionsResolved(first.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}

/** An input that fails the contract: `LIMIT_EXCEEDED` when a limit is what failed, else `BAD_INPUT`. */
export function fromZodError(error: z.ZodError): GatewayError {
  const issues = withUnionsResolved(error.issues);
  // A check the binding makes too fails in the binding's words, as the binding would have failed;
  // unless a field the contract does not have is there too. The binding-shaped env.* never sends
  // one, so only a caller of the wire contract meets it, and it is most often the cause (a misspelt
  // option, while the intended one holds another value): it is named.
  const unknownField = issues.some((issue) => issue.code === 'unrecognized_keys');
  const binding = unknownField ? undefined : bindingIssue(issues);
  if (binding !== undefined)
    return new GatewayError(binding.params.gatewayCode, binding.message, { cause: error });
  const code = issues.some(isLimitIssue) ? 'LIMIT_EXCEEDED' : 'BAD_INPUT';
  return new GatewayError(code, describeIssues(issues), { cause: error });
}

/** Any failure of a call as a `GatewayError`: its own, or a binding's (classified), or `INTERNAL`. */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = classifyBindingError(error);
  const message =
    code === 'INTERNAL' ? INTERNAL_MESSAGE : error instanceof Error ? error.message : String(error);
  return new GatewayError(code, message, { cause: error });
}

/**
 * Turns whatever a procedure failed with into a `GatewayError`: input that fails the contract
 * (`LIMIT_EXCEEDED` or `BAD_INPUT`), a binding's error (classified), or `INTERNAL`.
 */
export function toGatewayError(error: TRPCError): GatewayError {
  if (error instanceof GatewayError) return error;
  const cause = error.cause;
  if (error.code === 'BAD_REQUEST' && cause instanceof z.ZodError) return fromZodError(cause);
  if (error.code !== 'INTERNAL_SERVER_ERROR') {
    return new GatewayError(GATEWAY_CODE_OF_TRPC_CODE[error.code], error.message, { cause });
  }
  // An output that fails the contract is the gateway's own bug, whatever its message says.
  const code = cause instanceof z.ZodError ? 'INTERNAL' : classifyBindingError(cause ?? error);
  const message = code === 'INTERNAL' ? INTERNAL_MESSAGE : (cause ?? error).message;
  return new GatewayError(code, message, { cause: cause ?? error });
}

/**
 * A request body tRPC could not read into inputs, in the contract's words: JSON that does not
 * parse, or transformer metadata that does not deserialize. tRPC would pass on the parser's
 * message ("Unexpected token ...", "Maximum call stack size exceeded"); the caller gets ours.
 */
export function unreadableInput(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const cause = error instanceof TRPCError ? error.cause : error;
  if (cause instanceof TransformerError) return new GatewayError('BAD_INPUT', cause.message, { cause });
  if (cause instanceof SyntaxError) {
    return new GatewayError('BAD_INPUT', 'the request body is not JSON', { cause });
  }
  // tRPC's own refusals ('"input" needs to be an object when doing a batch call') carry no cause.
  if (error instanceof TRPCError && cause === undefined) {
    return new GatewayError(GATEWAY_CODE_OF_TRPC_CODE[error.code], error.message, { cause: error });
  }
  return new GatewayError('BAD_INPUT', "the request body is not the transformer's JSON", { cause });
}

/** The gateway code of any error tRPC reports: the one it carries, or the one its tRPC code maps to. */
export function gatewayCodeOfError(error: TRPCError): GatewayCode {
  return error instanceof GatewayError ? error.gatewayCode : GATEWAY_CODE_OF_TRPC_CODE[error.code];
}
