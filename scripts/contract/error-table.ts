/**
 * The error codes as a Markdown table, for docs/protocol.md: each code's HTTP status, whether it is
 * retryable, and when it happens (the doc comment above it in shared/errors.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GATEWAY_ERRORS } from '../../shared/errors.ts';

export const ERRORS_START = '<!-- errors: written by npm run contract:schema from shared/errors.ts -->';
export const ERRORS_END = '<!-- errors: end -->';

/** Each code's doc comment in shared/errors.ts, as one line. */
function descriptions(root: string): Map<string, string> {
  const source = readFileSync(path.join(root, 'shared', 'errors.ts'), 'utf8');
  const found = new Map<string, string>();
  for (const [, comment = '', code = ''] of source.matchAll(
    /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*([A-Z_]+):\s*\{/g,
  )) {
    found.set(
      code,
      comment
        .split('\n')
        .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
        .filter(Boolean)
        .join(' '),
    );
  }
  return found;
}

export function errorTable(root: string): string {
  const said = descriptions(root);
  const rows = Object.entries(GATEWAY_ERRORS).map(
    ([code, { http, retryable }]) =>
      `| \`${code}\` | ${http} | ${retryable ? 'yes' : 'no'} | ${(said.get(code) ?? '').replaceAll('|', '\\|')} |`,
  );
  return ['| `gatewayCode` | HTTP | retryable | when |', '|---|---|---|---|', ...rows].join('\n');
}

/** The doc with its error table replaced by the current one. */
export function withErrorTable(doc: string, root: string): string {
  const start = doc.indexOf(ERRORS_START);
  const end = doc.indexOf(ERRORS_END);
  if (start === -1 || end < start) throw new Error(`the doc has no ${ERRORS_START} ... ${ERRORS_END} region`);
  return `${doc.slice(0, start + ERRORS_START.length)}\n${errorTable(root)}\n${doc.slice(end)}`;
}
