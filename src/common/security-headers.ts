import helmet, { type HelmetOptions } from 'helmet';

/** helmet's settings for every response; HTML pages tighten CSP further themselves. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  frameguard: { action: 'deny' },
  contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'form-action': null, 'upgrade-insecure-requests': null } },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

/**
 * The headers helmet sets, computed once, for handlers outside Express (the /mcp fast path) so that
 * they send exactly what every other response carries without running the middleware per request.
 */
export function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(HELMET_OPTIONS)({ headers: {} } as never, res as never, () => undefined);
  return headers;
}
