/** Durations as the policy file writes them: a whole number of days, or a whole number and one unit. */

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export const DAY_MS = UNIT_MS.d;

const DURATION = /^(\d+)([smhdw])$/;

/** Milliseconds for `7` (days) or `"36h"`; undefined when the value is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? value * DAY_MS : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  return Number.isSafeInteger(amount) ? amount * UNIT_MS[match[2]] : undefined;
}
