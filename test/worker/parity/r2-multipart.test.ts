import { describe } from 'vitest';
import { parity } from './harness.ts';
import { CODES, c, MULTIPART, SPEC, seen } from './r2-cases.ts';

// R2 multipart uploads: the same bodies on env.BUCKET and through the gateway.

const MiB = 1024 * 1024;

const cases = [
  c('createMultipartUpload() gives the key and an id', MULTIPART, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    return [upload.key, typeof upload.uploadId];
  }),
  c('uploadPart() gives the part number and etag', MULTIPART, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const part = await upload.uploadPart(1, 'part one');
    // A part's etag is R2's own random id.
    return [part.partNumber, typeof part.etag];
  }),
  c('complete() of one part gives the object', MULTIPART, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key(), {
      customMetadata: { m: '1' },
      httpMetadata: { contentType: 'text/x' },
    });
    const part = await upload.uploadPart(1, 'only part');
    const object = await upload.complete([part]);
    return [object, await seen(await b.BUCKET.get(n.key()))];
  }),
  c('complete() of two parts joins them', SPEC, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const first = await upload.uploadPart(1, new Uint8Array(5 * MiB).fill(97));
    const second = await upload.uploadPart(2, 'end');
    await upload.complete([first, second]);
    const object = await b.BUCKET.get(n.key(), { range: { suffix: 4 } });
    return seen(object);
  }),
  c('complete([]) throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    return upload.complete([]);
  }),
  c('complete() with a small part before the last throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const first = await upload.uploadPart(1, 'small');
    const second = await upload.uploadPart(2, 'end');
    return upload.complete([first, second]);
  }),
  c('complete() with a wrong etag throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    await upload.uploadPart(1, 'part');
    return upload.complete([{ partNumber: 1, etag: 'nope' }]);
  }),
  c('complete() with a part never uploaded throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const part = await upload.uploadPart(1, 'part');
    return upload.complete([part, { partNumber: 2, etag: part.etag }]);
  }),
  c('complete() with a part twice throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const part = await upload.uploadPart(1, 'part');
    return upload.complete([part, part]);
  }),
  c('complete() after abort() throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const part = await upload.uploadPart(1, 'part');
    await upload.abort();
    return upload.complete([part]);
  }),
  c('complete() twice throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const part = await upload.uploadPart(1, 'part');
    await upload.complete([part]);
    return upload.complete([part]);
  }),
  c('abort() returns undefined', MULTIPART, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    return upload.abort();
  }),
  c('abort() twice', MULTIPART, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    await upload.abort();
    return upload.abort();
  }),
  c('uploadPart() after abort() throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    await upload.abort();
    return upload.uploadPart(1, 'late');
  }),
  c('uploadPart() of part 0 throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    return upload.uploadPart(0, 'zero');
  }),
  c('uploadPart() of part 10,001 throws', CODES, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    return upload.uploadPart(10_001, 'too far');
  }),
  c('resumeMultipartUpload() completes an upload', MULTIPART, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const part = await upload.uploadPart(1, 'resumed');
    const resumed = b.BUCKET.resumeMultipartUpload(n.key(), upload.uploadId);
    await resumed.complete([part]);
    return seen(await b.BUCKET.get(n.key()));
  }),
  c('resumeMultipartUpload() of an unknown id fails on use', CODES, async (b, n) => {
    const resumed = b.BUCKET.resumeMultipartUpload(n.key(), 'no-such-upload');
    return resumed.uploadPart(1, 'x');
  }),
  c('createMultipartUpload() of the empty key', MULTIPART, async (b) => {
    const upload = await b.BUCKET.createMultipartUpload('');
    await upload.abort();
    return upload.key;
  }),
  c('uploadPart() of an ArrayBuffer and a Blob', MULTIPART, async (b, n) => {
    const upload = await b.BUCKET.createMultipartUpload(n.key());
    const parts = [
      await upload.uploadPart(1, new Uint8Array([1]).buffer),
      await upload.uploadPart(2, new Blob(['b'])),
    ];
    return parts.map((part) => part.partNumber);
  }),
];

describe('R2 multipart parity', () => parity('R2', cases));
