import { classifyInboundRequest, isJSONRPCRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';

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

type InboundRequest = Parameters<typeof classifyInboundRequest>[0];
type InboundOutcome = ReturnType<typeof classifyInboundRequest>;

/** Verdicts kept (a client sends the same envelope and headers on every call); the oldest goes first. */
const MEMO_ENTRIES = 512;
/** A longer envelope is classified afresh each time rather than kept. */
const MEMO_KEY_CHARS = 2048;
const memo = new Map<string, InboundOutcome>();

/**
 * The SDK's `classifyInboundRequest`, with its verdict on a single request memoized. For a body
 * that is a valid JSON-RPC request other than `initialize`, with neither `result` nor `error`, the
 * classifier's answer depends only on the method, the `_meta` envelope and the MCP-Protocol-Version
 * and Mcp-Method headers (its `classifyRequestBody`): never on the id, the other params or
 * Mcp-Name. So it classifies a stand-in body with just those once, and a later request with the
 * same four gets that verdict with its own body as the message: the envelope's zod validation and
 * the failing response-shape parses (about 25 µs a call) run once per envelope, not per call.
 * era.spec.ts holds the two to the same answer on generated requests and headers.
 */
export function classifyRequest(request: InboundRequest): InboundOutcome {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return classifyInboundRequest(request);
  const m = body as { method?: unknown; params?: unknown };
  if (typeof m.method !== 'string' || m.method === 'initialize' || 'result' in m || 'error' in m || !isJSONRPCRequest(body)) {
    return classifyInboundRequest(request);
  }
  const params = m.params;
  const meta = params !== null && typeof params === 'object' && !Array.isArray(params) ? (params as { _meta?: unknown })._meta : undefined;
  const key = JSON.stringify([m.method, request.protocolVersionHeader ?? null, request.mcpMethodHeader ?? null, meta ?? null]);
  let outcome = memo.get(key);
  if (outcome === undefined) {
    const standIn = { jsonrpc: '2.0', id: 0, method: m.method, params: { _meta: meta } };
    outcome = classifyInboundRequest({ ...request, body: standIn });
    if (key.length <= MEMO_KEY_CHARS) {
      if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
      memo.set(key, outcome);
    }
  }
  return outcome.kind === 'modern' ? { ...outcome, message: body } : outcome;
}
