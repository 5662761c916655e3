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

/**
 * A string's UTF-8 length, without encoding it. JSON's escapes are not counted: they make text that
 * is mostly quotes or control characters up to six times larger (then the bound is that much looser).
 */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Two bytes more for 0x800 and above; a surrogate pair is 4 bytes from 2 units, as 2 + 2.
    if (unit >= 0x80) bytes += unit >= 0x800 && (unit < 0xd800 || unit > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** One value of a D1 row in the answer: a BLOB (the binding's number[], or bytes) as base64. */
function sqlValueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8Length(value) + 2;
  if (Array.isArray(value)) return base64Bytes(value.length) + 2;
  if (value instanceof Uint8Array) return base64Bytes(value.byteLength) + 2;
  if (typeof value === 'number') return String(value).length;
  return 4;
}

/**
 * Takes D1 rows (objects, or arrays for `raw`) out of the answer's budget, the same budget inline
 * bodies take from, counting as it goes: a result past the budget is refused as soon as the count
 * gets there, before any of it is converted or serialized. D1 has no cursor the gateway could stream
 * rows from: the caller pages instead. `written`: the statement wrote, and that write stands.
 */
export function takeD1Rows(
  ctx: Pick<GatewayContext, 'answer'>,
  rows: readonly unknown[],
  { written = false }: { written?: boolean } = {},
): void {
  let total = ctx.answer.inlineBytes;
  for (const row of rows) {
    if (Array.isArray(row)) {
      for (const value of row) total += sqlValueBytes(value) + 1;
    } else if (typeof row === 'object' && row !== null) {
      // for…in, not Object.entries: no array per row and pair per column (2.3× faster over 10,000
      // rows in Node; D1's rows are plain objects, with nothing to inherit).
      for (const column in row)
        total += utf8Length(column) + 4 + sqlValueBytes((row as Record<string, unknown>)[column]);
    } else {
      total += sqlValueBytes(row);
    }
    if (total > GATEWAY_MAX_ANSWER_INLINE_BYTES) {
      throw new GatewayError(
        'LIMIT_EXCEEDED',
        `D1's result is over the ${GATEWAY_MAX_ANSWER_INLINE_BYTES} bytes one answer carries (all its calls together); ` +
          'page the query: LIMIT/OFFSET, or keyset (WHERE id > ? ORDER BY id LIMIT n)' +
          (written ? '. The write itself ran and stands; return fewer rows with RETURNING' : ''),
      );
    }
  }
  ctx.answer.inlineBytes = total;
}

/** A row (`first`), counted against the answer's budget. */
export function takeD1Row<T>(ctx: Pick<GatewayContext, 'answer'>, row: T, written: boolean): T {
  takeD1Rows(ctx, [row], { written });
  return row;
}

/** A column's value (`first(column)`), a BLOB included, counted against the answer's budget. */
export function takeD1Value<T>(ctx: Pick<GatewayContext, 'answer'>, value: T, written: boolean): T {
  takeD1Rows(ctx, [[value]], { written });
  return value;
}

/**
 * A keyed write's answer, counted after the write (and its record: a result over the budget is too
 * large to keep, so a repeat of its key gets ALREADY_APPLIED, not the rows either).
 */
export function takeD1Answer<T>(ctx: Pick<GatewayContext, 'answer'>, answer: T): T {
  // A D1 result's rows, a row (`first`), a raw row, or a column's value (bytes, by now).
  const rows = (results: unknown): readonly unknown[] =>
    typeof results === 'object' && results !== null && 'results' in results
      ? (results as { results: unknown[] }).results
      : [
          typeof results === 'object' && results !== null && !(results instanceof Uint8Array)
            ? results
            : [results],
        ];
  takeD1Rows(ctx, Array.isArray(answer) ? answer.flatMap(rows) : rows(answer), { written: true });
  return answer;
}
