import { Agent, request } from 'node:http';
import { RawBody, toJsonText } from './arbitraries.js';
import { substitute, type FuzzCase, type FuzzValues } from './targets.js';

/** What one case got back. */
export interface FuzzResult {
  status: number;
  contentType: string;
  text: string;
  ms: number;
  /** A 200 event stream left open on purpose (subscriptions/listen). */
  streamLeftOpen?: boolean;
}

/** The bytes and headers a case sends, placeholders filled in. */
export function materialize(c: FuzzCase, values: FuzzValues): { path: string; headers: Record<string, string>; body?: Buffer } {
  const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, substitute(v, values)]));
  let body: Buffer | undefined;
  if (c.body instanceof RawBody) body = Buffer.from(c.body.bytes);
  else if (c.body && 'text' in c.body) body = Buffer.from(substitute(c.body.text, values), 'utf8');
  else if (c.body && 'json' in c.body) body = Buffer.from(substitute(toJsonText(c.body.json), values), 'utf8');
  return { path: substitute(c.path, values), headers, body };
}

/**
 * Sends one case with node:http (fetch refuses header bytes above 0x7F, which a hostile client can
 * send) over keep-alive connections, and reads the whole answer within `deadlineMs` (a hang is a
 * failure, not a stall). A 200 event stream of a case that may stream is closed once its headers are in.
 */
export function send(baseUrl: string, c: FuzzCase, values: FuzzValues, deadlineMs: number, agent: Agent): Promise<FuzzResult> {
  const { path, headers, body } = materialize(c, values);
  const url = new URL(baseUrl);
  const started = Date.now();
  return new Promise<FuzzResult>((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname,
        port: url.port,
        method: c.method,
        path,
        headers: { host: url.host, ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        if (c.mayStream && status === 200 && contentType.startsWith('text/event-stream')) {
          clearTimeout(timer);
          res.destroy();
          return resolve({ status, contentType, text: '', ms: Date.now() - started, streamLeftOpen: true });
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status, contentType, text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started });
        });
        res.on('error', (e) => (clearTimeout(timer), reject(e)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no complete answer within ${deadlineMs} ms`));
    }, deadlineMs);
    req.on('error', (e) => (clearTimeout(timer), reject(e)));
    req.end(body);
  });
}

/** A keep-alive agent for `send`. */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

const STACK = /\bat [^\n]*\.[cm]?[jt]s:\d+:\d+|node_modules\/|\/dist\/src\/|\n\s+at [\w$.<>[\] ]+ \(/;

/** JSON-RPC messages in a body: the JSON value (or each of a batch), or each `data:` event of a stream. */
function messages(r: FuzzResult): unknown[] {
  const out: unknown[] = [];
  const push = (v: unknown) => (Array.isArray(v) ? out.push(...(v as unknown[])) : out.push(v));
  if (r.contentType.startsWith('text/event-stream')) {
    for (const block of r.text.split('\n\n')) {
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data) {
        try {
          push(JSON.parse(data));
        } catch {
          /* not JSON: nothing to check */
        }
      }
    }
  } else if (r.contentType.includes('json')) {
    try {
      push(JSON.parse(r.text));
    } catch {
      /* not JSON */
    }
  }
  return out;
}

/** The invariants every answer must keep; returns what it broke (empty when none). */
export function violations(r: FuzzResult): string[] {
  const found: string[] = [];
  if (r.status >= 500) found.push(`HTTP ${r.status}`);
  if (STACK.test(r.text)) found.push('a stack trace or source path in the body');
  for (const m of messages(r)) {
    if (!m || typeof m !== 'object') continue;
    const msg = m as { error?: { code?: unknown; message?: unknown }; result?: { isError?: unknown; content?: unknown } };
    if (msg.error?.code === -32603) found.push(`JSON-RPC -32603 Internal error: ${String(msg.error.message)}`);
    if (msg.result?.isError === true && /internal (server )?error/i.test(JSON.stringify(msg.result.content) ?? ''))
      found.push('an "Internal error" tool result');
  }
  return found;
}

/** A case and its answer, short enough for a failure message. */
export function describeCase(c: FuzzCase, r?: FuzzResult): string {
  const body = c.body instanceof RawBody ? String(c.body) : c.body && 'text' in c.body ? c.body.text : c.body ? toJsonText(c.body.json) : '';
  const squeeze = (s: string) => s.replace(/([^])\1{15,}/g, (run, ch: string) => `${ch}{×${run.length}}`);
  const clip = (s: string, n = 800) => {
    const short = squeeze(s);
    return short.length > n ? `${short.slice(0, n)}… (${s.length} chars)` : short;
  };
  return `${c.method} ${clip(c.path, 300)} headers=${clip(JSON.stringify(c.headers), 400)} body=${clip(body)}${r ? ` -> ${r.status} ${r.contentType} ${clip(r.text, 400)}` : ''}`;
}

/** Counts unhandled promise rejections in this process (the app runs in-process in the e2e tests). */
export class RejectionWatch {
  readonly reasons: string[] = [];
  private readonly onRejection = (reason: unknown) => void this.reasons.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  start(): this {
    process.on('unhandledRejection', this.onRejection);
    return this;
  }
  stop(): void {
    process.off('unhandledRejection', this.onRejection);
  }
}
