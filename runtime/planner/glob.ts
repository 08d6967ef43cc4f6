/** Glob matching for tag and repository names: `*` is any run of characters (`/` included, as in IAM ARNs), `?` one character; case-sensitive. */

const compiled = new Map<string, RegExp>();

export function isGlob(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

export function globToRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, "s");
    compiled.set(pattern, re);
  }
  return re;
}

export function globMatches(pattern: string, name: string): boolean {
  return isGlob(pattern) ? globToRegExp(pattern).test(name) : pattern === name;
}

export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globMatches(p, name));
}
