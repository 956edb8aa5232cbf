import { DomainError } from '../common/errors/domain-error.js';

/** GitHub serves at most 1,000 results of a search, and this server pages no deeper than that in lists either. */
export const MAX_PAGE = 1000;

/** An opaque cursor for the next page of a GitHub listing (its page number, which GitHub's REST API pages by). */
export function encodePageCursor(page: number): string {
  return Buffer.from(`p${page}`).toString('base64url');
}

/** Page 1 without a cursor; a cursor that this server did not make is invalid input naming the tool that makes them. */
export function decodePageCursor(cursor: string | undefined, tool: string): number {
  if (cursor === undefined) return 1;
  const m = /^p([1-9]\d{0,3})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  const page = m ? Number(m[1]) : NaN;
  if (!(page >= 1 && page <= MAX_PAGE) || encodePageCursor(page) !== cursor) throw new DomainError('invalid_input', `cursor: not a cursor returned by ${tool}`);
  return page;
}

/** The page number of `rel="next"` in a GitHub Link header (RFC 8288), if there is a next page. */
export function nextPageOf(link: string | undefined): number | undefined {
  const next = link?.split(',').find((part) => /;\s*rel="?next"?/.test(part));
  const url = next && /<([^>]+)>/.exec(next)?.[1];
  if (!url) return undefined;
  try {
    const page = Number(new URL(url).searchParams.get('page'));
    return Number.isInteger(page) && page > 1 && page <= MAX_PAGE ? page : undefined;
  } catch {
    return undefined;
  }
}
