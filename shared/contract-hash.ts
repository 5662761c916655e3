import { z } from 'zod';
import { GATEWAY_BINDINGS } from './bindings.ts';
import { GATEWAY_ERRORS } from './errors.ts';
import { PROCEDURES, type ProcedureEntry } from './procedures.ts';
import { STREAM_FRAMING } from './schemas/streams.ts';

function describe(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, {
    unrepresentable: 'any',
    // JSON Schema has no Date, bigint or bytes: name every zod type, so that changing one changes the hash.
    override: (ctx) => {
      (ctx.jsonSchema as Record<string, unknown>)['x-zod'] = ctx.zodSchema._zod.def.type;
    },
  });
}

/**
 * A hash of everything a client and a gateway must agree on: each call's kind, retry class, input
 * and output schema (shared/procedures.ts), the stream calls' framing, the binding names and the error codes. `CONTRACT_VERSION` (version.ts) is this value,
 * written by `npm run contract:version`; a test fails when they differ.
 */
export async function computeContractVersion(): Promise<string> {
  const procedures: Record<string, unknown> = {};
  for (const [path, entry] of Object.entries(PROCEDURES) as [string, ProcedureEntry][]) {
    const schema: { input?: z.ZodType; output?: z.ZodType } = entry.schema;
    // A change of kind or retry class changes what a client does with a call: it is in the hash.
    procedures[path] = {
      kind: entry.kind,
      retry: entry.kind === 'stream' ? null : entry.retry,
      input: schema.input ? describe(schema.input) : null,
      output: schema.output ? describe(schema.output) : null,
    };
  }
  const text = JSON.stringify({
    procedures,
    bindings: GATEWAY_BINDINGS,
    errors: GATEWAY_ERRORS,
    // How stream calls frame their parameters and results: a client framing them another way gets
    // VERSION_MISMATCH, not a misread body.
    streamFraming: STREAM_FRAMING,
  });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}
