/** Why an outbound call to an identity provider failed (never carries a token or secret). */
export class OutboundFetchError extends Error {}

export interface BoundedFetchOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string> | Headers;
  body?: string;
  /** Total deadline: connect, headers and body. */
  timeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_BYTES = 512 * 1024;

/**
 * fetch for calls to identity providers (discovery, JWKS, introspection): a total deadline, a size
 * cap, and no redirects (SECURITY 37). Returns a Response whose body has been read within the cap.
 */
export async function boundedFetch(url: string | URL, opts: BoundedFetchOptions = {}): Promise<Response> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let res: Response;
  try {
    res = await fetch(url, { method: opts.method ?? 'GET', headers: opts.headers, body: opts.body, redirect: 'manual', signal });
  } catch (e) {
    throw new OutboundFetchError(`${hostOf(url)} could not be reached: ${(e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message}`);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new OutboundFetchError(`${hostOf(url)} answered with a redirect, which is not followed`);
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new OutboundFetchError(`${hostOf(url)} answered with more than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).byteLength;
      if (size > maxBytes) throw new OutboundFetchError(`${hostOf(url)} answered with more than ${maxBytes} bytes`);
      chunks.push(chunk as Uint8Array);
    }
  } catch (e) {
    await res.body?.cancel().catch(() => undefined);
    if (e instanceof OutboundFetchError) throw e;
    throw new OutboundFetchError(`${hostOf(url)} broke off its answer: ${(e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message}`);
  }
  const empty = res.status === 204 || res.status === 205;
  return new Response(empty ? null : Buffer.concat(chunks), { status: res.status, headers: res.headers });
}

/** Reads a JSON object body; anything else is an OutboundFetchError. */
export async function jsonObject(res: Response, what: string): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new OutboundFetchError(`${what} is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new OutboundFetchError(`${what} is not a JSON object`);
  return body as Record<string, unknown>;
}

function hostOf(url: string | URL): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the identity provider';
  }
}
