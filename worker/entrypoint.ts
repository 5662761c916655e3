import { WorkerEntrypoint } from 'cloudflare:workers';
import type { Caller } from './caller.ts';
import { GatewayError } from './errors.ts';
import { handleGatewayRequest } from './gateway.ts';
import { policyFor } from './policy.ts';

/**
 * Who is calling, as the platform knows it: set by the Durable Object that owns the container
 * (`ctx.exports.Gateway({ props })`, see api-container.ts) or by the Container class's mount
 * (container.ts), never by anything the container sends.
 */
export interface GatewayProps {
  /** The container's id: the Durable Object's id (`ctx.id.toString()`, the Container class's `containerId`). */
  containerId: string;
  /** The instance's name (`instance-0` …, instances.ts), for the log lines, when the mount knows it. */
  instance?: string | undefined;
}

// An id that cannot step out of a key prefix built from it ("/") nor break a log line.
const PROP_ID = /^[\w.:-]{1,128}$/;

/** The caller `props` name, or undefined when they name none (no props, or not the mount's shape). */
export function callerOfProps(props: unknown): Caller | undefined {
  if (typeof props !== 'object' || props === null) return undefined;
  const { containerId, instance } = props as Record<string, unknown>;
  if (typeof containerId !== 'string' || !PROP_ID.test(containerId)) return undefined;
  if (instance !== undefined && (typeof instance !== 'string' || !PROP_ID.test(instance))) return undefined;
  return instance === undefined
    ? { transport: 'outbound', id: containerId }
    : { transport: 'outbound', id: containerId, instance };
}

/** The caller a refused request is logged as. */
const UNIDENTIFIED: Caller = { transport: 'outbound', id: 'unidentified' };

/**
 * Serves a container's gateway call for the caller its mount's props name. Both production mounts
 * hand their requests here: the `Gateway` entrypoint (ctx.container interception) and the Container
 * class's `outboundByHost` (container.ts). Props that name no caller get `FORBIDDEN`, in the
 * gateway's own error shape, for every call of the request.
 */
export function serveContainerCall(
  request: Request,
  env: Env,
  props: unknown,
  waitUntil?: (promise: Promise<unknown>) => void,
): Promise<Response> {
  const caller = callerOfProps(props);
  return handleGatewayRequest(request, env, caller ?? UNIDENTIFIED, {
    policy: policyFor(env),
    ...(waitUntil ? { waitUntil } : {}),
    refusal: caller
      ? undefined
      : new GatewayError('FORBIDDEN', 'the gateway serves containers only: its mount set no caller'),
  });
}

/**
 * The gateway as a named entrypoint of the Worker. A Durable Object that owns a container routes
 * the container's requests to `http://gateway.internal` here, with the container's identity as props:
 *
 * @example
 * await ctx.container.interceptOutboundHttp(
 *   'gateway.internal',
 *   ctx.exports.Gateway({ props: { containerId: ctx.id.toString(), instance: 'instance-0' } }),
 * );
 */
export class Gateway extends WorkerEntrypoint<Env, GatewayProps> {
  override fetch(request: Request): Promise<Response> {
    return serveContainerCall(request, this.env, this.ctx.props, (promise) => this.ctx.waitUntil(promise));
  }
}
