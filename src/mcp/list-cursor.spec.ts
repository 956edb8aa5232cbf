import { ProtocolErrorCode } from '@modelcontextprotocol/server';
import { decodeListCursor, encodeListCursor } from './list-cursor.js';

describe('resources/list cursors', () => {
  it('round-trip a position', () => {
    expect(decodeListCursor(encodeListCursor({ source: 0, inner: 'abc|def' }), 1)).toEqual({ source: 0, inner: 'abc|def' });
    expect(decodeListCursor(encodeListCursor({ source: 1 }), 2)).toEqual({ source: 1, inner: undefined });
  });

  it.each([
    ['not base64url', 'a b'],
    ['empty', ''],
    ['not JSON', Buffer.from('{{').toString('base64url')],
    ['an object', Buffer.from('{"source":0}').toString('base64url')],
    ['a source out of range', encodeListCursor({ source: 3 })],
    ['a negative source', Buffer.from('[-1]').toString('base64url')],
    ['a fractional source', Buffer.from('[0.5]').toString('base64url')],
    ['an inner cursor that is not a string', Buffer.from('[0,5]').toString('base64url')],
    ['an empty inner cursor', Buffer.from('[0,""]').toString('base64url')],
    ['an inner cursor too long', encodeListCursor({ source: 0, inner: 'x'.repeat(513) })],
    ['too long', 'A'.repeat(2000)],
    ['three elements', Buffer.from('[0,"a","b"]').toString('base64url')],
    ['a NUL', `${encodeListCursor({ source: 0 })}\u0000`],
  ])('%s: -32602', (_why, cursor) => {
    expect(() => decodeListCursor(cursor, 2)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.InvalidParams }));
  });

  it('a non-string: -32602', () => {
    expect(() => decodeListCursor(42, 2)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.InvalidParams }));
  });
});
