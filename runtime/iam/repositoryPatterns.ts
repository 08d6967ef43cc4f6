/**
 * The fewest repository names and globs that still grant exactly what the policies need: an entry is dropped when
 * another entry of the policies already matches every name it matches (`team/app` under `team/*`). No glob is ever
 * made up, so the grant is never wider than the policies' own entries.
 */

/**
 * Whether `general` matches every name that `specific` matches (globs: `*` any run of characters, `?` one). Decided
 * on the patterns themselves: a wildcard of `specific` is covered only by a wildcard of `general` at least as wide
 * (`*` by `*`; `?` by `?` or `*`), so the answer is never yes when it should be no.
 */
export function globCovers(general: string, specific: string): boolean {
  const memo = new Map<number, boolean>();
  const covers = (i: number, j: number): boolean => {
    const key = i * (specific.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === general.length) result = j === specific.length;
    else if (general[i] === "*") result = covers(i + 1, j) || (j < specific.length && covers(i, j + 1));
    else if (j === specific.length || specific[j] === "*") result = false;
    else if (general[i] === "?") result = covers(i + 1, j + 1);
    else result = specific[j] === general[i] && covers(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return covers(0, 0);
}

/** The entries that no other entry covers, sorted; of two entries that cover each other, the shorter (then the first in order) stays. */
export function minimalPatterns(entries: readonly string[]): string[] {
  const candidates = [...new Set(entries)].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const kept: string[] = [];
  for (const entry of candidates) {
    if (kept.some((k) => globCovers(k, entry))) continue;
    // Kept entries that this one covers go: anything they match, it matches.
    for (let i = kept.length - 1; i >= 0; i--) if (globCovers(entry, kept[i])) kept.splice(i, 1);
    kept.push(entry);
  }
  return kept.sort();
}
