import { stat } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { afterTick, viaMessageChannel, viaMicrotasks } from '../../shared/links/after-tick.ts';

describe.each([
  ['afterTick', afterTick],
  ['the MessageChannel fallback', viaMessageChannel],
  ['the microtask fallback', viaMicrotasks],
])('%s', (_name, schedule) => {
  it('runs a task after the code running now and the microtasks it queued', async () => {
    const order: string[] = [];
    const done = new Promise<void>((resolve) =>
      schedule(() => {
        order.push('task');
        resolve();
      }),
    );
    order.push('sync');
    void Promise.resolve()
      .then(() => order.push('microtask'))
      .then(() => order.push('a later microtask'));
    await done;
    expect(order).toEqual(['sync', 'microtask', 'a later microtask', 'task']);
  });
});

describe('afterTick in Node', () => {
  it('runs before a zero-delay timer set at the same time: it waits for no timer', async () => {
    // From an I/O callback Node runs immediates before timers; setTimeout(0) is clamped to 1 ms.
    const order = await new Promise<string[]>((resolve, reject) =>
      stat(import.meta.filename, (error) => {
        if (error) return reject(error);
        const seen: string[] = [];
        setTimeout(() => {
          seen.push('timer');
          resolve(seen);
        }, 0);
        afterTick(() => seen.push('afterTick'));
      }),
    );
    expect(order).toEqual(['afterTick', 'timer']);
  });
});
