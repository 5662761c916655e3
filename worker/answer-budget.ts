import { GATEWAY_MAX_ANSWER_INLINE_BYTES, utf8Bytes } from '../shared/index.ts';
import type { GatewayContext } from './context.ts';
import { GatewayError } from './errors.ts';

// The bytes of inline bodies (KV values, R2 bodies) the calls of one HTTP answer have taken so far
// (`ctx.answer`), out of `GATEWAY_MAX_ANSWER_INLINE_BYTES`: each call is bounded on its own, and this
// bounds them together (25 reads of 1 MiB each, or text that JSON escapes six-fold, would not fit).

/** The size of `count` bytes in the answer: base64. */
export function base64Bytes(count: number): number {
  return Math.ceil(count / 3) * 4;
}

/** A value's size as it travels in the answer: base64 for bytes, JSON text (escapes included) else. */
export function wireBytes(value: unknown): number {
  if (value instanceof Uint8Array) return base64Bytes(value.byteLength);
  return utf8Bytes(JSON.stringify(value) ?? '');
}

/**
 * Takes `bytes` of the answer's budget for an inline body, or refuses the call with
 * `LIMIT_EXCEEDED` (nothing taken) when the answer would carry more than the gateway allows.
 */
export function takeInlineBytes(
  ctx: Pick<GatewayContext, 'answer'>,
  bytes: number,
  { what, stream }: { what: string; stream: string },
): void {
  const total = ctx.answer.inlineBytes + bytes;
  if (total > GATEWAY_MAX_ANSWER_INLINE_BYTES) {
    throw new GatewayError(
      'LIMIT_EXCEEDED',
      `${what} would take this answer's inline bodies past the gateway's ${GATEWAY_MAX_ANSWER_INLINE_BYTES} bytes; read it in a request of its own, or through ${stream}`,
    );
  }
  ctx.answer.inlineBytes = total;
}
