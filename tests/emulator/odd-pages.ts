/**
 * Pages that cannot be trusted, for every list the emulator serves (AWS nextToken lists and Kubernetes' continue):
 * from page `at` on (0 is the first), a page that has more to follow answers with a token that is missing, empty,
 * not a string, the token it was asked with (repeat), the first token of the list (a cycle), or a fresh token every
 * time that leads nowhere new (endless). `pageItems` makes pages small (an API may return fewer items than asked
 * for), so that a few items span several pages. The emulator counts the requests of the odd list and answers
 * 500 after `cap` of them, so that a client that loops shows up in the count rather than hanging the test.
 */

export type OddPageKind = "missing" | "empty" | "number" | "list" | "object" | "repeat" | "cycle" | "endless";

export const ODD_PAGE_KINDS: readonly OddPageKind[] = ["missing", "empty", "number", "list", "object", "repeat", "cycle", "endless"];

const ENDLESS = "endless-";

/** Where one API keeps its paging fields. */
export interface PagingFields {
  /** The request's token field (a body member, or a query parameter for REST lists). */
  request: string;
  /** The answer's token field (a path like `metadata.continue` for Kubernetes). */
  response: string;
  /** The request's page size field. */
  size: string;
  /** Where the request's fields are: a JSON body or the query string. */
  location: "body" | "query";
}

/** Every paginated read the cleaner makes, as the emulator serves it (`service/operation`). */
export const PAGED_OPERATIONS: Record<string, PagingFields> = {
  "ecr/DescribeRepositories": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "ecr/DescribeImages": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "ecs/ListClusters": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "ecs/ListTasks": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "ecs/ListServices": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "ecs/ListTaskDefinitionFamilies": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "ecs/ListTaskDefinitions": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "lambda/ListFunctions": { request: "Marker", response: "NextMarker", size: "MaxItems", location: "query" },
  "apprunner/ListServices": { request: "NextToken", response: "NextToken", size: "MaxResults", location: "body" },
  "batch/DescribeJobDefinitions": { request: "nextToken", response: "nextToken", size: "maxResults", location: "body" },
  "eks/ListClusters": { request: "nextToken", response: "nextToken", size: "maxResults", location: "query" },
};

export class OddPages {
  /** Requests of the odd list served so far. */
  requests = 0;
  /** The page each token leads to. */
  private readonly positionOf = new Map<string, number>();
  /** The token an endless token stands for (the one page `at` was asked with). */
  private endlessFrom: string | undefined;
  private endlessCount = 0;
  private firstToken: string | undefined;

  constructor(
    readonly kind: OddPageKind,
    readonly at: number,
    readonly pageItems: number,
    readonly cap = 500,
  ) {}

  /** Whether this request is past the cap (then answered with a server error). */
  overCap(): boolean {
    return ++this.requests > this.cap;
  }

  /** The token to serve this request with: an endless token stands for the real one it came from. */
  incoming(token: string | undefined): string | undefined {
    return token?.startsWith(ENDLESS) ? this.endlessFrom : token;
  }

  /** The page size to serve with: at most `pageItems`. */
  size(asked: number | undefined): number {
    return asked === undefined ? this.pageItems : Math.min(asked, this.pageItems);
  }

  /**
   * The answer's token: `asked` is the token the request came with, `next` the token the page would give. Returns
   * `{ remove: true }` to leave the field out, else `{ value }`.
   */
  outgoing(asked: string | undefined, next: string | undefined): { remove: true } | { value: unknown } {
    const position = asked === undefined ? 0 : asked.startsWith(ENDLESS) ? this.at : (this.positionOf.get(asked) ?? 0);
    if (next !== undefined && !this.positionOf.has(next)) this.positionOf.set(next, position + 1);
    if (asked === undefined && next !== undefined) this.firstToken = next;
    if (asked?.startsWith(ENDLESS)) return { value: `${ENDLESS}${++this.endlessCount}` };
    if (next === undefined || position < this.at) return next === undefined ? { remove: true } : { value: next };
    switch (this.kind) {
      case "missing":
        return { remove: true };
      case "empty":
        return { value: "" };
      case "number":
        return { value: 7 };
      case "list":
        return { value: [next] };
      case "object":
        return { value: { token: next } };
      case "repeat":
        return { value: asked ?? next };
      case "cycle":
        return { value: position >= 1 ? this.firstToken : next };
      case "endless":
        this.endlessFrom = asked;
        return { value: `${ENDLESS}${++this.endlessCount}` };
    }
  }
}

/** Sets (or removes) `path` (`a.b`) in `target`. */
export function setPath(target: Record<string, unknown>, path: string, change: { remove: true } | { value: unknown }): void {
  const parts = path.split(".");
  let cursor = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof cursor[part] !== "object" || cursor[part] === null) cursor[part] = {};
    cursor = cursor[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if ("remove" in change) delete cursor[last];
  else cursor[last] = change.value;
}

export function getPath(source: unknown, path: string): unknown {
  let cursor = source;
  for (const part of path.split(".")) cursor = typeof cursor === "object" && cursor !== null ? (cursor as Record<string, unknown>)[part] : undefined;
  return cursor;
}
