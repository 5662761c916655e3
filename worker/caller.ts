import type { z } from 'zod';
import type { gateway } from '../shared/index.ts';

/**
 * Who is calling the gateway, as established by the transport that received the request:
 * `outbound`, a container through `outboundByHost`, with its `ctx.containerId` as `id`; `dev`, the
 * local session's token route; `test`, the test suites.
 */
export type Caller = z.infer<typeof gateway.info.output>['caller'];
