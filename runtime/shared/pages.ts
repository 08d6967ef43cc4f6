/**
 * The one rule every paginated read follows: a page that promises more without a usable new token fails the read
 * closed, never reads as the last page and never loops. A token is usable when it is a non-empty string that no
 * earlier page of this read gave. A page promises more when it carries a token at all (anything but absent or
 * null), or when the protocol says so otherwise (Kubernetes' `remainingItemCount`, S3's `IsTruncated`). And a read
 * ends within MAX_PAGES pages, or fails. A page without its list (an error or an empty body the SDK read as an output,
 * answers.ts) is no page of the list: it fails the read too.
 *
 * The SDK's paginators (createPaginator in @smithy/core) stop at a token that is missing or empty, may stop silently
 * at a repeated one (stopOnSameToken) and otherwise loop on it, and send whatever else the page gave; so every
 * paginator's pages go through `trustedPages`, which checks a page before the paginator can ask for the next one:
 * the checks add no calls.
 */

import { listIn, named } from "./answers";

/** Pages of one read: 10 000 pages are 10 million images of ECR, 5 million pods at kubectl's 500 a page. */
export const MAX_PAGES = 10_000;

/** Tests shorten the bound with this variable (a whole number from 1 to MAX_PAGES; anything else is ignored). */
export const MAX_PAGES_ENV = "ECR_CLEANUP_MAX_PAGES";

export function maxPages(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MAX_PAGES_ENV]?.trim();
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_PAGES ? n : MAX_PAGES;
}

/** A list that cannot be trusted: what was read of it must not be used as the whole. */
export class UntrustedListError extends Error {
  constructor(
    readonly list: string,
    readonly page: number,
    readonly why: string,
  ) {
    super(`${list}: page ${page} ${why}; the list cannot be trusted to be complete, so it is not used`);
    this.name = "UntrustedListError";
  }
}

function describeToken(token: unknown): string {
  if (Array.isArray(token)) return "a list";
  if (token === null) return "null";
  return typeof token === "object" ? "an object" : `${typeof token} ${JSON.stringify(token)}`;
}

/** Follows the tokens of one read, page by page. */
export class PageTrail {
  private readonly seen = new Set<string>();
  private previous: string | undefined;
  private pages = 0;

  constructor(
    /** What errors call the read: the API and what it lists (`ECR DescribeImages of repository app`). */
    private readonly list: string,
    private readonly limit = maxPages(),
  ) {}

  /**
   * The token to ask the next page with, or undefined when `token` says this page was the last. Throws an
   * UntrustedListError for a page that promises more (`moreFollows`, or any token present) without a usable new
   * token, and for a page past the bound.
   */
  next(token: unknown, moreFollows = false): string | undefined {
    const page = ++this.pages;
    if (token === undefined || token === null) {
      if (moreFollows) throw new UntrustedListError(this.list, page, "says more items follow but gives no token to read them with");
      return undefined;
    }
    if (typeof token !== "string") throw new UntrustedListError(this.list, page, `gives a next token that is not a string (${describeToken(token)})`);
    if (token === "") throw new UntrustedListError(this.list, page, "gives an empty next token");
    if (token === this.previous) throw new UntrustedListError(this.list, page, "gives the same next token as the page before it");
    if (this.seen.has(token)) throw new UntrustedListError(this.list, page, "gives a next token that an earlier page gave (the list goes round in a circle)");
    if (page >= this.limit) throw new UntrustedListError(this.list, page, `still says more follows after ${this.limit} pages, the most a list is read to`);
    this.seen.add(token);
    this.previous = token;
    return token;
  }
}

/** Where one paginator's pages keep their items and their next token. */
export interface PageFields<P> {
  /** The page's list: a page without it as an array is not a page of the list (an error or empty body read as one). */
  items: keyof P;
  /** The next token. */
  token: keyof P;
  /** Whether the page says more follow otherwise than by its token. */
  moreFollows?: (page: P) => boolean;
}

/**
 * The pages of an SDK paginator, each checked before it is used and before the paginator may ask for the next:
 * a page without its list, and a page whose token cannot be trusted, end the read with an error naming the list.
 */
export async function* trustedPages<P>(pages: AsyncIterable<P>, list: string, fields: PageFields<P>): AsyncGenerator<P, void, undefined> {
  const trail = new PageTrail(list);
  let page = 0;
  try {
    for await (const answer of pages) {
      page++;
      listIn(answer, fields.items, `${list}: page ${page}`);
      trail.next(answer[fields.token], fields.moreFollows?.(answer) ?? false);
      yield answer;
    }
  } catch (err) {
    throw named(err, list);
  }
}
