/**
 * The local session's variables, from `.dev.vars` only (see `.dev.vars.example`). They are not in
 * wrangler.toml, so `wrangler types` does not know them, and a deployed Worker has neither.
 */
export interface LocalSessionVars {
  /**
   * Send `/api/*` to this URL instead of the Container (no Docker here); to several, comma-separated,
   * one per local container instance, spread over as the deployed Worker spreads over instances.
   */
  CONTAINER_DEV_URL?: string;
  /** Serve the gateway at `/__gateway/trpc` to callers that present this bearer token. */
  GATEWAY_DEV_TOKEN?: string;
}

export type WorkerEnv = Env & LocalSessionVars;
