/** A bench flag's count: a positive integer, or `fallback` when the flag is absent. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive integer, not ${value}`);
  return n;
}
