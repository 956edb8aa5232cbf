import type { Response } from 'express';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attributes. */
export function esc(value: unknown): string {
  return (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value)).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.4rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
.card{border:1px solid #d0d7de;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.warn{background:#fff8c5;border-color:#d4a72c}.host{font-size:1.15rem;font-weight:600}
button,input[type=submit]{font-size:1rem;padding:.55rem 1.2rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;cursor:pointer;margin-right:.5rem}
button.secondary{background:#f6f8fa;color:#1f2328;border-color:#d0d7de}input[type=text]{font-size:1rem;padding:.45rem;width:100%;box-sizing:border-box;margin:.4rem 0 1rem}
ul{padding-left:1.2rem}.muted{color:#59636e;font-size:.9rem}`;

/**
 * Sends a page with anti-framing (MCP security best practices: consent pages must not be framed)
 * and no caching; no scripts are needed or allowed.
 */
export function sendPage(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .setHeader('Content-Type', 'text/html; charset=utf-8')
    .setHeader('Cache-Control', 'no-store')
    .setHeader('X-Frame-Options', 'DENY')
    .setHeader('Referrer-Policy', 'no-referrer')
    .setHeader('X-Content-Type-Options', 'nosniff')
    .setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'")
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · secure-mcp-server</title><style>${STYLE}</style></head><body>${body}</body></html>`);
}

export function errorPage(res: Response, status: number, title: string, message: string): void {
  sendPage(
    res,
    status,
    title,
    `<h1>${esc(title)}</h1><p>${esc(message)}</p><p class="muted">You can close this window and try again from your MCP client.</p>`,
  );
}
