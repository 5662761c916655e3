import { z } from 'zod';
import {
  GATEWAY_ERRORS,
  KV_MAX_VALUE_BYTES,
  R2_MAX_MULTIPART_PART_BYTES,
  R2_MAX_SINGLE_PUT_BYTES,
  transformer,
} from '../shared/index.ts';
import {
  CALL_HEADER,
  decodeCallHeader,
  encodeCallHeader,
  RESULT_HEADER,
  type StreamCall,
  streams,
} from '../shared/schemas/streams.ts';
import { STREAM_LENGTH_HEADER } from '../shared/transport.ts';
import { kvBinding, r2Binding } from './bindings.ts';
import { logCall } from './call-log.ts';
import type { GatewayContext } from './context.ts';
import { checkContractVersion } from './contract-version.ts';
import { asGatewayError, fromZodError, GatewayError } from './errors.ts';
import { FAIR_SHARE_RETRY_AFTER_S, withinFairShare } from './fair-share.ts';
import { scanJson } from './guards.ts';
import { checkCallerWaits } from './idempotency.ts';
import { toObject } from './routers/r2.ts';

/** What a stream call needs of the request's context. */
export type StreamContext = Pick<
  GatewayContext,
  'env' | 'caller' | 'policy' | 'log' | 'after' | 'requestId' | 'signal'
> & {
  /** The contract version the client sent, if any. */
  version: string | null;
  /** The transport's refusal of the request, if it refused it (see `GatewayOptions.refusal`). */
  refusal?: GatewayError | undefined;
};

/** The stream call a path names below the gateway's endpoint, if it names one. */
export function streamCallOf(pathname: string, endpoint: string): StreamCall | undefined {
  const name = pathname.startsWith(`${endpoint}/`) ? pathname.slice(endpoint.length + 1) : '';
  return Object.hasOwn(streams, name) ? (name as StreamCall) : undefined;
}

function decodeInput(request: Request): unknown {
  const header = request.headers.get(CALL_HEADER);
  if (header === null)
    throw new GatewayError('BAD_INPUT', `a stream call carries its parameters in ${CALL_HEADER}`);
  let text: string;
  try {
    text = decodeCallHeader(header);
    const refusal = scanJson(text);
    if (refusal) throw refusal;
    return transformer.deserialize(JSON.parse(text));
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError('BAD_INPUT', `${CALL_HEADER} is not base64 of the transformer's JSON`);
  }
}

/** The body's declared length: R2 and KV store a stream only when they know its length up front. */
function declaredLength(request: Request, max: number): number {
  const length = Number(request.headers.get(STREAM_LENGTH_HEADER) ?? request.headers.get('content-length'));
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new GatewayError('BAD_INPUT', `a streamed body needs its length in ${STREAM_LENGTH_HEADER}`);
  }
  if (length > max)
    throw new GatewayError('LIMIT_EXCEEDED', `a body of ${length} bytes is over the ${max} allowed`);
  return length;
}

/** The body, as a stream of exactly `length` bytes (it fails if the caller sends more or fewer). */
function sizedBody(request: Request, length: number): ReadableStream<Uint8Array> {
  const sized = new FixedLengthStream(length);
  (request.body ?? new Blob([]).stream()).pipeTo(sized.writable).catch(() => {});
  return sized.readable;
}

function answer(result: unknown, body: ReadableStream | null = null): Response {
  return new Response(body, {
    headers: {
      [RESULT_HEADER]: encodeCallHeader(result),
      'content-type': 'application/octet-stream',
      // Bytes pass as they are: wrangler dev (like Cloudflare's edge) would otherwise gzip a body
      // without a content type for a client that accepts gzip, as Node's fetch does: a 1 GiB read
      // went from 44 to 610 MiB/s without it.
      'content-encoding': 'identity',
    },
  });
}

async function run(
  call: StreamCall,
  input: unknown,
  request: Request,
  ctx: StreamContext,
): Promise<Response> {
  switch (call) {
    case 'r2.getStream': {
      const { binding, key, ...options } = streams[call].input.parse(input);
      const object = await r2Binding(ctx.env, binding).get(key, options);
      if (object === null) return answer({ object: null });
      return 'body' in object
        ? answer({ object: toObject(object), body: true }, object.body)
        : answer({ object: toObject(object), body: false });
    }
    case 'r2.putStream': {
      const { binding, key, ...options } = streams[call].input.parse(input);
      const length = declaredLength(request, R2_MAX_SINGLE_PUT_BYTES);
      checkCallerWaits(ctx);
      const object = await r2Binding(ctx.env, binding).put(key, sizedBody(request, length), options);
      return answer({ object: object === null ? null : toObject(object) });
    }
    case 'r2.uploadPart': {
      const { binding, key, uploadId, partNumber } = streams[call].input.parse(input);
      const length = declaredLength(request, R2_MAX_MULTIPART_PART_BYTES);
      const upload = r2Binding(ctx.env, binding).resumeMultipartUpload(key, uploadId);
      const part = await upload.uploadPart(partNumber, sizedBody(request, length));
      return answer({ part: { partNumber: part.partNumber, etag: part.etag } });
    }
    case 'kv.getStream': {
      const { binding, key, cacheTtl } = streams[call].input.parse(input);
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
      const length = declaredLength(request, KV_MAX_VALUE_BYTES);
      checkCallerWaits(ctx);
      await kvBinding(ctx.env, binding).put(key, sizedBody(request, length), options);
      return answer({ stored: true });
    }
  }
}

/**
 * Serves one stream call (see shared/schemas/streams.ts): the same policy, log line and error shape
 * as the tRPC procedures, and a body that passes through without being held whole in memory.
 */
export async function handleStreamCall(
  call: StreamCall,
  request: Request,
  ctx: StreamContext,
): Promise<Response> {
  const started = Date.now();
  let code: keyof typeof GATEWAY_ERRORS | 'OK' = 'OK';
  try {
    if (ctx.refusal) throw ctx.refusal;
    if (request.method !== 'POST')
      throw new GatewayError('METHOD_NOT_ALLOWED', 'the gateway answers POST only');
    checkContractVersion(ctx.version);
    const input = decodeInput(request);
    const verdict = ctx.policy({ caller: ctx.caller, path: call, input });
    if (verdict !== true) throw new GatewayError('FORBIDDEN', verdict);
    return await withinFairShare(ctx, () => run(call, input, request, ctx));
  } catch (caught) {
    const error = caught instanceof z.ZodError ? fromZodError(caught) : asGatewayError(caught);
    code = error.gatewayCode;
    if (code === 'INTERNAL') {
      ctx.log(
        JSON.stringify({
          event: 'gateway.internal_error',
          requestId: ctx.requestId,
          path: call,
          cause: String(caught),
        }),
      );
    }
    const { http, retryable } = GATEWAY_ERRORS[code];
    // tRPC's error shape, so that one reader serves both kinds of call.
    const shape = {
      message: error.message,
      data: { code: error.code, httpStatus: http, gatewayCode: code, retryable, path: call },
    };
    const headers: HeadersInit =
      code === 'RATE_LIMITED' ? { 'retry-after': String(FAIR_SHARE_RETRY_AFTER_S) } : {};
    return Response.json({ error: { json: shape } }, { status: http, headers });
  } finally {
    logCall(ctx, { path: call, started, code });
  }
}
