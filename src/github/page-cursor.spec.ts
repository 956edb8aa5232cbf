import fc from 'fast-check';
import { DomainError } from '../common/errors/domain-error.js';
import { decodePageCursor, encodePageCursor, MAX_PAGE, nextPageOf } from './page-cursor.js';

describe('page cursors', () => {
  it('round-trips every page number, as an opaque URL-safe string', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_PAGE }), (page) => {
        const cursor = encodePageCursor(page);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(cursor).not.toContain(String(page));
        expect(decodePageCursor(cursor, 'tool')).toBe(page);
      }),
    );
  });

  it('is page 1 without a cursor', () => {
    expect(decodePageCursor(undefined, 'tool')).toBe(1);
  });

  it('refuses anything it did not make with invalid input naming the tool, and never throws anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (cursor) => {
        try {
          const page = decodePageCursor(cursor, 'github.issues.list');
          expect(encodePageCursor(page)).toBe(cursor);
        } catch (e) {
          expect(e).toBeInstanceOf(DomainError);
          expect(e).toMatchObject({ code: 'invalid_input', message: 'cursor: not a cursor returned by github.issues.list' });
        }
      }),
    );
    for (const bad of [encodePageCursor(0), encodePageCursor(MAX_PAGE + 1), Buffer.from('p01').toString('base64url'), `${encodePageCursor(2)}=`]) {
      expect(() => decodePageCursor(bad, 't')).toThrow(DomainError);
    }
  });

  it('reads the next page from an RFC 8288 Link header', () => {
    const link =
      '<https://api.github.com/repositories/1000/issues?per_page=3&page=2>; rel="next", <https://api.github.com/repositories/1000/issues?per_page=3&page=5>; rel="last"';
    expect(nextPageOf(link)).toBe(2);
    expect(nextPageOf('<https://x/y?page=5>; rel="last", <https://x/y?page=1>; rel="first"')).toBeUndefined();
    expect(nextPageOf(undefined)).toBeUndefined();
    expect(nextPageOf('<not a url>; rel="next"')).toBeUndefined();
    expect(nextPageOf('<https://x/y?page=99999>; rel="next"')).toBeUndefined();
  });
});
