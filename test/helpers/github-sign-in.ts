import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { TestBrowser, hiddenFields } from './browser.js';
import type { FakeGithub, FakeGithubUser } from './fake-github.js';
import { InMemoryOAuthProvider, connectWithOAuth } from './sdk-oauth.js';

export interface GithubSession {
  client: Client;
  provider: InMemoryOAuthProvider;
  /** This server's access token (not the GitHub one). */
  accessToken: string;
}

/**
 * A person signs in with GitHub (the fake) through the official SDK client: discovery, registration,
 * consent, GitHub, callback, token. `scope` replaces the scope the client asks for (a client that
 * asks for less than the challenge names).
 */
export async function signInWithGithub(publicUrl: string, github: FakeGithub, user: FakeGithubUser, opts: { scope?: string } = {}): Promise<GithubSession> {
  github.nextUser = user;
  const provider = new InMemoryOAuthProvider();
  const browser = new TestBrowser([publicUrl, github.url]);
  const { client } = await connectWithOAuth(`${publicUrl}/mcp`, provider, async (authorizationUrl) => {
    if (opts.scope !== undefined) authorizationUrl.searchParams.set('scope', opts.scope);
    const consent = await browser.visit(authorizationUrl.toString());
    if (consent.status !== 200) throw new Error(`expected the consent page, got ${consent.status}`);
    const done = await browser.submit(`${publicUrl}/authorize/consent`, { ...hiddenFields(consent.text), decision: 'approve' });
    const code = done.location && new URL(done.location).searchParams.get('code');
    if (!code) throw new Error(`sign-in did not return a code: ${done.status} ${done.text.slice(0, 200)}`);
    return code;
  });
  return { client, provider, accessToken: provider.savedTokens!.access_token };
}
