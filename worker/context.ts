/** Who is calling the gateway, as established by the transport that received the request. */
export interface Caller {
  /** `outbound`: a container, through `outboundByHost`; `dev`: the local session's token route. */
  transport: 'outbound' | 'dev' | 'test';
  /** The container's id (`ctx.containerId`) or another stable name for the caller. */
  id: string;
}

/** The tRPC context: the same router serves every transport; only the caller differs. */
export interface GatewayContext {
  env: Env;
  caller: Caller;
}
