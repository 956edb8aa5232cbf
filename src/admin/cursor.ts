import { DomainError } from '../common/errors/domain-error.js';
import { isStorableText } from '../common/text.js';
import { isUtcMicrosTimestamp } from '../common/timestamp.js';

/** A position in a newest-first list: the sort timestamp (UTC, microseconds) and the row's id. */
export interface Cursor {
  at: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Page size when the request names none. */
export const DEFAULT_PAGE_SIZE = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** Cursor id checks of the lists: each accepts exactly the ids its column can hold. */
export const UUID_ID = (id: string): boolean => UUID.test(id);
/** A bigserial id: 1 to 2^63 - 1. */
export const BIGINT_ID = (id: string): boolean => /^[1-9]\d{0,18}$/.test(id) && BigInt(id) <= BIGINT_MAX;
/** Any text id (client ids): 1 to 2000 storable characters. */
export const TEXT_ID = (id: string): boolean => id.length > 0 && id.length <= 2000 && isStorableText(id);

/**
 * SQL for the cursor timestamp of `column`, as text with Postgres' full microsecond precision (a JS
 * Date keeps milliseconds only, which would skip or repeat rows at a page boundary).
 */
export function cursorAtSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

/**
 * The cursor a previous page returned, or undefined for the first page; anything else is a 400
 * (SECURITY 36: a real timestamp and an id of the column's type, before Postgres sees either).
 */
export function decodeCursor(value: string | undefined, isId: (id: string) => boolean): Cursor | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalidCursor();
  const [at, key] = parsed as unknown[];
  if (typeof at !== 'string' || !isUtcMicrosTimestamp(at) || typeof key !== 'string' || !isId(key)) throw invalidCursor();
  return { at, id: key };
}

/** Rows fetched with `limit + 1`: the extra row only says that another page exists. */
export function toPage<T extends { cursorAt: string }>(rows: T[], limit: number, id: (row: T) => string): Page<Omit<T, 'cursorAt'>> {
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(({ cursorAt: _c, ...item }) => item),
    nextCursor: more && last ? encodeCursor({ at: last.cursorAt, id: id(last) }) : null,
  };
}

function invalidCursor(): DomainError {
  return new DomainError('invalid_input', 'cursor: not a cursor returned by this endpoint (pass nextCursor from the previous page unchanged)');
}
