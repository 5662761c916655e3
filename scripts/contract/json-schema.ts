/**
 * The contract as one JSON Schema document (draft 2020-12), from the zod schemas themselves
 * (`z.toJSONSchema`), for callers in any language. `npm run contract:schema` writes it to
 * shared/contract.schema.json; a test fails when the file is stale.
 *
 * The schemas describe the JSON inside superjson's `{ json, meta }`. JSON has no bytes, bigint, Date
 * or undefined: those carry `x-superjson` (the annotation their path gets in `meta.values`) and the
 * JSON they travel as (docs/protocol.md, "Values").
 */
import { z } from 'zod';
import {
  Bytes,
  CONTRACT_VERSION,
  D1Meta,
  D1Result,
  GATEWAY_BINDINGS,
  GATEWAY_ERRORS,
  Json,
  KvListKey,
  R2Conditional,
  R2HttpMetadata,
  R2HttpMetadataShape,
  R2Object,
  R2ObjectBody,
  R2Range,
  R2UploadedPart,
  RawRow,
  Row,
  SqlParam,
  SqlValue,
  Statement,
  streams,
} from '../../shared/index.ts';
import * as limits from '../../shared/limits.ts';
import { PROCEDURES, type ProcedureEntry } from '../../shared/procedures.ts';

type JsonSchema = Record<string, unknown>;

/** How each type JSON lacks travels: its JSON, and the annotation superjson gives its path. */
export const SUPERJSON_TYPES = {
  bytes: { type: 'string', contentEncoding: 'base64', 'x-superjson': ['custom', 'bytes'] },
  bigint: { type: 'string', pattern: '^-?[0-9]+$', 'x-superjson': 'bigint' },
  Date: { type: 'string', format: 'date-time', 'x-superjson': 'Date' },
  undefined: { type: 'null', 'x-superjson': 'undefined' },
} as const;

const SQL_VALUE: JsonSchema = {
  anyOf: [{ type: 'null' }, { type: 'number' }, { type: 'string' }, { ...SUPERJSON_TYPES.bytes }],
};

// Schemas that appear in many places get a title: readers (and generated types) see one name.
const TITLES = new Map<unknown, string>([
  [SqlParam, 'SqlParam'],
  [SqlValue, 'SqlValue'],
  [Row, 'Row'],
  [RawRow, 'RawRow'],
  [Statement, 'Statement'],
  [D1Meta, 'D1Meta'],
  [D1Result, 'D1Result'],
  [KvListKey, 'KvListKey'],
  [R2HttpMetadata, 'R2HttpMetadata'],
  [R2HttpMetadataShape, 'R2HttpMetadata'],
  [R2Conditional, 'R2Conditional'],
  [R2Range, 'R2Range'],
  [R2Object, 'R2Object'],
  [R2ObjectBody, 'R2ObjectBody'],
  [R2UploadedPart, 'R2UploadedPart'],
  [Json, 'Json'],
]);

/** Replaces a schema's keys in place (the override hook hands over the object to fill). */
function replace(target: JsonSchema, source: JsonSchema): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, structuredClone(source));
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const out = jsonSchema as JsonSchema;
      const type = zodSchema._zod.def.type;
      if (zodSchema === Bytes) replace(out, SUPERJSON_TYPES.bytes);
      else if (zodSchema === Row) replace(out, { type: 'object', additionalProperties: SQL_VALUE });
      else if (zodSchema === RawRow) replace(out, { type: 'array', items: SQL_VALUE });
      else if (type === 'bigint') replace(out, SUPERJSON_TYPES.bigint);
      else if (type === 'date') replace(out, SUPERJSON_TYPES.Date);
      else if (type === 'void' || type === 'undefined') replace(out, SUPERJSON_TYPES.undefined);
      const title = TITLES.get(zodSchema);
      if (title) out.title = title;
    },
  }) as JsonSchema;
}

/**
 * Moves a schema's own `$defs` into the document's, and each titled schema too (a name used many
 * times is defined once), pointing `$ref`s at them. A title whose input and output forms differ
 * gets one definition each (`R2ConditionalInput`).
 */
function hoist(schema: JsonSchema, defs: Record<string, JsonSchema>, io: 'input' | 'output'): JsonSchema {
  const {
    $schema: _,
    $defs: local = {},
    ...rest
  } = schema as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
  };
  const define = (name: string, def: JsonSchema): string | undefined => {
    const text = JSON.stringify(def);
    for (const candidate of [name, `${name}${io === 'input' ? 'Input' : 'Output'}`]) {
      const existing = defs[candidate];
      if (existing === undefined) {
        defs[candidate] = def;
        return candidate;
      }
      if (JSON.stringify(existing) === text) return candidate;
    }
    return undefined;
  };
  // zod names its own definitions __schema0, ...: each gets its title (they all have one today).
  const renamed = new Map<string, string>();
  const rewrite = (value: unknown, definition = false): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item));
    if (typeof value !== 'object' || value === null) return value;
    const node = Object.fromEntries(
      Object.entries(value).map(([key, inner]) => {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
          const name = inner.slice('#/$defs/'.length);
          return [key, `#/$defs/${renamed.get(name) ?? name}`];
        }
        return [key, rewrite(inner)];
      }),
    ) as JsonSchema;
    if (!definition && typeof node.title === 'string') {
      const name = define(node.title, node);
      if (name) return { $ref: `#/$defs/${name}` };
    }
    return node;
  };
  for (const [name, def] of Object.entries(local)) {
    renamed.set(name, typeof def.title === 'string' ? def.title : name);
  }
  for (const [name, def] of Object.entries(local)) {
    const title = renamed.get(name) ?? name;
    defs[title] = rewrite(def, true) as JsonSchema;
  }
  return rewrite(rest) as JsonSchema;
}

const STREAM_CALLS: Record<keyof typeof streams, { body: string; answer: string; result: JsonSchema }> = {
  'r2.getStream': {
    body: 'none after the parameters line',
    answer: 'after the result line, the object body, streamed (none when `result.body` is false)',
    result: {
      type: 'object',
      properties: {
        object: { anyOf: [{ $ref: '#/$defs/R2Object' }, { type: 'null' }] },
        body: { type: 'boolean' },
      },
      required: ['object'],
    },
  },
  'r2.putStream': {
    body: 'after the parameters line, the object body, its length in x-gateway-length',
    answer: 'the result line only',
    result: {
      type: 'object',
      properties: { object: { anyOf: [{ $ref: '#/$defs/R2Object' }, { type: 'null' }] } },
      required: ['object'],
    },
  },
  'r2.uploadPart': {
    body: 'after the parameters line, one part, its length in x-gateway-length',
    answer: 'the result line only',
    result: {
      type: 'object',
      properties: { part: { $ref: '#/$defs/R2UploadedPart' } },
      required: ['part'],
    },
  },
  'kv.getStream': {
    body: 'none after the parameters line',
    answer: 'after the result line, the value, streamed (none when `result.found` is false)',
    result: {
      type: 'object',
      properties: {
        found: { type: 'boolean' },
        metadata: { anyOf: [{ $ref: '#/$defs/Json' }, { type: 'null' }] },
      },
      required: ['found', 'metadata'],
    },
  },
  'kv.putStream': {
    body: 'after the parameters line, the value, its length in x-gateway-length',
    answer: 'the result line only',
    result: { type: 'object', properties: { stored: { const: true } }, required: ['stored'] },
  },
};

/** The contract as a JSON Schema document: every procedure's input and output, every stream call. */
export function buildContractSchema(): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const procedures: Record<string, JsonSchema> = {};
  for (const [path, entry] of Object.entries(PROCEDURES) as [string, ProcedureEntry][]) {
    if (entry.kind === 'stream') continue;
    const call: { input?: z.ZodType; output: z.ZodType } = entry.schema;
    const inputName = `${path}.input`;
    const outputName = `${path}.output`;
    if (call.input) defs[inputName] = hoist(toJsonSchema(call.input, 'input'), defs, 'input');
    defs[outputName] = hoist(toJsonSchema(call.output, 'output'), defs, 'output');
    procedures[path] = {
      kind: entry.kind,
      retry: entry.retry,
      ...(call.input ? { input: { $ref: `#/$defs/${inputName}` } } : {}),
      output: { $ref: `#/$defs/${outputName}` },
    };
  }
  // The stream calls' results refer to these by name.
  hoist(toJsonSchema(z.object({ object: R2Object, part: R2UploadedPart }), 'output'), defs, 'output');
  const streamCalls: Record<string, JsonSchema> = {};
  for (const [name, call] of Object.entries(streams)) {
    const parametersName = `${name}.parameters`;
    const resultName = `${name}.result`;
    defs[parametersName] = hoist(toJsonSchema(call.input, 'input'), defs, 'input');
    const { result, ...rest } = STREAM_CALLS[name as keyof typeof streams];
    defs[resultName] = result;
    streamCalls[name] = {
      parameters: { $ref: `#/$defs/${parametersName}` },
      result: { $ref: `#/$defs/${resultName}` },
      ...rest,
    };
  }
  const errors = Object.fromEntries(
    Object.entries(GATEWAY_ERRORS).map(([code, { http, retryable }]) => [
      code,
      { httpStatus: http, retryable },
    ]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://binding-gateway.invalid/contract.schema.json',
    title: 'binding-gateway contract',
    description:
      'Written by `npm run contract:schema` from the zod schemas in shared/schemas; do not edit. ' +
      'Each procedure is POST <gateway>/<name> with superjson ({ json, meta }); `$defs` holds each ' +
      'input and output. `x-superjson` marks a value JSON lacks and the annotation superjson gives it. See docs/protocol.md.',
    'x-contract-version': CONTRACT_VERSION,
    'x-procedures': procedures,
    'x-stream-calls': streamCalls,
    'x-errors': errors,
    'x-bindings': GATEWAY_BINDINGS,
    // Sorted: a module namespace's key order differs between Node and Vite.
    'x-limits': Object.fromEntries(
      Object.entries(limits)
        .filter(([, value]) => typeof value === 'number')
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))),
  };
}
