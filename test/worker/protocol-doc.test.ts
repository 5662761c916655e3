import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import doc from '../../docs/protocol.md?raw';
import type { Caller } from '../../worker/context.ts';
import { handleGatewayRequest } from '../../worker/gateway.ts';

// docs/protocol.md cannot drift: every ```http request=NAME block is sent verbatim, in the doc's
// order, to the gateway's real handler (as a container's outbound request would reach it), and the
// answer must be the ```http answer=NAME block. In a documented answer a string "<...>" stands for a
// value that differs from run to run, and only the headers shown are compared. Each example is sent
// once the gateway has finished what it does after the previous answer (an idempotent write's result
// record), as a moment later in a deployment.

const ORIGIN = 'http://gateway.internal';
/** The container the doc's examples come from (`ctx.containerId`, 64 hex digits). */
const caller: Caller = {
  transport: 'outbound',
  id: 'a3f1c2d4e5b6978812345678909abcdeffedcba0987654321fedcba987654321',
};

interface Message {
  start: string;
  headers: [string, string][];
  body: string;
}

function parse(text: string): Message {
  const [head = '', ...rest] = text.split(/\r?\n\r?\n/);
  const [start = '', ...lines] = head.split(/\r?\n/);
  const headers = lines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
  });
  return { start, headers, body: rest.join('\n\n').replace(/\n$/, '') };
}

const blocks = [...doc.matchAll(/^```http (request|answer)=([\w-]+)\n([\s\S]*?)^```$/gm)];
const requests = blocks
  .filter(([, kind]) => kind === 'request')
  .map(([, , name = '', text = '']) => ({ name, text }));
const answers = new Map(
  blocks.filter(([, kind]) => kind === 'answer').map(([, , name, text]) => [name, text ?? '']),
);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isPlaceholder = (value: unknown) => typeof value === 'string' && /^<[^<>]+>$/.test(value);

/** Where `actual` differs from the documented value, or undefined when it matches. */
function mismatch(documented: unknown, actual: unknown, at = '$'): string | undefined {
  if (isPlaceholder(documented)) return actual === undefined ? `${at}: missing` : undefined;
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual) || actual.length !== documented.length)
      return `${at}: not an array of ${documented.length}`;
    for (let i = 0; i < documented.length; i++) {
      const found = mismatch(documented[i], actual[i], `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof documented === 'object' && documented !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return `${at}: not an object`;
    const keys = new Set([...Object.keys(documented), ...Object.keys(actual)]);
    for (const key of keys) {
      const found = mismatch(
        (documented as Record<string, unknown>)[key],
        (actual as Record<string, unknown>)[key],
        `${at}.${key}`,
      );
      if (found) return found;
    }
    return undefined;
  }
  return Object.is(documented, actual)
    ? undefined
    : `${at}: ${JSON.stringify(actual)}, not ${JSON.stringify(documented)}`;
}

/** What the gateway does after its answers (result records); each example waits for the last's. */
const after: Promise<unknown>[] = [];

async function send(text: string): Promise<Response> {
  await Promise.all(after.splice(0));
  const { start, headers, body } = parse(text);
  const [method = '', target = ''] = start.split(' ');
  const request = new Request(`${ORIGIN}${target}`, {
    method,
    // Host is the URL's; a fetch sets it.
    headers: headers.filter(([name]) => name !== 'host'),
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
  return handleGatewayRequest(request, env, caller, { log: () => {}, waitUntil: (task) => after.push(task) });
}

describe('docs/protocol.md', () => {
  it('has an answer for each example request, and examples of every kind it promises', () => {
    expect(requests.map(({ name }) => name)).toEqual([...answers.keys()]);
    for (const name of [
      'query',
      'mutation',
      'batch-queries',
      'batch-mutations',
      'kv-put-stream',
      'kv-get-stream',
    ]) {
      expect(answers.has(name), name).toBe(true);
    }
  });

  it('answers each example request as documented', async () => {
    for (const { name, text } of requests) {
      const response = await send(text);
      // Stream answers are bytes; the doc's are UTF-8 text.
      const body = new TextDecoder().decode(await response.arrayBuffer());
      const actual = [
        `HTTP/1.1 ${response.status} ${response.statusText}`,
        ...[...response.headers].map(([k, v]) => `${k}: ${v}`),
        '',
        body,
      ].join('\n');
      const documented = parse(answers.get(name) ?? '');
      const context = `example ${name}; the gateway answered:\n${actual}\n`;
      expect(Number(documented.start.split(' ')[1]), context).toBe(response.status);
      for (const [header, value] of documented.headers) {
        const got = response.headers.get(header);
        expect(got !== null && (isPlaceholder(value) || got === value), `${context}header ${header}`).toBe(
          true,
        );
      }
      // A JSON body is compared as JSON; any other (a stream answer: a line of JSON, then bytes) as text.
      const json = /^[[{]/.test(documented.body) ? parseJson(documented.body) : undefined;
      if (json !== undefined) {
        expect(mismatch(json, JSON.parse(body)), context).toBeUndefined();
      } else {
        expect(body, context).toBe(documented.body);
      }
    }
  });
});
