import { env } from 'cloudflare:test';
import { TRPCClientError } from '@trpc/client';
import { expect } from 'vitest';
import { createGatewayClient } from '../../shared/client.ts';
import type { AppRouter, GatewayCode } from '../../shared/index.ts';
import { transformer } from '../../shared/index.ts';
import type { Caller } from '../../worker/context.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';

export const GATEWAY_URL = 'http://gateway.internal/trpc';
const caller: Caller = { transport: 'test', id: 'vitest' };

/**
 * The calls the gateway logged in this test file, newest last, taken from its `gateway.calls` lines
 * (tests read them instead of the console); `logLineCount` counts the lines themselves.
 */
export const logLines: Record<string, unknown>[] = [];
export const logLineCount = { lines: 0 };

function takeLine(line: string): void {
  const parsed = JSON.parse(line) as { event?: string; calls?: Record<string, unknown>[] };
  logLineCount.lines++;
  if (parsed.event === 'gateway.calls') logLines.push(...(parsed.calls ?? []));
  else logLines.push(parsed);
}

const pending = new Set<Promise<unknown>>();

/** A `waitUntil` for the handler, whose work after the answer tests can wait for (`settled`). */
export function waitUntil(promise: Promise<unknown>): void {
  pending.add(promise);
  void promise.finally(() => pending.delete(promise));
}

/** Waits for what the gateway does after its answers (log lines, idempotency records). */
export async function settled(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}

/** Sends a request through the gateway's real HTTP handler, as a transport would. */
export function gatewayFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return handleGatewayRequest(new Request(input, init), env, caller, {
    log: takeLine,
    waitUntil,
  });
}

/** The real typed client, over the real handler. */
export const gateway = createGatewayClient({ url: GATEWAY_URL, fetch: gatewayFetch as typeof fetch });

/** A key or name no other test uses: storage is shared by the tests of a file. */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Asserts that a call fails with a gateway code (and the HTTP status that code maps to). */
export async function expectGatewayError(call: Promise<unknown>, code: GatewayCode, message?: RegExp) {
  const error = await call.then(
    () => expect.unreachable(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCClientError))
    return expect.unreachable(`expected a TRPCClientError, got ${error}`);
  const gatewayError = error as TRPCClientError<AppRouter>;
  expect(gatewayError.data?.gatewayCode, gatewayError.message).toBe(code);
  expect(gatewayError.data).not.toHaveProperty('stack');
  if (message) expect(gatewayError.message).toMatch(message);
  return gatewayError;
}

/** A hand-made POST of a batch, for what the typed client would never send. */
export function rawBatch(paths: string[], inputs: unknown[], init: RequestInit = {}): Promise<Response> {
  const body = Object.fromEntries(inputs.map((input, i) => [i, transformer.serialize(input)]));
  return gatewayFetch(`${GATEWAY_URL}/${paths.join(',')}?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
}

/** Random bytes of any size (getRandomValues fills at most 64 KiB a call). */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65_536)));
  }
  return bytes;
}

/** The error a call throws or rejects with, to compare the binding's with the gateway's. */
export async function failure(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}
