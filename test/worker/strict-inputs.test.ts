import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createGatewayEnv } from '../../shared/env/index.ts';
import { db } from '../../shared/schemas/db.ts';
import { kv } from '../../shared/schemas/kv.ts';
import { r2 } from '../../shared/schemas/r2.ts';
import { encodeFrame, streams } from '../../shared/schemas/streams.ts';
import { expectGatewayError, GATEWAY_URL, gateway, gatewayFetch, rawBatch, unique } from './helpers.ts';

// An unknown field is a mistake the caller must hear of (a misspelt expiry, a key the procedure does
// not take); the binding-shaped env.* instead ignores what the binding ignores.

const procedures = Object.entries({ db, kv, r2 }).flatMap(([ns, schemas]) =>
  Object.keys(schemas).map((name) => `${ns}.${name}`),
);

interface BatchAnswer {
  error?: { json?: { message: string; data: { gatewayCode: string } } };
}

describe('unknown fields in the wire contract', () => {
  it.each(procedures)('%s refuses an unknown field with BAD_INPUT naming it', async (path) => {
    const response = await rawBatch([path], [{ notAField: 1 }]);
    const [answer] = (await response.json()) as BatchAnswer[];
    expect(answer?.error?.json?.data.gatewayCode).toBe('BAD_INPUT');
    expect(answer?.error?.json?.message).toContain('"notAField"');
  });

  it.each(Object.keys(streams))(
    'the stream call %s refuses an unknown field in its first line with BAD_INPUT naming it',
    async (call) => {
      const response = await gatewayFetch(`${GATEWAY_URL}/${call}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: encodeFrame({ key: unique('k'), notAField: 1 }),
      });
      const answer = (await response.json()) as BatchAnswer;
      expect(response.status).toBe(400);
      expect(answer.error?.json?.data.gatewayCode).toBe('BAD_INPUT');
      expect(answer.error?.json?.message).toContain('"notAField"');
    },
  );

  it('kv.put with an idempotencyKey or a misspelt expirationTTL is BAD_INPUT, and stores nothing', async () => {
    for (const extra of [{ idempotencyKey: 'abcdefgh-1' }, { expirationTTL: 120 }]) {
      const key = unique('strict');
      const input = { key, value: 'v', ...extra } as Parameters<typeof gateway.kv.put.mutate>[0];
      const [name] = Object.keys(extra);
      await expectGatewayError(gateway.kv.put.mutate(input), 'BAD_INPUT', new RegExp(`"${name}"`));
      expect(await env.KV.get(key)).toBeNull();
    }
  });

  it('names an unknown field in a nested object: r2.put onlyIf, a batch statement', async () => {
    await expectGatewayError(
      gateway.r2.put.mutate({
        key: unique('strict'),
        body: 'x',
        onlyIf: { etagMatch: 'abc' } as Parameters<typeof gateway.r2.put.mutate>[0]['onlyIf'],
      }),
      'BAD_INPUT',
      /onlyIf: Unrecognized key: "etagMatch"/,
    );
    const statement = { sql: 'SELECT 1', param: [1] } as { sql: string };
    await expectGatewayError(
      gateway.db.batch.mutate({ statements: [statement] }),
      'BAD_INPUT',
      /statements\.0: Unrecognized key: "param"/,
    );
  });
});

describe('env.* ignores what the binding ignores', () => {
  const gw = createGatewayEnv({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });

  it('env.KV.put with an option the binding does not know stores the value, as the binding does', async () => {
    const options = { expirationTTL: 120, metadata: { a: 1 } } as KVNamespacePutOptions;
    const [own, ours] = [unique('kv'), unique('kv')];
    await env.KV.put(own, 'v', options);
    await gw.KV.put(ours, 'v', options);
    expect(await env.KV.getWithMetadata(ours)).toMatchObject(await env.KV.getWithMetadata(own));
  });

  it('env.BUCKET takes unknown fields in httpMetadata, onlyIf, range and parts, as the binding does', async () => {
    const key = unique('r2');
    const httpMetadata = { contentType: 'text/plain', colour: 'red' } as R2HTTPMetadata;
    const onlyIf = { etagDoesNotMatch: 'nope', etagMatch: 'x' } as R2Conditional;
    const own = await env.BUCKET.put(unique('r2'), 'hello', { httpMetadata, onlyIf });
    const ours = await gw.BUCKET.put(key, 'hello', { httpMetadata, onlyIf });
    expect(ours?.httpMetadata).toEqual(own?.httpMetadata);
    const range = { offset: 1, length: 2, end: 9 } as R2Range;
    const read = await gw.BUCKET.get(key, { range });
    expect(await read?.text()).toBe('el');

    const upload = await gw.BUCKET.createMultipartUpload(unique('r2'), { httpMetadata });
    const part = await upload.uploadPart(1, 'whole');
    const object = await upload.complete([{ ...part, size: 5 } as R2UploadedPart]);
    expect(object.size).toBe(5);
  });
});
