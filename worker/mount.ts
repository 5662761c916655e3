/**
 * How the container is mounted, from wrangler.toml's `CONTAINER_MOUNT` (README, "Two mounts"):
 * - `durable-object`: ApiContainer (api-container.ts), Cloudflare's current API: `ctx.container`,
 *   the gateway as the `Gateway` entrypoint with props. The default.
 * - `container-class`: Backend (container.ts), `@cloudflare/containers`' Container class, the gateway
 *   behind its `outboundByHost`.
 */
export const CONTAINER_MOUNTS = ['durable-object', 'container-class'] as const;

export type ContainerMount = (typeof CONTAINER_MOUNTS)[number];

/** The mount `CONTAINER_MOUNT` names; unset is the default. Any other value is a configuration error. */
export function containerMount(env: { CONTAINER_MOUNT?: string | undefined }): ContainerMount {
  const value = env.CONTAINER_MOUNT ?? 'durable-object';
  const mount = CONTAINER_MOUNTS.find((known) => known === value);
  if (!mount) {
    throw new Error(
      `CONTAINER_MOUNT must be ${CONTAINER_MOUNTS.map((m) => `"${m}"`).join(' or ')}, not "${value}"`,
    );
  }
  return mount;
}
