/**
 * `group_by` patterns: RE2 syntax and linear-time matching (re2js, a pure JavaScript port of RE2), because tags are
 * written by whoever can push and a crafted tag must never stall a run. The engine is loaded on demand (`import()`):
 * the Lambda bundle carries it as a chunk of its own that only a configuration with `group_by` loads. Callers that
 * validate or plan policies with `group_by` load it first (`loadRegexEngine`), or install it (Node, synchronously).
 */
import type { RE2JS, MatcherInput } from "re2js";

type Engine = typeof RE2JS;
let engine: Engine | undefined;
let inputs: typeof MatcherInput | undefined;

/** Loads the engine once; later calls return at once. */
export async function loadRegexEngine(): Promise<void> {
  const loaded = await import("re2js");
  engine ??= loaded.RE2JS;
  inputs ??= loaded.MatcherInput;
}

/** Installs an engine imported statically (the component, whose constructor cannot wait). */
export function installRegexEngine(loaded: Engine, input?: typeof MatcherInput): void {
  engine ??= loaded;
  inputs ??= input;
}

/** RE2's ANCHOR_BOTH: the whole tag must match. */
const ANCHOR_BOTH = 2;

/**
 * The group a whole tag puts the image in. `Matcher.matches()` then `group(1)` runs the engine twice (it asks for no
 * capture first); RE2's own entry point with the anchor and one capture runs it once, which halves a plan's matching
 * time. Both are re2js 2.10's: the public Matcher path is kept for an engine without the entry point.
 */
function wholeMatchGroup(re: RE2JS): (tag: string) => string | undefined {
  const re2 = re.re2();
  const input = inputs;
  if (input && typeof re2.matchMachineInput === "function") {
    return (tag) => {
      const [matched, captures] = re2.matchMachineInput(input.utf16(tag), 0, tag.length, ANCHOR_BOTH, 2) as [boolean, number[]];
      if (!matched) return undefined;
      // A capturing group that takes no part in the match (`(a)?b` on `b`) names the group "".
      return captures[2] < 0 ? "" : tag.substring(captures[2], captures[3]);
    };
  }
  return (tag) => {
    const matcher = re.matcher(tag);
    if (!matcher.matches()) return undefined;
    return matcher.group(1) ?? "";
  };
}

/** Matches a tag against a policy's `group_by`: the group the tag puts the image in, or undefined when it does not match. */
export interface GroupPattern {
  source: string;
  groupOf(tag: string): string | undefined;
}

/** A pattern RE2 does not accept, or with other than one capturing group: the validator's message says why. */
export class GroupPatternError extends Error {}

const compiled = new Map<string, GroupPattern>();

/** Compiles (once per source) a `group_by` pattern; throws GroupPatternError when it cannot be one. */
export function compileGroupPattern(source: string): GroupPattern {
  const known = compiled.get(source);
  if (known) return known;
  if (!engine) throw new Error("the regular expression engine for group_by is not loaded (call loadRegexEngine first)");
  let re: RE2JS;
  try {
    re = engine.compile(source);
  } catch (err) {
    throw new GroupPatternError(`is not a regular expression RE2 accepts (${(err as Error).message}); RE2 has no backreferences and no lookaround`);
  }
  const groups = re.groupCount();
  if (groups !== 1) {
    throw new GroupPatternError(
      groups === 0
        ? "has no capturing group: put the part of the tag that names the group in parentheses, such as (.+)-[0-9a-f]{7,40}"
        : `has ${groups} capturing groups; it needs exactly one (write the others as (?:...))`,
    );
  }
  // Anchored in the pattern itself as well (the source alone was checked above): RE2 then runs its one-pass matcher
  // on a pattern where one character at a time decides the way (such as ([a-z0-9]+)-[0-9a-f]{7}), not its backtracker.
  const pattern: GroupPattern = { source, groupOf: wholeMatchGroup(engine.compile(`\\A(?:${source})\\z`)) };
  compiled.set(source, pattern);
  return pattern;
}
