import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/** Where the next page of `resources/list` starts: a lister (by index) and that lister's own cursor. */
export interface ListPosition {
  source: number;
  inner?: string;
}

const CURSOR_MAX = 1024;
const INNER_MAX = 512;

/** The opaque cursor clients see (MCP utilities/pagination: cursors are opaque strings). */
export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify(position.inner === undefined ? [position.source] : [position.source, position.inner])).toString('base64url');
}

/**
 * A cursor this server made, or -32602 (MCP utilities/pagination: an invalid cursor SHOULD be
 * -32602 Invalid params). `sources` is how many listers exist.
 */
export function decodeListCursor(cursor: unknown, sources: number): ListPosition {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > CURSOR_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) throw invalidCursor();
  const [source, inner] = value as unknown[];
  if (!Number.isSafeInteger(source) || (source as number) < 0 || (source as number) >= sources) throw invalidCursor();
  if (value.length === 2 && (typeof inner !== 'string' || inner.length === 0 || inner.length > INNER_MAX)) throw invalidCursor();
  return { source: source as number, inner: inner as string | undefined };
}

export function invalidCursor(): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: not a cursor this server returned');
}
