import { type StreamCall, streams } from '../shared/schemas/streams.ts';
import { kvBinding, r2Binding } from './bindings.ts';
import type { GatewayContext } from './context.ts';
import { checkContractVersion } from './contract-version.ts';
import type { GatewayError } from './errors.ts';
import { FAIR_SHARE_RETRY_AFTER_S } from './fair-share.ts';
import { checkCallerWaits } from './idempotency.ts';
import { errorShape, gatewayErrorOf, runCall } from './pipeline.ts';
import { r2Get, toObject } from './routers/r2.ts';
import {
  answer,
  checkDeclaredLength,
  declaredLength,
  decodeInput,
  drainRest,
  exactBytes,
  type Rest,
  storeR2,
} from './stream-body.ts';

/** What a stream call needs of the request's context. */
export type StreamContext = Pick<
  GatewayContext,
  'env' | 'caller' | 'policy' | 'log' | 'after' | 'requestId' | 'signal'
> & {
  /** The contract version the client sent, if any. */
  version: string | null;
  /** The request's refusal, if it is refused before it is read: the transport's (`GatewayOptions.refusal`), or its method's. */
  refusal?: GatewayError | undefined;
};

/** The stream call a path names below the gateway's endpoint, if it names one. */
export function streamCallOf(pathname: string, endpoint: string): StreamCall | undefined {
  const name = pathname.startsWith(`${endpoint}/`) ? pathname.slice(endpoint.length + 1) : '';
  return Object.hasOwn(streams, name) ? (name as StreamCall) : undefined;
}

async function run(
  call: StreamCall,
  { input, frameBytes, rest }: Awaited<ReturnType<typeof decodeInput>>,
  request: Request,
  ctx: StreamContext,
): Promise<Response> {
  switch (call) {
    case 'r2.getStream': {
      const { binding, key, ...options } = streams[call].input.parse(input);
      await drainRest(call, request, rest);
      const object = await r2Get(r2Binding(ctx.env, binding), key, options);
      if (object === null) return answer({ object: null });
      return 'body' in object
        ? answer({ object: toObject(object), body: true }, object.body)
        : answer({ object: toObject(object), body: false });
    }
    case 'r2.putStream': {
      const { binding, key, ...options } = streams[call].input.parse(input);
      const length = declaredLength(request, frameBytes, call);
      checkCallerWaits(ctx);
      const bucket = r2Binding(ctx.env, binding);
      const object = await storeR2(rest, length, (value) => bucket.put(key, value, options));
      return answer({ object: object === null ? null : toObject(object) });
    }
    case 'r2.uploadPart': {
      const { binding, key, uploadId, partNumber } = streams[call].input.parse(input);
      const length = declaredLength(request, frameBytes, call);
      const upload = r2Binding(ctx.env, binding).resumeMultipartUpload(key, uploadId);
      const part = await storeR2(rest, length, (value) => upload.uploadPart(partNumber, value));
      return answer({ part: { partNumber: part.partNumber, etag: part.etag } });
    }
    case 'kv.getStream': {
      const { binding, key, cacheTtl } = streams[call].input.parse(input);
      await drainRest(call, request, rest);
      const read = await kvBinding(ctx.env, binding).getWithMetadata(key, {
        type: 'stream',
        ...(cacheTtl === undefined ? {} : { cacheTtl }),
      });
      return read.value === null
        ? answer({ found: false, metadata: null })
        : answer({ found: true, metadata: read.metadata }, read.value);
    }
    case 'kv.putStream': {
      const { binding, key, ...options } = streams[call].input.parse(input);
      const length = declaredLength(request, frameBytes, call);
      checkCallerWaits(ctx);
      // Read whole and checked first (see exactBytes): up to 25 MiB, once, never a copy of it.
      const value = await exactBytes(rest, length);
      await kvBinding(ctx.env, binding).put(key, value, options);
      return answer({ stored: true });
    }
  }
}

/**
 * Serves one stream call (see shared/schemas/streams.ts): the same policy, log line and error shape
 * as the tRPC procedures. R2 bodies pass through without being held whole in memory; a KV value
 * (at most 25 MiB) is read whole and checked before it is put (see `exactBytes`).
 */
export async function handleStreamCall(
  call: StreamCall,
  request: Request,
  ctx: StreamContext,
): Promise<Response> {
  const held: { rest?: Rest } = {};
  let decoded: Awaited<ReturnType<typeof decodeInput>> | undefined;
  try {
    return await runCall(
      ctx,
      call,
      async () => {
        if (ctx.refusal) throw ctx.refusal;
        checkContractVersion(ctx.version);
        checkDeclaredLength(call, request);
        decoded = await decodeInput(request, held);
        return decoded.input;
      },
      () => {
        if (decoded === undefined) throw new Error('a stream call ran before its parameters were read');
        return run(call, decoded, request, ctx);
      },
    );
  } catch (caught) {
    const error = gatewayErrorOf(caught);
    const shape = errorShape(error.gatewayCode, error.message, error.code, call);
    const headers: HeadersInit =
      error.gatewayCode === 'RATE_LIMITED' ? { 'retry-after': String(FAIR_SHARE_RETRY_AFTER_S) } : {};
    await drainRest(call, request, held.rest);
    return Response.json({ error: { json: shape } }, { status: shape.data.httpStatus, headers });
  }
}
