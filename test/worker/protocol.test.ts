import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import {
  CONTRACT_VERSION,
  GATEWAY_CODE_OF_TRPC_CODE,
  GATEWAY_CODES,
  GATEWAY_ERRORS,
  GATEWAY_MAX_BATCH_SIZE,
} from '../../shared/index.ts';
import { classifyBindingError, GatewayError } from '../../worker/errors.ts';
import { GATEWAY_URL, gateway, gatewayFetch, rawBatch } from './helpers.ts';

interface ErrorShape {
  message: string;
  data: { gatewayCode: string; retryable: boolean; httpStatus: number; stack?: string };
}
/** An error in a response body: the shape, serialized by the transformer. */
interface ErrorBody {
  error: { json: ErrorShape };
}

async function errorOf(response: Response): Promise<ErrorShape> {
  const body = (await response.json()) as ErrorBody | ErrorBody[];
  const first = Array.isArray(body) ? body[0] : body;
  if (!first?.error) throw new Error(`expected an error, got ${JSON.stringify(body)}`);
  expect(first.error.json.data.stack).toBeUndefined();
  return first.error.json;
}

describe('the gateway over HTTP', () => {
  it('tells its contract version, bindings, the caller and its policy', async () => {
    expect(await gateway.gateway.info.query()).toEqual({
      contractVersion: CONTRACT_VERSION,
      bindings: { d1: ['DB', 'ARCHIVE'], kv: ['KV', 'CACHE'], r2: ['BUCKET'] },
      caller: { transport: 'test', id: 'vitest' },
      policy: { kind: 'allowAll', keyPrefix: null, fairShare: { maxConcurrent: 32, maxWaitMs: 10_000 } },
    });
  });

  it('answers an unknown procedure with NOT_FOUND (404)', async () => {
    const response = await rawBatch(['db.drop'], [{}]);
    expect(response.status).toBe(404);
    expect((await errorOf(response)).data.gatewayCode).toBe('NOT_FOUND');
  });

  it('answers GET with METHOD_NOT_ALLOWED (405): every call is a POST', async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { json: { sql: 'SELECT 1' } } }));
    const response = await gatewayFetch(`${GATEWAY_URL}/db.query?batch=1&input=${input}`);
    expect(response.status).toBe(405);
    expect((await errorOf(response)).data.gatewayCode).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers a body that is not JSON with UNSUPPORTED_MEDIA_TYPE (415)', async () => {
    const response = await rawBatch(['db.query'], [{ sql: 'SELECT 1' }], {
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect((await errorOf(response)).data.gatewayCode).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers malformed JSON with BAD_INPUT (400)', async () => {
    const response = await gatewayFetch(`${GATEWAY_URL}/db.query?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"0":',
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).data.gatewayCode).toBe('BAD_INPUT');
  });

  it(`refuses a batch of more than ${GATEWAY_MAX_BATCH_SIZE} calls with 400, and serves the next one`, async () => {
    const size = GATEWAY_MAX_BATCH_SIZE + 1;
    const response = await rawBatch(Array(size).fill('gateway.info'), Array(size).fill(undefined));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).data.gatewayCode).toBe('BAD_INPUT');
    const ok = await rawBatch(
      Array(GATEWAY_MAX_BATCH_SIZE).fill('gateway.info'),
      Array(GATEWAY_MAX_BATCH_SIZE).fill(undefined),
    );
    expect(ok.status).toBe(200);
  });

  it('answers a batch of mixed outcomes with 207 and each call its own result', async () => {
    const response = await rawBatch(
      ['gateway.info', 'db.query'],
      [undefined, { sql: 'SELECT * FROM nowhere' }],
    );
    expect(response.status).toBe(207);
    const body = (await response.json()) as [{ result: unknown }, ErrorBody];
    expect(body[0].result).toBeDefined();
    expect(body[1].error.json.data).toMatchObject({
      gatewayCode: 'SQL_ERROR',
      httpStatus: 400,
      retryable: false,
    });
  });

  it('shares one HTTP request among calls made in the same tick', async () => {
    let requests = 0;
    const { createGatewayClient } = await import('../../shared/client.ts');
    const counting = createGatewayClient({
      url: GATEWAY_URL,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
        requests++;
        return gatewayFetch(input, init);
      }) as typeof fetch,
    });
    const [a, b, c] = await Promise.all([
      counting.db.first.query({ sql: 'SELECT 1 AS n' }),
      counting.kv.get.query({ key: 'never-written' }),
      counting.gateway.info.query(),
    ]);
    expect([a, b, c.contractVersion]).toEqual([{ n: 1 }, null, CONTRACT_VERSION]);
    expect(requests).toBe(1);
  });
});

describe('the error codes', () => {
  it('give each code the HTTP status of the tRPC code it travels as', () => {
    for (const code of GATEWAY_CODES) {
      const { trpc, http } = GATEWAY_ERRORS[code];
      expect(getHTTPStatusCodeFromError(new GatewayError(code, 'x')), code).toBe(http);
      expect(http, code).toBeGreaterThanOrEqual(400);
      void trpc;
    }
  });

  it('map every tRPC code to a gateway code', () => {
    for (const [trpc, code] of Object.entries(GATEWAY_CODE_OF_TRPC_CODE))
      expect(GATEWAY_CODES, trpc).toContain(code);
  });

  it('classify the D1 errors docs/contract.md lists as retryable or not', () => {
    const retryable = [
      'D1_ERROR: Network connection lost.',
      'D1_ERROR: D1 DB reset because its code was updated.',
      'D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.',
      'D1_ERROR: Internal error in D1 DB storage caused object to be reset.',
    ];
    const notRetryable = [
      'D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.',
      'D1_ERROR: D1 DB is overloaded. Too many requests queued.',
      'D1_ERROR: D1 DB isolate exceeded its memory limit and was reset.',
    ];
    for (const message of retryable) {
      expect(GATEWAY_ERRORS[classifyBindingError(new Error(message))].retryable, message).toBe(true);
    }
    for (const message of notRetryable) {
      expect(GATEWAY_ERRORS[classifyBindingError(new Error(message))].retryable, message).toBe(false);
    }
    expect(classifyBindingError(new Error('KV PUT failed: 429 Too Many Requests'))).toBe('RATE_LIMITED');
    expect(classifyBindingError(new Error('something nobody planned for'))).toBe('INTERNAL');
  });
});
