import { postJson, type BasicCredentials, type HttpResult } from '../helpers/oauth-http.js';
import type { TestApp } from '../helpers/test-app.js';

/** What RFC 7591 registration returned, plus the raw response. */
export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  client_secret_expires_at?: number;
  redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: string;
  client_name?: string;
  scope?: string;
  response: HttpResult;
}

let counter = 0;
let portCounter = 0;

/**
 * A loopback redirect URI unique to this call (a made-up port: nothing listens there, and the test
 * browser never follows redirects off the server's own origin).
 */
export function loopbackRedirect(path = '/callback'): string {
  return `http://127.0.0.1:${40000 + ((process.pid * 7 + ++portCounter) % 20000)}${path}`;
}

/** Metadata of a public (PKCE, auth method none) authorization-code client; every field can be overridden, `undefined` removes it. */
export function clientMetadata(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = ++counter;
  const metadata: Record<string, unknown> = {
    client_name: `E2E client ${n}`,
    redirect_uris: [loopbackRedirect()],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined));
}

/** POST /register without any expectation (for hostile registrations). */
export function register(t: TestApp, body: unknown): Promise<HttpResult> {
  return postJson(`${t.baseUrl}/register`, body);
}

/** Registers a client (public auth-code client by default) and expects 201. */
export async function registerClient(t: TestApp, overrides: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const res = await register(t, clientMetadata(overrides));
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${res.text}`);
  return { ...(res.json as Omit<RegisteredClient, 'response'>), response: res };
}

/** A confidential client_credentials client (client_secret_basic, no redirect URIs). */
export function registerServiceClient(t: TestApp, overrides: Record<string, unknown> = {}): Promise<RegisteredClient> {
  return registerClient(t, {
    client_name: `E2E service ${++counter}`,
    redirect_uris: undefined,
    response_types: undefined,
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...overrides,
  });
}

/** Basic credentials of a confidential client. */
export function credentials(client: RegisteredClient): BasicCredentials {
  if (!client.client_secret) throw new Error(`client ${client.client_id} has no secret`);
  return { id: client.client_id, secret: client.client_secret };
}
