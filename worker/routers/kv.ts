import { type Json, type KvType, kv } from '../../shared/index.ts';
import { kvBinding } from '../bindings.ts';
import { GatewayError } from '../errors.ts';
import { checkCallerWaits } from '../idempotency.ts';
import { procedure, router } from '../trpc.ts';

interface Read {
  value: Uint8Array | Json | null;
  metadata: Json | null;
}

// Metadata was stored as JSON (the contract's `put` takes nothing else), so it reads back as JSON.
async function read(
  namespace: KVNamespace,
  key: string,
  type: KvType = 'text',
  cacheTtl?: number,
): Promise<Read> {
  const options = cacheTtl === undefined ? {} : { cacheTtl };
  try {
    switch (type) {
      case 'text':
        return await namespace.getWithMetadata<Json>(key, { ...options, type: 'text' });
      case 'json':
        return await namespace.getWithMetadata<Json, Json>(key, { ...options, type: 'json' });
      case 'bytes': {
        const { value, metadata } = await namespace.getWithMetadata<Json>(key, {
          ...options,
          type: 'arrayBuffer',
        });
        return { value: value === null ? null : new Uint8Array(value), metadata };
      }
    }
  } catch (error) {
    // The binding parses JSON itself and throws a SyntaxError when the value is not JSON.
    if (error instanceof SyntaxError) {
      throw new GatewayError('BAD_INPUT', `the value of "${key}" is not JSON; read it as text`, {
        cause: error,
      });
    }
    throw error;
  }
}

export const kvRouter = router({
  get: procedure
    .input(kv.get.input)
    .output(kv.get.output)
    .query(async ({ input, ctx }) => {
      const { value } = await read(kvBinding(ctx.env, input.binding), input.key, input.type, input.cacheTtl);
      return value;
    }),

  getWithMetadata: procedure
    .input(kv.getWithMetadata.input)
    .output(kv.getWithMetadata.output)
    .query(async ({ input, ctx }) => {
      const { value, metadata } = await read(
        kvBinding(ctx.env, input.binding),
        input.key,
        input.type,
        input.cacheTtl,
      );
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
