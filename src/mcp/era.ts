import { isJSONRPCRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';

const FIRST_MODERN = '2026-07-28';

/**
 * Whether a body is a single 2025-era request that the SDK's `classifyInboundRequest` would route to
 * legacy serving with no further question: a valid JSON-RPC request, not `initialize`, with no
 * per-request envelope claim (`_meta` protocol version) and no modern MCP-Protocol-Version header
 * (the classifier's "no-claim" rule). The classifier itself decides every other body; this check
 * only spares the hottest request its failing response-shape parses (era.spec.ts holds the two to
 * the same answer on generated bodies and headers).
 */
export function isPlainLegacyRequest(body: unknown, versionHeader: string | undefined): boolean {
  if (versionHeader !== undefined && versionHeader.trim() >= FIRST_MODERN) return false;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const m = body as { method?: unknown; params?: unknown; result?: unknown; error?: unknown };
  if (typeof m.method !== 'string' || m.method === 'initialize' || 'result' in m || 'error' in m) return false;
  const params = m.params;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) return false;
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta) && PROTOCOL_VERSION_META_KEY in meta) return false;
  return isJSONRPCRequest(body);
}
