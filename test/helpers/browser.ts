/**
 * A minimal browser for driving sign-in pages over HTTP: a cookie jar, manual redirects, and form
 * posts. It follows redirects only within `followOrigins`, so tests see where the server sends people.
 */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly followOrigins: string[]) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Sends one request, stores cookies, does not follow redirects. */
  async request(url: string, init: RequestInit = {}): Promise<{ status: number; location?: string; headers: Headers; text: string }> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.cookieHeader());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, location: location ? new URL(location, url).toString() : undefined, headers: res.headers, text: await res.text() };
  }

  /** GET, following redirects while they stay on the followed origins; returns the last response. */
  async visit(url: string): Promise<{ status: number; url: string; location?: string; text: string; headers: Headers }> {
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const res = await this.request(current);
      if (res.status >= 300 && res.status < 400 && res.location && this.followOrigins.includes(new URL(res.location).origin)) {
        current = res.location;
        continue;
      }
      return { ...res, url: current };
    }
    throw new Error('too many redirects');
  }

  /** Submits a form (application/x-www-form-urlencoded), following redirects on followed origins. */
  async submit(url: string, fields: Record<string, string>): Promise<{ status: number; url: string; location?: string; text: string; headers: Headers }> {
    const res = await this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    if (res.status >= 300 && res.status < 400 && res.location && this.followOrigins.includes(new URL(res.location).origin)) {
      return this.visit(res.location);
    }
    return { ...res, url };
  }
}

/** Reads the hidden fields of the first form on a page. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = decodeHtml(m[2]);
  return fields;
}

function decodeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
