/** A 2025-03-26 client (no MCP-Protocol-Version header) may batch at most this many messages. */
export const MAX_BATCH = 10;
/** Transports §Protocol Version Header: a request without the header is taken as this version. */
export const DEFAULT_LEGACY_VERSION = '2025-03-26';
/** 2025-06-18 changelog: JSON-RPC batching was removed. */
const NO_BATCHES_FROM = '2025-06-18';

/**
 * Why a batch of `size` messages is refused for this protocol version, if it is: batches were removed
 * in 2025-06-18 (SECURITY 32), and a 2025-03-26 batch holds at most MAX_BATCH messages.
 */
export function batchRefusal(size: number, version: string | undefined): string | undefined {
  const v = version ?? DEFAULT_LEGACY_VERSION;
  if (v >= NO_BATCHES_FROM) return `JSON-RPC batches are not supported in MCP ${v} (removed in ${NO_BATCHES_FROM}); send one message per request`;
  if (size === 0) return 'Body must be a JSON-RPC 2.0 request, notification or response';
  if (size > MAX_BATCH) return `A batch may hold at most ${MAX_BATCH} messages (got ${size})`;
  return undefined;
}

/** Whether an Accept header allows a JSON or an SSE answer (absent: anything goes; RFC 9110 §12.5.1). */
export function acceptsJsonOrSse(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    if (params.some((p) => /^q\s*=\s*0(\.0*)?$/.test(p))) continue;
    if (type === '*/*' || type === 'application/*' || type === 'application/json' || type === 'text/*' || type === 'text/event-stream') return true;
  }
  return false;
}

export function rpcError(id: string | number | null, code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message } };
}
