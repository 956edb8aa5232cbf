export interface FetchLimits {
  /** Total time for the request, redirects and body included. */
  timeoutMs: number;
  /** Largest response body accepted. */
  maxBytes: number;
  /** Redirects followed, and only within the first URL's origin. */
  maxRedirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for upstream APIs (SECURITY 37): a total deadline, a size cap, and redirects followed only
 * within the same origin (the configured GitHub or GitHub Enterprise host), never to another host.
 */
export function boundedFetch(limits: FetchLimits): typeof fetch {
  return async (input, init = {}) => {
    const signal = AbortSignal.any([AbortSignal.timeout(limits.timeoutMs), ...(init.signal ? [init.signal] : [])]);
    let url = new URL(input instanceof Request ? input.url : String(input));
    const origin = url.origin;
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    for (let hop = 0; ; hop++) {
      const res = await fetch(url, { ...init, method, body, redirect: 'manual', signal });
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location) {
        await res.body?.cancel();
        const next = new URL(location, url);
        if (next.origin !== origin) throw new Error(`the API redirected to another host (${next.origin})`);
        if (hop >= limits.maxRedirects) throw new Error('the API redirected too many times');
        // Fetch standard §4.4 (HTTP-redirect fetch): 303, and 301/302 after POST, continue as GET.
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      const bytes = NULL_BODY.has(res.status) ? null : await readCapped(res, limits.maxBytes);
      return new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
  };
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!res.body) return null;
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) {
    await res.body.cancel();
    throw new Error(`the API response is larger than ${maxBytes} bytes`);
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`the API response is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
