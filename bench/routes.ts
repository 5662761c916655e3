/** The bench Worker's gateway route without the log line or token check (attribution only). */
export const QUIET_GATEWAY_PATH = '/__quiet/trpc';
