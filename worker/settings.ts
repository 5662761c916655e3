import { GatewayError } from './errors.ts';

/**
 * The Worker's settings, as read from its variables. wrangler.toml's `[vars]` give typed values
 * (`false`, `3`); `.dev.vars`, `wrangler dev --var` and the dashboard's text variables give the
 * same settings as text (`"false"`, `"3"`). Both read the same here: a boolean is `true` or `false`
 * (any case), a number is digits; anything else is invalid, and invalid settings refuse every call
 * rather than run with a default the operator did not choose (a confinement silently off).
 */
export interface Settings {
  /** `CONFINE_KEYS_TO_CALLER`: each caller's KV and R2 keys under `callers/<its id>/`. */
  confineKeysToCaller: boolean;
  /** `CONTAINER_INSTANCES`: how many container instances `/api/*` is spread over (at least 1). */
  containerInstances: number;
  /** `FAIR_SHARE_MAX_CONCURRENT`: calls one caller may have running in an isolate; 0: no limit. */
  fairShareMaxConcurrent: number;
  /** `FAIR_SHARE_MAX_WAIT_MS`: how long a call over that waits for a slot, in ms; 0: not at all. */
  fairShareMaxWaitMs: number;
}

/** The variables the settings come from; any of them may be missing (then its default holds). */
export interface SettingsEnv {
  CONFINE_KEYS_TO_CALLER?: unknown;
  CONTAINER_INSTANCES?: unknown;
  FAIR_SHARE_MAX_CONCURRENT?: unknown;
  FAIR_SHARE_MAX_WAIT_MS?: unknown;
}

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; problems: string[] };

const describe = (raw: unknown) => (typeof raw === 'string' ? JSON.stringify(raw) : String(raw));

/** A boolean, from `true`/`false` or their text; `undefined` keeps the default. */
export function parseBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/** A whole number, from a number or its digits; `undefined` if it is neither. */
export function parseWholeNumber(raw: unknown): number | undefined {
  const value =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\d+$/.test(raw.trim())
        ? Number(raw)
        : Number.NaN;
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Reads every setting; the problems name each invalid one, with its value and what it must be. */
export function readSettings(env: SettingsEnv): SettingsResult {
  const problems: string[] = [];
  const boolean = (name: keyof SettingsEnv, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    const value = parseBoolean(raw);
    if (value === undefined) problems.push(`${name} must be true or false, not ${describe(raw)}`);
    return value ?? fallback;
  };
  const whole = (name: keyof SettingsEnv, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    const value = parseWholeNumber(raw);
    if (value === undefined || value < min) {
      problems.push(`${name} must be a whole number of at least ${min}, not ${describe(raw)}`);
    }
    return value ?? fallback;
  };
  const settings: Settings = {
    confineKeysToCaller: boolean('CONFINE_KEYS_TO_CALLER', false),
    containerInstances: whole('CONTAINER_INSTANCES', 1, 1),
    fairShareMaxConcurrent: whole('FAIR_SHARE_MAX_CONCURRENT', 0, 0),
    fairShareMaxWaitMs: whole('FAIR_SHARE_MAX_WAIT_MS', 0, 0),
  };
  return problems.length === 0 ? { ok: true, settings } : { ok: false, problems };
}

/** Why calls are refused: the settings named in the log line. */
export class InvalidSettings extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid settings: ${problems.join('; ')}`);
    this.name = 'InvalidSettings';
    this.problems = problems;
  }
}

// The problems last logged by this isolate: one line when they appear, not one per request.
let logged = '';

/**
 * The settings, or, when one is invalid, the refusal every call gets: `INTERNAL` (the caller learns
 * only that the gateway is not serving; the log says why), with one log line the first time.
 *
 * @example
 * const settings = settingsOrRefusal(env);
 * if (settings instanceof GatewayError) throw settings;
 */
export function settingsOrRefusal(
  env: SettingsEnv,
  log: (line: string) => void = console.error,
): Settings | GatewayError {
  const read = readSettings(env);
  if (read.ok) return read.settings;
  const line = JSON.stringify({
    event: 'gateway.invalid_settings',
    message: `${read.problems.join('; ')}: every call is refused until this is fixed (wrangler.toml [vars], .dev.vars, --var or the dashboard)`,
  });
  if (line !== logged) {
    logged = line;
    log(line);
  }
  return new GatewayError('INTERNAL', 'the gateway is misconfigured', {
    cause: new InvalidSettings(read.problems),
  });
}

/** Whether an error is the invalid-settings refusal (logged once already, not per call). */
export function isSettingsRefusal(error: unknown): boolean {
  return error instanceof GatewayError && error.cause instanceof InvalidSettings;
}
