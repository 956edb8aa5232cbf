/** Adds response parameters to the client's redirect URI, keeping its own query (OAuth 2.1 §4.1.2). */
export function redirectUrl(redirectUri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) url.searchParams.append(k, v);
  return url.toString();
}
