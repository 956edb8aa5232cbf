import type { NextFunction, Request, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** helmet's settings for every response; HTML pages tighten CSP further themselves. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  frameguard: { action: 'deny' },
  contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'form-action': null, 'upgrade-insecure-requests': null } },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

const helmetHeaders = helmet(HELMET_OPTIONS);

/** The browser sign-in: the authorization endpoint, consent, the upstream sign-in pages and their callbacks. */
const SIGN_IN_PATH = /^\/(authorize|auth)(\/|$|\?)/;

/**
 * The security headers as Express middleware (every route but /mcp). The sign-in answers with
 * Cross-Origin-Opener-Policy unsafe-none, redirects included (Chromium applies a redirect's COOP):
 * /docs' "Authorize" runs the sign-in in a popup, and a same-origin policy on any step would cut the
 * popup from its opener (always when it passes through GitHub's or the identity provider's pages),
 * so Swagger UI would never get the code. Framing stays refused (X-Frame-Options, frame-ancestors).
 */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  helmetHeaders(req, res, (e?: unknown) => {
    if (SIGN_IN_PATH.test(req.originalUrl ?? '')) res.setHeader('Cross-Origin-Opener-Policy', 'unsafe-none');
    next(e);
  });
}

/**
 * The same headers computed once, for /mcp, which writes its responses itself: exactly what every
 * other response carries, without running the middleware per request.
 */
export function securityHeaderValues(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  securityHeaders({ headers: {} } as never, res as never, () => undefined);
  return headers;
}
