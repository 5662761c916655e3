import { z } from 'zod';
import { GATEWAY_BINDINGS } from './bindings.ts';
import { GATEWAY_ERRORS } from './errors.ts';
import { db } from './schemas/db.ts';
import { gateway } from './schemas/gateway.ts';
import { kv } from './schemas/kv.ts';
import { r2 } from './schemas/r2.ts';
import { STREAM_FRAMING, streams } from './schemas/streams.ts';

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
 * A hash of everything a client and a gateway must agree on: each procedure's input and output
 * schema, each stream call's input and their framing, the binding names and the error codes. `CONTRACT_VERSION` (version.ts) is this value,
 * written by `npm run contract:version`; a test fails when they differ.
 */
export async function computeContractVersion(): Promise<string> {
  const procedures: Record<string, unknown> = {};
  for (const [space, calls] of Object.entries({ db, kv, r2, gateway })) {
    for (const [name, call] of Object.entries(
      calls as Record<string, { input?: z.ZodType; output: z.ZodType }>,
    )) {
      procedures[`${space}.${name}`] = {
        input: call.input ? describe(call.input) : null,
        output: describe(call.output),
      };
    }
  }
  for (const [name, call] of Object.entries(streams))
    procedures[name] = { input: describe(call.input), stream: true };
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
