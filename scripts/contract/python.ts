/**
 * The contract for Python, from its JSON Schema (json-schema.ts): the version, the error codes, one
 * TypedDict (or alias) per definition, and a mixin with one typed method per procedure. Written to
 * clients/python/binding_gateway/contract.py by `npm run contract:schema`.
 *
 * Handles the subset of JSON Schema that zod writes for this contract; anything else fails loudly
 * rather than becoming `Any` unnoticed.
 */
import type { RetryClass } from '../../shared/procedures.ts';

type JsonSchema = Record<string, unknown>;

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/** `db.query.input` → `DbQueryInput`, `R2Object` → `R2Object`. */
export function pythonName(name: string): string {
  return name
    .split(/[.\-_ ]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** `db.query` → `db_query`, `kv.getWithMetadata` → `kv_get_with_metadata`. */
function methodName(path: string): string {
  return path.replace(/\./g, '_').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A Python literal of a JSON value (strings, numbers, booleans, null). */
const literal = (value: unknown) =>
  value === true ? 'True' : value === false ? 'False' : value === null ? 'None' : JSON.stringify(value);

class Emitter {
  readonly #defs: Record<string, JsonSchema>;
  readonly #emitted = new Set<string>();
  readonly #blocks: string[] = [];

  constructor(defs: Record<string, JsonSchema>) {
    this.#defs = defs;
  }

  get blocks(): string[] {
    return this.#blocks;
  }

  /** Emits a definition (after those it uses), once. */
  define(name: string): string {
    const python = pythonName(name);
    if (this.#emitted.has(name)) return python;
    this.#emitted.add(name);
    const def = this.#defs[name];
    if (def === undefined) throw new Error(`no definition ${name}`);
    if (name === 'Json') {
      // Recursive: mypy would take a recursive alias, but callers gain little over Any.
      this.#blocks.push(`#: Any JSON value.\nJson = Any`);
      return python;
    }
    if (this.#isTypedDict(def)) this.#typedDict(python, def);
    else this.#blocks.push(`${python} = ${this.type(def, python)}`);
    return python;
  }

  #isTypedDict(schema: JsonSchema): boolean {
    return schema.type === 'object' && typeof schema.properties === 'object';
  }

  #typedDict(python: string, schema: JsonSchema): void {
    const properties = schema.properties as Record<string, JsonSchema>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const fields = Object.entries(properties).map(([key, property]) => {
      const type = this.type(property, `${python}${pythonName(key)}`);
      return [key, required.has(key) ? type : `NotRequired[${type}]`] as const;
    });
    const title = typeof schema.title === 'string' ? `"""\`${schema.title}\` in the contract."""` : '';
    if (fields.every(([key]) => /^[A-Za-z_]\w*$/.test(key) && !KEYWORDS.has(key))) {
      const body = fields.map(([key, type]) => `    ${key}: ${type}`);
      this.#blocks.push(
        [
          `class ${python}(TypedDict):`,
          ...(title ? [`    ${title}`, ''] : []),
          ...(body.length ? body : ['    pass']),
        ].join('\n'),
      );
    } else {
      const body = fields.map(([key, type]) => `    ${literal(key)}: ${type},`);
      this.#blocks.push([`${python} = TypedDict("${python}", {`, ...body, '})'].join('\n'));
    }
  }

  /** The Python type of a schema; anonymous objects become TypedDicts named after where they sit. */
  type(schema: JsonSchema, context: string): string {
    const superjson = schema['x-superjson'];
    if (superjson !== undefined) {
      if (Array.isArray(superjson) && superjson[1] === 'bytes') return 'bytes';
      if (superjson === 'Date') return 'datetime';
      if (superjson === 'bigint') return 'int';
      if (superjson === 'undefined') return 'None';
      throw new Error(`${context}: no Python type for x-superjson ${literal(superjson)}`);
    }
    if (typeof schema.$ref === 'string') return this.define(schema.$ref.replace('#/$defs/', ''));
    if ('const' in schema) return `Literal[${literal(schema.const)}]`;
    if (Array.isArray(schema.enum)) return `Literal[${schema.enum.map(literal).join(', ')}]`;
    if (Array.isArray(schema.anyOf)) {
      const members = (schema.anyOf as JsonSchema[]).map((member, i) =>
        this.type(member, `${context}Option${i}`),
      );
      return [...new Set(members)].join(' | ');
    }
    if (Array.isArray(schema.type)) {
      // JSON Schema's short form of a union of simple types (a nullable string: ["string", "null"]).
      const members = (schema.type as string[]).map((type, i) =>
        this.type({ ...schema, type }, `${context}Option${i}`),
      );
      return [...new Set(members)].join(' | ');
    }
    switch (schema.type) {
      case 'string':
        return 'str';
      case 'number':
        return 'float';
      case 'integer':
        return 'int';
      case 'boolean':
        return 'bool';
      case 'null':
        return 'None';
      case 'array':
        return `list[${schema.items ? this.type(schema.items as JsonSchema, `${context}Item`) : 'Any'}]`;
      case 'object': {
        if (this.#isTypedDict(schema)) {
          const name = context;
          if (!this.#emitted.has(name)) {
            this.#emitted.add(name);
            this.#typedDict(name, schema);
          }
          return name;
        }
        const values = schema.additionalProperties;
        return `dict[str, ${typeof values === 'object' && values !== null ? this.type(values as JsonSchema, `${context}Value`) : 'Any'}]`;
      }
      case undefined:
        if (Object.keys(schema).filter((key) => key !== 'title').length === 0) return 'Any';
    }
    throw new Error(`${context}: no Python type for ${literal(schema)}`);
  }
}

/** contract.py: the version, the codes, the types, and `Procedures` (async and sync). */
export function renderPythonContract(document: JsonSchema): string {
  const defs = document.$defs as Record<string, JsonSchema>;
  const procedures = document['x-procedures'] as Record<
    string,
    { kind: 'query' | 'mutation'; retry: RetryClass; input?: { $ref: string }; output: { $ref: string } }
  >;
  const errors = document['x-errors'] as Record<string, { httpStatus: number; retryable: boolean }>;
  const streams = Object.keys(document['x-stream-calls'] as object);
  const emitter = new Emitter(defs);
  for (const name of Object.keys(defs)) emitter.define(name);
  const ref = (r: { $ref: string }) => pythonName(r.$ref.replace('#/$defs/', ''));

  const methods = Object.entries(procedures).map(([path, { kind, input, output }]) => {
    const out = ref(output);
    const parameters = input ? `self, input: ${ref(input)}` : 'self';
    const returns =
      out === 'KvPutOutput' || defs[output.$ref.replace('#/$defs/', '')]?.type === 'null' ? 'None' : out;
    const call = `await self._call(${literal(path)}, ${literal(kind)}, ${input ? 'input' : 'None'})`;
    return [
      `    async def ${methodName(path)}(${parameters}) -> ${returns}:`,
      `        """\`${path}\`, a ${kind}."""`,
      returns === 'None' ? `        ${call}` : `        return cast(${literal(out)}, ${call})`,
    ].join('\n');
  });

  return `# Written by \`npm run contract:schema\` from shared/contract.schema.json; do not edit.
"""The gateway's contract for Python: its version, its error codes, every procedure's input and
output as a TypedDict, and \`Procedures\` (\`SyncProcedures\`), one typed method per procedure.

Bytes are \`bytes\`, Dates are timezone-aware \`datetime\`, bigints are \`int\` (the wire's superjson
annotations, decoded by \`binding_gateway.wire\`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal, NotRequired, TypedDict, cast

#: The contract's version; sent as \`x-gateway-contract\`, a gateway on another version refuses the call.
CONTRACT_VERSION: Final = ${literal(document['x-contract-version'])}

#: Every code a gateway error carries in \`error.json.data.gatewayCode\`.
GatewayCode = Literal[${Object.keys(errors).map(literal).join(', ')}]


class ErrorInfo(TypedDict):
    http_status: int
    retryable: bool


#: Each code's HTTP status, and whether the same call may be sent again as it is.
GATEWAY_ERRORS: Final[dict[str, ErrorInfo]] = {
${Object.entries(errors)
  .map(
    ([code, { httpStatus, retryable }]) =>
      `    ${literal(code)}: {"http_status": ${httpStatus}, "retryable": ${retryable ? 'True' : 'False'}},`,
  )
  .join('\n')}
}

#: The platform's and the gateway's limits (shared/limits.ts), in bytes, counts, ms and s as named.
LIMITS: Final[dict[str, int]] = {
${Object.entries(document['x-limits'] as Record<string, number>)
  .map(([name, value]) => `    ${literal(name)}: ${value},`)
  .join('\n')}
}

#: The binding names the gateway serves, by kind; the first of each kind is the default.
BINDINGS: Final[dict[str, list[str]]] = ${JSON.stringify(document['x-bindings'])}
${Object.entries(document['x-bindings'] as Record<string, string[]>)
  .map(([kind, names]) => `${pythonName(kind)}BindingName = Literal[${names.map(literal).join(', ')}]`)
  .join('\n')}

#: Procedures that only read (tRPC queries): retried freely.
QUERIES: Final = frozenset({${Object.entries(procedures)
    .filter(([, p]) => p.kind === 'query')
    .map(([path]) => literal(path))
    .join(', ')}})

#: Procedures that write (tRPC mutations).
MUTATIONS: Final = frozenset({${Object.entries(procedures)
    .filter(([, p]) => p.kind === 'mutation')
    .map(([path]) => literal(path))
    .join(', ')}})

#: Procedures that take an idempotency key (D1 writes): a client gives each call a fresh one.
KEYED: Final = frozenset({${Object.entries(procedures)
    .filter(([, p]) => p.retry === 'keyed')
    .map(([path]) => literal(path))
    .join(', ')}})

#: Writes that leave the same state however often they run (KV puts, deletes, an R2 put without
#: \`onlyIf\`): retried without a key (docs/exactly-once.md).
IDEMPOTENT_WRITES: Final = frozenset({${Object.entries(procedures)
    .filter(([, p]) => p.kind === 'mutation' && p.retry === 'idempotent')
    .map(([path]) => literal(path))
    .join(', ')}})

#: The stream calls, beside the procedures at \`<gateway>/<name>\`.
STREAM_CALLS: Final = frozenset({${streams.map(literal).join(', ')}})


${emitter.blocks.join('\n\n\n')}


class Procedures:
    """Every procedure as a typed method; a subclass sends them (\`_call\`)."""

    async def _call(self, path: str, kind: Literal["query", "mutation"], input: Any) -> Any:
        raise NotImplementedError

${methods.join('\n\n')}


class SyncProcedures:
    """\`Procedures\`, blocking: \`binding_gateway.sync\`'s client sends them (\`_call\`)."""

    def _call(self, path: str, kind: Literal["query", "mutation"], input: Any) -> Any:
        raise NotImplementedError

${methods.map((method) => method.replace('    async def ', '    def ').replace('await self._call', 'self._call')).join('\n\n')}
`;
}
