import type { JSONRPCNotification, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

export type IncomingMessage = { kind: 'request'; message: JSONRPCRequest } | { kind: 'notification'; message: JSONRPCNotification } | { kind: 'response' };

/** JSON-RPC 2.0 §4–5 shape check, cheap enough for the hot path; the SDK validates params per method. */
export function classify(value: unknown): IncomingMessage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return undefined;
  if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null)) return undefined;
  if (typeof m.method === 'string') {
    if (!('id' in m)) return { kind: 'notification', message: m as unknown as JSONRPCNotification };
    if (typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id))) {
      return { kind: 'request', message: m as unknown as JSONRPCRequest };
    }
    return undefined;
  }
  if ('id' in m && ('result' in m || 'error' in m)) return { kind: 'response' };
  return undefined;
}

export function rpcError(id: string | number | null, code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message } };
}
