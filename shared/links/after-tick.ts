type Task = () => void;

const host = globalThis as { setImmediate?: (task: Task) => unknown };

// How many microtask hops the last-resort scheduler waits: calls made that many `await`s after the
// first one still join its batch. Only runtimes with neither setImmediate nor MessageChannel use it.
const MICROTASK_HOPS = 16;

/** The scheduler where there is no setImmediate (browsers); exported for its test. */
export function viaMessageChannel(task: Task): void {
  // A channel per tick, not one for the process: in workerd an I/O object belongs to the request
  // that made it, and a client outlives requests.
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    task();
  };
  channel.port2.postMessage(undefined);
}

/** The last resort; exported for its test. */
export function viaMicrotasks(task: Task, hops = MICROTASK_HOPS): void {
  queueMicrotask(() => (hops === 0 ? task() : viaMicrotasks(task, hops - 1)));
}

/**
 * Runs `task` once the current tick is over: after the code running now and every microtask it
 * queues (the calls of a `Promise.all`, the continuations of resolved awaits), without waiting for a
 * timer. `setTimeout(task, 0)` would do the same, but Node clamps it to 1 ms. Node, Bun and Deno have
 * `setImmediate`; browsers and workerd a zero-delay `MessageChannel`.
 *
 * @example
 * afterTick(() => console.log('second'));
 * void Promise.resolve().then(() => console.log('first'));
 */
export const afterTick: (task: Task) => void =
  typeof host.setImmediate === 'function'
    ? (task) => {
        host.setImmediate?.(task);
      }
    : typeof MessageChannel === 'function'
      ? viaMessageChannel
      : viaMicrotasks;
