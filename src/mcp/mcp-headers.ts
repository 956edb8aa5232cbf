import type { IncomingHttpHeaders } from 'node:http';

/**
 * 2026-07-28 transports/streamable-http §Request Metadata: the standard headers (MCP-Protocol-Version,
 * Mcp-Method, Mcp-Name) and the tool-declared `Mcp-Param-*` headers must be present and agree with
 * the body, else 400 / -32020 HeaderMismatch. The SDK's classifier (classifyInboundRequest) checks
 * the version and method headers against the body; the presence and `Mcp-Name` / `Mcp-Param-*`
 * halves are here because the SDK keeps them inside createMcpHandler, which this server does not use
 * on its hot path. Same rules, same messages' shape.
 */
export const HEADER_MISMATCH = -32020;

const SENTINEL = /^=\?base64\?(.*)\?=$/s;
const BASE64_CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CANONICAL_DECIMAL = /^-?\d+(\.\d+)?$/;
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Which body field Mcp-Name mirrors, per method. */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A header value as sent, or its `=?base64?…?=` payload decoded; undefined when the sentinel is malformed. */
export function decodeHeaderValue(raw: string): string | undefined {
  const value = raw.trim();
  const m = SENTINEL.exec(value);
  if (!m) return value;
  if (!BASE64_CANONICAL.test(m[1])) return undefined;
  try {
    return utf8.decode(Buffer.from(m[1], 'base64'));
  } catch {
    return undefined;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Why a modern request's standard headers are refused, if they are (presence and Mcp-Name; the SDK checks the rest). */
export function standardHeaderMismatch(method: string, params: Record<string, unknown> | undefined, headers: IncomingHttpHeaders): string | undefined {
  if (header(headers, 'mcp-protocol-version') === undefined) return 'the required MCP-Protocol-Version header is absent';
  if (header(headers, 'mcp-method') === undefined) return `the body names method ${method} but the required Mcp-Method header is absent`;
  const field = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method] : undefined;
  if (field === undefined) return undefined;
  const body = typeof params?.[field] === 'string' ? params[field] : undefined;
  const raw = header(headers, 'mcp-name');
  if (raw === undefined) return body === undefined ? undefined : `the body carries params.${field} but the required Mcp-Name header is absent`;
  const decoded = decodeHeaderValue(raw);
  if (decoded === undefined) return 'the Mcp-Name header carries an invalid Base64 sentinel value';
  if (body !== undefined && decoded !== body) return `the Mcp-Name header does not match params.${field}`;
  return undefined;
}

export interface ParamHeader {
  /** Property path from the arguments root, through `properties` keys only. */
  path: readonly string[];
  /** `Mcp-Param-{name}`, lower-cased for lookup in Node's headers. */
  header: string;
  type: 'string' | 'integer' | 'boolean' | 'number';
}

/**
 * The `x-mcp-header` declarations of a tool's input JSON schema (statically reachable properties,
 * primitive types, header-token names unique ignoring case). Throws at boot on a declaration the
 * spec forbids, so that a bad tool never reaches `tools/list`.
 */
export function paramHeaders(tool: string, schema: Record<string, unknown>): ParamHeader[] {
  const found: ParamHeader[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (node === null || typeof node !== 'object') return;
    const s = node as Record<string, unknown>;
    const name = s['x-mcp-header'];
    if (name !== undefined) {
      const type = s.type;
      if (typeof name !== 'string' || !HEADER_TOKEN.test(name)) throw new Error(`@McpTool ${tool}: x-mcp-header at ${path.join('.')} is not an HTTP token`);
      if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
        throw new Error(`@McpTool ${tool}: x-mcp-header at ${path.join('.')} must be on a string, integer or boolean property`);
      }
      const lower = `mcp-param-${name.toLowerCase()}`;
      if (found.some((f) => f.header === lower)) throw new Error(`@McpTool ${tool}: x-mcp-header ${name} is declared twice`);
      found.push({ path, header: lower, type });
    }
    const properties = s.properties;
    if (properties && typeof properties === 'object') for (const [key, child] of Object.entries(properties)) visit(child, [...path, key]);
  };
  visit(schema, []);
  return found;
}

/** Why a tools/call's Mcp-Param-* headers are refused, if they are: a body value without its header, or one that disagrees. */
export function paramHeaderMismatch(declared: readonly ParamHeader[], args: unknown, headers: IncomingHttpHeaders): string | undefined {
  for (const d of declared) {
    let value: unknown = args;
    for (const key of d.path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    const body =
      typeof value === 'string'
        ? value
        : typeof value === 'boolean'
          ? String(value)
          : typeof value === 'number' && Number.isFinite(value)
            ? String(value)
            : undefined;
    if (body === undefined) continue;
    const raw = header(headers, d.header);
    if (raw === undefined) return `the body carries ${d.path.join('.')} but the ${d.header} header is absent`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `the ${d.header} header carries an invalid Base64 sentinel value`;
    const same =
      (d.type === 'integer' || d.type === 'number') && typeof value === 'number' && CANONICAL_DECIMAL.test(decoded)
        ? Number(decoded) === value
        : decoded === body;
    if (!same) return `the ${d.header} header does not match ${d.path.join('.')}`;
  }
  return undefined;
}
