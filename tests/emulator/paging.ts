/**
 * nextToken paging. A token is an opaque cursor (the sort key of the last item returned), so a page after a delete or
 * a push neither skips nor repeats the items that were already there; it is bound to the request it came from.
 */
import { invalidParameter } from "./protocol";

/** Page size when maxResults is omitted (ECR reference: "returns up to 100 results and a nextToken value"). */
export const DEFAULT_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** `items` must be sorted by `keyOf` ascending; `scope` names the request (operation, repository, filter). */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  opts: { scope: string; maxResults?: number; nextToken?: string },
): Page<T> {
  let start = 0;
  if (opts.nextToken !== undefined) {
    const after = decode(opts.nextToken, opts.scope);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  const size = opts.maxResults ?? DEFAULT_PAGE_SIZE;
  const page = items.slice(start, start + size);
  const more = start + size < items.length;
  return { items: page, nextToken: more ? encode(opts.scope, keyOf(page[page.length - 1])) : undefined };
}

/** Zero-padded so that numeric sequence numbers sort as strings. */
export function seqKey(seq: number, suffix = ""): string {
  return `${seq.toString().padStart(15, "0")}\u0000${suffix}`;
}

function encode(scope: string, after: string): string {
  return Buffer.from(JSON.stringify({ s: scope, a: after }), "utf8").toString("base64");
}

function decode(token: string, scope: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { s?: unknown; a?: unknown };
    if (parsed.s === scope && typeof parsed.a === "string") return parsed.a;
  } catch {
    // fall through: any token we did not issue for this request is invalid
  }
  throw invalidParameter("nextToken", "Invalid NextToken");
}
