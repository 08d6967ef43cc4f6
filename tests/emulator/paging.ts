/**
 * nextToken paging. A token is an opaque cursor (the sort key of the last item returned), so a page after a delete or
 * a push neither skips nor repeats the items that were already there; it is bound to the request it came from.
 */
import { invalidParameter, type AwsError } from "./protocol";

/** Page size when maxResults is omitted (ECR reference: "returns up to 100 results and a nextToken value"). */
export const DEFAULT_PAGE_SIZE = 100;

/** Sort key: insertion sequence number, then a name (a tag, for ListImages). */
export type Cursor = readonly [number, string];

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * `source(after)` yields the items in `keyOf` order, starting anywhere at or before the cursor `after` (from the
 * start when there is none); `scope` names the request (operation, repository, filter). `invalidToken` is the
 * service's error for a token it did not issue for this request (ECR's wording by default).
 */
export function paginate<T>(
  source: (after: Cursor | undefined) => Iterable<T>,
  keyOf: (item: T) => Cursor,
  opts: { scope: string; maxResults?: number; nextToken?: string; invalidToken?: (token: string) => AwsError },
): Page<T> {
  const after = opts.nextToken === undefined ? undefined : decode(opts.nextToken, opts.scope, opts.invalidToken);
  const size = opts.maxResults ?? DEFAULT_PAGE_SIZE;
  const page: T[] = [];
  let more = false;
  for (const item of source(after)) {
    if (after && compare(keyOf(item), after) <= 0) continue;
    if (page.length === size) {
      more = true;
      break;
    }
    page.push(item);
  }
  return { items: page, nextToken: more ? encode(opts.scope, keyOf(page[page.length - 1])) : undefined };
}

export function* where<T>(items: Iterable<T>, keep: (item: T) => boolean): Generator<T> {
  for (const item of items) if (keep(item)) yield item;
}

function compare(a: Cursor, b: Cursor): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

function encode(scope: string, after: Cursor): string {
  return Buffer.from(JSON.stringify({ s: scope, a: after }), "utf8").toString("base64");
}

function decode(token: string, scope: string, invalidToken?: (token: string) => AwsError): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { s?: unknown; a?: unknown };
    const a = parsed.a;
    if (parsed.s === scope && Array.isArray(a) && typeof a[0] === "number" && typeof a[1] === "string") return [a[0], a[1]];
  } catch {
    // fall through: any token we did not issue for this request is invalid
  }
  throw invalidToken ? invalidToken(token) : invalidParameter("nextToken", "Invalid NextToken");
}
