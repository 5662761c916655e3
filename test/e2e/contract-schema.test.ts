import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractFiles } from '../../scripts/contract-schema.ts';
import { ROOT } from '../../scripts/local-session.ts';
import { CONTRACT_VERSION, GATEWAY_CODES, GATEWAY_ERRORS } from '../../shared/index.ts';

// Like the contract version: the published schema and the Python types are generated, checked in,
// and must be what the zod schemas say now.

const STALE = 'stale: run `npm run contract:version && npm run contract:schema` and commit the result';
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('the contract as JSON Schema', () => {
  const files = contractFiles();

  it('is checked in as npm run contract:schema writes it', () => {
    const schema = files['shared/contract.schema.json'] ?? '';
    expect(JSON.parse(read('shared/contract.schema.json')), STALE).toEqual(JSON.parse(schema));
  });

  it('is checked in as Python types as npm run contract:schema writes them', () => {
    const python = files['clients/python/binding_gateway/contract.py'] ?? '';
    expect(read('clients/python/binding_gateway/contract.py') === python, STALE).toBe(true);
  });

  it('is the error table of docs/protocol.md, as npm run contract:schema writes it', () => {
    expect(read('docs/protocol.md') === files['docs/protocol.md'], STALE).toBe(true);
  });

  it("names the contract's version and every error code with its status and whether it may be retried", () => {
    const schema = JSON.parse(read('shared/contract.schema.json')) as {
      'x-contract-version': string;
      'x-errors': Record<string, { httpStatus: number; retryable: boolean }>;
    };
    expect(schema['x-contract-version']).toBe(CONTRACT_VERSION);
    expect(Object.keys(schema['x-errors'])).toEqual(GATEWAY_CODES);
    for (const code of GATEWAY_CODES) {
      expect(schema['x-errors'][code]).toEqual({
        httpStatus: GATEWAY_ERRORS[code].http,
        retryable: GATEWAY_ERRORS[code].retryable,
      });
    }
  });

  it('gives every procedure an input or none, an output, and its kind, and every stream call its parameters', () => {
    const schema = JSON.parse(read('shared/contract.schema.json')) as {
      $defs: Record<string, unknown>;
      'x-procedures': Record<string, { kind: string; input?: { $ref: string }; output: { $ref: string } }>;
      'x-stream-calls': Record<string, { parameters: { $ref: string }; result: { $ref: string } }>;
    };
    const target = (ref: { $ref: string }) => schema.$defs[ref.$ref.replace('#/$defs/', '')];
    expect(Object.keys(schema['x-procedures'])).toContain('db.query');
    for (const [path, procedure] of Object.entries(schema['x-procedures'])) {
      expect(['query', 'mutation'], path).toContain(procedure.kind);
      expect(target(procedure.output), path).toBeDefined();
      if (procedure.input) expect(target(procedure.input), path).toBeDefined();
    }
    expect(Object.keys(schema['x-stream-calls']).sort()).toEqual(
      ['kv.getStream', 'kv.putStream', 'r2.getStream', 'r2.putStream', 'r2.uploadPart'].sort(),
    );
    for (const call of Object.values(schema['x-stream-calls'])) {
      expect(target(call.parameters)).toBeDefined();
      expect(target(call.result)).toBeDefined();
    }
  });
});
