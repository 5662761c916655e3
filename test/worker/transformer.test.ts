import { describe, expect, it } from 'vitest';
import { transformer } from '../../shared/index.ts';

const roundTrip = <T>(value: T): T =>
  transformer.deserialize(JSON.parse(JSON.stringify(transformer.serialize(value as never))));

describe('the wire transformer', () => {
  it('keeps Dates, bigints beyond 2^53, bytes and ArrayBuffers exact through JSON text', () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    const value = {
      at: new Date('2026-11-23T12:34:56.789Z'),
      big: 2n ** 64n + 1n,
      bytes,
      buffer: bytes.slice(0, 8).buffer,
      empty: new Uint8Array(0),
      nested: [{ when: new Date(0), n: -0 }],
    };
    const back = roundTrip(value);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.getTime()).toBe(value.at.getTime());
    expect(back.big).toBe(18446744073709551617n);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.bytes).toEqual(bytes);
    expect(back.buffer).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(back.buffer)).toEqual(bytes.slice(0, 8));
    expect(back.empty).toEqual(new Uint8Array(0));
    expect(back.nested[0]?.when).toEqual(new Date(0));
  });

  it('sends bytes as base64, not as an array of numbers', () => {
    const { json } = transformer.serialize({ b: new Uint8Array([0, 255, 128]) } as never);
    expect(json).toEqual({ b: 'AP+A' });
  });
});
