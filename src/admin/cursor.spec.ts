import { DomainError } from '../common/errors/domain-error.js';
import { BIGINT_ID, decodeCursor, encodeCursor, TEXT_ID, toPage, UUID_ID } from './cursor.js';

const AT = '2025-11-22T10:00:00.123456Z';
const ID = '3f1c2a4e-8b9d-4c1e-9f00-0123456789ab';

describe('admin list cursors', () => {
  it('round-trips the position (microseconds kept) and is opaque text', () => {
    const cursor = encodeCursor({ at: AT, id: ID });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, UUID_ID)).toEqual({ at: AT, id: ID });
  });

  it('no cursor is the first page', () => {
    expect(decodeCursor(undefined, UUID_ID)).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', '!!!'],
    ['JSON of the wrong shape', Buffer.from('{"at":"x"}').toString('base64url')],
    ['a timestamp without microseconds', encodeCursor({ at: '2025-11-22T10:00:00Z', id: ID })],
    ['an impossible date', encodeCursor({ at: '2025-13-45T10:00:00.000000Z', id: ID })],
    ['an id of the wrong kind', encodeCursor({ at: AT, id: 'mcp_abc' })],
    ['a third element', Buffer.from(JSON.stringify([AT, ID, 'x'])).toString('base64url')],
    ['the 31st of February', encodeCursor({ at: '2021-02-31T10:00:00.000000Z', id: ID })],
    ['year 0', encodeCursor({ at: '0000-01-01T10:00:00.000000Z', id: ID })],
    ['24:00', encodeCursor({ at: '2021-01-01T24:00:00.000000Z', id: ID })],
  ])('%s: invalid_input', (_name, cursor) => {
    let error: unknown;
    try {
      decodeCursor(cursor, UUID_ID);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('invalid_input');
  });

  it.each([
    [BIGINT_ID, '1', true],
    [BIGINT_ID, '9223372036854775807', true],
    [BIGINT_ID, '9223372036854775808', false],
    [BIGINT_ID, '9999999999999999999', false],
    [BIGINT_ID, '0', false],
    [BIGINT_ID, '01', false],
    [TEXT_ID, 'mcp_abc', true],
    [TEXT_ID, 'https://app.example/client.json', true],
    [TEXT_ID, 'mcp_\u0000', false],
    [TEXT_ID, 'x\ud800', false],
    [TEXT_ID, '', false],
    [UUID_ID, ID, true],
    [UUID_ID, 'mcp_abc', false],
  ])('id check %#: %j -> %j', (check, id, ok) => {
    expect(check(id)).toBe(ok);
    const decode = () => decodeCursor(encodeCursor({ at: AT, id }), check);
    if (ok) expect(decode()).toEqual({ at: AT, id });
    else expect(decode).toThrow(/^cursor: /);
  });

  it('a page keeps `limit` rows and points after the last one only when another row exists', () => {
    const rows = [1, 2, 3].map((n) => ({ id: `${n}`, cursorAt: `2025-11-22T10:00:0${n}.000000Z`, title: `t${n}` }));
    const full = toPage(rows, 2, (r) => r.id);
    expect(full.items).toEqual([
      { id: '1', title: 't1' },
      { id: '2', title: 't2' },
    ]);
    expect(decodeCursor(full.nextCursor!, BIGINT_ID)).toEqual({ at: '2025-11-22T10:00:02.000000Z', id: '2' });
    expect(toPage(rows.slice(0, 2), 2, (r) => r.id).nextCursor).toBeNull();
    expect(toPage([], 2, (r: { id: string; cursorAt: string }) => r.id)).toEqual({ items: [], nextCursor: null });
  });
});
