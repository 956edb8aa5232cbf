import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** The SDK's OAuth provider interface, kept in memory; the "browser" step is left to the test. */
export class InMemoryOAuthProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  savedTokens?: OAuthTokens;
  verifier?: string;
  authorizationUrl?: URL;

  constructor(
    readonly redirect = 'http://127.0.0.1:53682/callback',
    private readonly metadataOverrides: Partial<OAuthClientMetadata> = {},
  ) {}

  get redirectUrl(): string {
    return this.redirect;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK e2e client',
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.metadataOverrides,
    };
  }

  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.savedTokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no verifier');
    return this.verifier;
  }
}

/**
 * Connects the official SDK client with OAuth. The first attempt fails with UnauthorizedError after
 * discovery + registration; `signIn` plays the person in the browser and returns the code from the
 * final redirect; then finishAuth exchanges it and a second connect succeeds.
 */
export async function connectWithOAuth(
  mcpUrl: string,
  provider: InMemoryOAuthProvider,
  signIn: (authorizationUrl: URL) => Promise<string>,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const probe = new Client({ name: 'sdk-e2e', version: '1.0.0' });
  let unauthorized = false;
  try {
    await probe.connect(first);
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    unauthorized = true;
  }
  if (unauthorized) {
    if (!provider.authorizationUrl) throw new Error('SDK did not start authorization');
    const code = await signIn(provider.authorizationUrl);
    await first.finishAuth(code);
  }
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: 'sdk-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}
