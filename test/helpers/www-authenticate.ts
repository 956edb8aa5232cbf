/** Parses `Bearer k="v", k2="v2"` (RFC 6750 §3) into its scheme and parameters. */
export function parseBearerChallenge(header: string | null | undefined): { scheme: string; params: Record<string, string> } {
  if (!header) throw new Error('no WWW-Authenticate header');
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/([A-Za-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    params[m[1]] = m[2].replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}
