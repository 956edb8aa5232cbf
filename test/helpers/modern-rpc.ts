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

/** An open `subscriptions/listen` stream read as it arrives. */
export interface ListenStream {
  status: number;
  headers: Headers;
  /** Every SSE message so far, in order. */
  events: any[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** The first message (from `from` on) that `match` accepts, within `timeoutMs`. */
  next(match: (event: any) => boolean, timeoutMs?: number, from?: number): Promise<any>;
  close(): void;
}

/** Opens `subscriptions/listen` with `notifications` as the filter and reads its stream in the background. */
export async function openListen(url: string, token: string, notifications: Record<string, unknown>, opts: ModernOptions = {}): Promise<ListenStream> {
  const abort = new AbortController();
  const { body, headers } = modernMessage('subscriptions/listen', { notifications }, opts);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const events: any[] = [];
  const waiters = new Set<() => void>();
  const isStream = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  let done = false;
  const ended = (async () => {
    if (!isStream) {
      events.push(JSON.parse(await res.text()));
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6));
          if (data.length) events.push(JSON.parse(data.join('\n')));
          for (const w of waiters) w();
        }
      }
    } catch {
      /* aborted by close() */
    }
  })().finally(() => {
    done = true;
    for (const w of waiters) w();
  });
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    next(match, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.slice(from).find(match);
          if (hit !== undefined) finish(() => resolve(hit));
          else if (done) finish(() => reject(new Error(`stream ended without the message; got ${JSON.stringify(events)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(events)}`))), timeoutMs);
        const finish = (fn: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          fn();
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
