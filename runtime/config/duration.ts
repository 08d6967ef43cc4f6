/** Durations as the policy file writes them: a whole number of days, or a whole number and one unit. */

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export const DAY_MS = UNIT_MS.d;

/** The longest duration a policy may give: 100 years. Anything longer is a typo, or a number too large to be exact. */
export const MAX_POLICY_DURATION_MS = 36_500 * DAY_MS;

const DURATION = /^(\d+)([smhdw])$/;

/**
 * The amount and unit of `7` (days) or `"36h"`, the amount however large (so possibly not exact: a bigint is a YAML
 * integer beyond 2^53); undefined when the value is not a duration.
 */
function durationParts(value: unknown): { amount: number; unitMs: number } | undefined {
  if (typeof value === "bigint") return value >= 0n ? { amount: Number(value), unitMs: DAY_MS } : undefined;
  if (typeof value === "number") {
    return value >= 0 && (Number.isInteger(value) || value === Infinity) ? { amount: value, unitMs: DAY_MS } : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = DURATION.exec(value.trim());
  return match ? { amount: Number(match[1]), unitMs: UNIT_MS[match[2]] } : undefined;
}

/** Milliseconds for `7` (days) or `"36h"`; undefined when the value is not a duration or its amount is not exact. */
export function parseDuration(value: unknown): number | undefined {
  const parts = durationParts(value);
  return parts && Number.isSafeInteger(parts.amount) ? parts.amount * parts.unitMs : undefined;
}

/** A policy's duration in milliseconds; "too-long" beyond 100 years, exact or not; undefined when not a duration. */
export function parsePolicyDuration(value: unknown): number | "too-long" | undefined {
  const parts = durationParts(value);
  if (!parts) return undefined;
  const ms = parts.amount * parts.unitMs;
  return ms > MAX_POLICY_DURATION_MS ? "too-long" : ms;
}
