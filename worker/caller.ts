import type { z } from 'zod';
import type { gateway } from '../shared/index.ts';

/**
 * Who is calling the gateway, as established by the transport that received the request:
 * `outbound`, a container through one of the production mounts (entrypoint.ts), with its container
 * id as `id`; `dev`, the local session's token route; `test`, the test suites. `instance` is the
 * container instance's name when the mount knows it: for the log lines only (`gateway.info` answers
 * the contract's `transport` and `id`).
 */
export type Caller = z.infer<typeof gateway.info.output>['caller'] & { instance?: string };
