/** The benchmark's shared formatting: seconds, and the API calls made against the fewest the APIs allow. */

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A row per operation that has a minimum (its name padded to `width`), then the calls of any other operation on one line. */
export function callRows(calls: Record<string, number>, minimum: Record<string, number>, width: number): string[] {
  const rows = Object.entries(minimum).map(([operation, least]) => {
    const made = calls[operation] ?? 0;
    return `    ${operation.padEnd(width)} ${String(made).padStart(6)} calls, minimum ${String(least).padStart(6)}, ratio ${(made / least).toFixed(2)}`;
  });
  const extra = Object.keys(calls).filter((op) => !(op in minimum));
  if (extra.length) rows.push(`    other calls: ${extra.map((op) => `${op} ${calls[op]}`).join(", ")}`);
  return rows;
}
