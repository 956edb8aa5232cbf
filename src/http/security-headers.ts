import helmet, { type HelmetOptions } from 'helmet';

/** helmet's settings for every response; HTML pages tighten CSP further themselves. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  frameguard: { action: 'deny' },
  contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'form-action': null, 'upgrade-insecure-requests': null } },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

/** The security headers as Express middleware (every route but /mcp). */
export const securityHeaders = helmet(HELMET_OPTIONS);

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
