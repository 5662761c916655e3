import type { z } from 'zod';
import { readPrefix } from '../../shared/env/bytes.ts';
import { INLINE_BODY_MAX_BYTES, type Json, kv } from '../../shared/index.ts';
import { takeInlineBytes, wireBytes } from '../answer-budget.ts';
import { kvBinding } from '../bindings.ts';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { checkCallerWaits } from '../idempotency.ts';
import { procedure, router } from '../trpc.ts';

interface Read {
  value: Uint8Array | Json | null;
  metadata: Json | null;
}

const decoder = new TextDecoder();

/**
 * A value as the binding's `get(key, type)` gives it, read as a stream and only up to the inline
 * threshold: a larger one (KV holds up to 25 MiB) is refused with `LIMIT_EXCEEDED` after reading at
 * most that much, and so is one that would take the answer past its budget. Metadata was stored as
 * JSON (the contract's `put` takes nothing else), so it reads back as JSON.
 */
async function read(ctx: GatewayContext, input: z.output<typeof kv.get.input>): Promise<Read> {
  const { key, type = 'text', cacheTtl } = input;
  const { value: stream, metadata } = await kvBinding(ctx.env, input.binding).getWithMetadata<Json>(key, {
    type: 'stream',
    ...(cacheTtl === undefined ? {} : { cacheTtl }),
  });
  if (stream === null) return { value: null, metadata };
  const { bytes, done } = await readPrefix(stream, INLINE_BODY_MAX_BYTES);
  if (!done) {
    throw new GatewayError(
      'LIMIT_EXCEEDED',
      `the value of "${key}" is over the ${INLINE_BODY_MAX_BYTES} bytes a value travels inline; read it with kv.getStream`,
    );
  }
  let value: Uint8Array | Json;
  if (type === 'bytes') value = bytes;
  else {
    // As the binding decodes them: UTF-8, invalid bytes replaced; JSON parsed from that text.
    const text = decoder.decode(bytes);
    try {
      value = type === 'json' ? (JSON.parse(text) as Json) : text;
    } catch (error) {
      throw new GatewayError('BAD_INPUT', `the value of "${key}" is not JSON; read it as text`, {
        cause: error,
      });
    }
  }
  takeInlineBytes(ctx, wireBytes(value), { what: `the value of "${key}"`, stream: 'kv.getStream' });
  return { value, metadata };
}

export const kvRouter = router({
  get: procedure
    .input(kv.get.input)
    .output(kv.get.output)
    .query(async ({ input, ctx }) => {
      return (await read(ctx, input)).value;
    }),

  getWithMetadata: procedure
    .input(kv.getWithMetadata.input)
    .output(kv.getWithMetadata.output)
    .query(async ({ input, ctx }) => {
      const { value, metadata } = await read(ctx, input);
      return { value, metadata };
    }),

  put: procedure
    .input(kv.put.input)
    .output(kv.put.output)
    .mutation(async ({ input, ctx }) => {
      const { binding, key, value, ...options } = input;
      const stored = typeof value === 'string' || value instanceof Uint8Array ? value : JSON.stringify(value);
      checkCallerWaits(ctx);
      await kvBinding(ctx.env, binding).put(key, stored, options);
    }),

  delete: procedure
    .input(kv.delete.input)
    .output(kv.delete.output)
    .mutation(async ({ input, ctx }) => {
      checkCallerWaits(ctx);
      await kvBinding(ctx.env, input.binding).delete(input.key);
    }),

  list: procedure
    .input(kv.list.input)
    .output(kv.list.output)
    .query(async ({ input, ctx }) => {
      const { binding, ...options } = input;
      const page = await kvBinding(ctx.env, binding).list<Json>(options);
      return {
        keys: page.keys.map(({ name, expiration, metadata }) => ({
          name,
          ...(expiration === undefined ? {} : { expiration }),
          ...(metadata === undefined ? {} : { metadata }),
        })),
        list_complete: page.list_complete,
        ...(page.list_complete ? {} : { cursor: page.cursor }),
      };
    }),
});
