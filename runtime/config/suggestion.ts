/**
 * "Did you mean" for an unknown field: a misspelled key is ignored by nothing, it is refused, and the refusal says
 * which known key was probably meant (`protected_peroid`: did you mean protected_period?).
 */

/**
 * Damerau–Levenshtein distance (the optimal string alignment variant): the fewest insertions, deletions,
 * substitutions and swaps of two neighbouring characters that turn `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between a's first i characters and b's first j.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2][j - 2] + 1);
      rows[i][j] = best;
    }
  }
  return rows[a.length][b.length];
}

/** A key as a slip of case or separator leaves it: `protectedPeriod`, `protected-period` and `PROTECTED_PERIOD` are one. */
const folded = (key: string) => key.toLowerCase().replace(/[_-]/g, "");

/**
 * How many edits a key of this (folded) length may be from a known one and still be a slip rather than another
 * word. None for the shortest: `ec2` is not a typo of `ecs`, and suggesting it would turn off the wrong source.
 */
function tolerance(length: number): number {
  if (length <= 3) return 0;
  if (length <= 5) return 1;
  return length <= 9 ? 2 : 3;
}

/**
 * The known keys `key` most probably meant: the closest ones once case and separators are set aside, if close
 * enough; none when nothing is. Several only when they are equally close.
 */
export function closestKeys(key: string, known: readonly string[]): string[] {
  const typed = folded(key);
  const within = known.filter((candidate) => candidate !== key).map((candidate) => ({ candidate, distance: editDistance(typed, folded(candidate)) }))
    .filter(({ distance }) => distance <= tolerance(typed.length));
  const best = Math.min(...within.map(({ distance }) => distance));
  return [...new Set(within.filter(({ distance }) => distance === best).map(({ candidate }) => candidate))];
}

/**
 * The message for an unknown key: with a suggestion among `known` when one is close. Keys the mapping already has
 * (`present`) are not suggested: the typo is then not a misspelling of them.
 */
export function unknownFieldMessage(key: string, known: readonly string[], present: readonly string[] = []): string {
  return `unknown field${didYouMean(key, known.filter((candidate) => !present.includes(candidate)))}`;
}

/** `; did you mean X?` (or `X or Y`) when a name in `known` is close to `key`; empty when none is. */
export function didYouMean(key: string, known: readonly string[]): string {
  const closest = closestKeys(key, known);
  if (!closest.length) return "";
  const listed = closest.length === 1 ? closest[0] : `${closest.slice(0, -1).join(", ")} or ${closest[closest.length - 1]}`;
  return `; did you mean ${listed}?`;
}
