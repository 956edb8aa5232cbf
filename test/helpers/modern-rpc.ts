/** Hand-made MCP 2026-07-28 requests (per-request `_meta` envelope and standard headers) for raw /mcp tests. */
export const MODERN = '2026-07-28';

export function envelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'e2e', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
    ...overrides,
  };
}

export interface ModernOptions {
  id?: string | number;
  /** Merged into the envelope (`undefined` values remove a key). */
  meta?: Record<string, unknown>;
  /** Merged into the standard headers (`undefined` values remove a header). */
  headers?: Record<string, string | undefined>;
}

/** The body and headers a conforming client sends for `method`. */
export function modernMessage(method: string, params: Record<string, unknown> = {}, opts: ModernOptions = {}) {
  const meta = Object.fromEntries(Object.entries(envelope(opts.meta)).filter(([, v]) => v !== undefined));
  const body = { jsonrpc: '2.0', id: opts.id ?? 1, method, params: { ...params, _meta: { ...((params._meta as object) ?? {}), ...meta } } };
  const name = method === 'resources/read' ? params.uri : method === 'tools/call' || method === 'prompts/get' ? params.name : undefined;
  const headers: Record<string, string | undefined> = {
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    ...opts.headers,
  };
  return { body, headers: Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined)) };
}

export interface ModernReply {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, or the last SSE message (the response) of a stream. */
  body: any;
  /** Every SSE message, in order (empty for a JSON answer). */
  events: any[];
}

export async function modernRpc(
  url: string,
  token: string,
  method: string,
  params: Record<string, unknown> = {},
  opts: ModernOptions & { accept?: string; signal?: AbortSignal } = {},
): Promise<ModernReply> {
  const { body, headers } = modernMessage(method, params, opts);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: opts.accept ?? 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify(body),
    signal: opts.signal,
  });
  const text = await res.text();
  const events = (res.headers.get('content-type') ?? '').startsWith('text/event-stream') ? parseSse(text) : [];
  let parsed: unknown = events.at(-1);
  if (!events.length) {
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, text, body: parsed, events };
}

/** The `data:` payloads of an SSE stream, parsed. */
export function parseSse(text: string): any[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((l) => l.startsWith('data: ')))
    .filter((lines) => lines.length)
    .map((lines) => JSON.parse(lines.map((l) => l.slice(6)).join('\n')));
}
