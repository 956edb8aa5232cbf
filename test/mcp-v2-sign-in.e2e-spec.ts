import { randomUUID } from 'node:crypto';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
  type Progress,
} from '@modelcontextprotocol/client';
import type { Browser, BrowserContext } from 'playwright-core';
import { LoopbackCallback, launchChromium } from './helpers/chromium.js';
import { freePort } from './helpers/free-port.js';
import { RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { InMemoryOAuthProvider, connectWithOAuth } from './helpers/sdk-oauth.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

const MODERN = '2026-07-28';

/** The SDK v2 client's OAuth provider, in memory; the browser step is the test's. */
class V2Provider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  savedTokens?: OAuthTokens;
  verifier?: string;
  discovery?: OAuthDiscoveryState;
  authorizationUrl?: URL;
  lastState?: string;

  constructor(readonly redirectUrl: string) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK v2 e2e client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
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
  state() {
    this.lastState = randomUUID();
    return this.lastState;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no code verifier');
    return this.verifier;
  }
}

/**
 * Issue 8 item 7: real clients against two instances behind one public URL (a round-robin proxy,
 * one database). The SDK v2 client pinned to 2026-07-28 signs in from the bare /mcp URL through the
 * server's pages in headless Chromium, then uses every notes tool (with progress from notes.search),
 * the resource template, the prompt and a listen subscription whose changes are made on the other
 * instance; the SDK v1 client still completes the 2025-11-25 flow. (Completion and elicitation on
 * delete are not on main yet: not covered here.)
 */
describe('real clients, two instances behind one URL: SDK v2 pinned to 2026-07-28, SDK v1 on 2025-11-25', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let a: TestApp;
  let b: TestApp;
  let proxy: RoundRobinProxy;
  let bareUrl: string;
  const callback = new LoopbackCallback();
  const clients: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    browser = await launchChromium(); // first: a missing Chromium fails the file with instructions
    const port = await freePort();
    const env = { PUBLIC_URL: `http://localhost:${port}` };
    a = await startTestApp(env);
    b = await startTestApp(env);
    proxy = new RoundRobinProxy(() => [a.config.port, b.config.port]);
    await proxy.start(port);
    bareUrl = a.mcpUrl; // http://localhost:<proxy>/mcp, the URL a person pastes into their client
    await callback.start();
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    await callback.stop();
    await proxy?.stop();
    await Promise.allSettled([a?.close(), b?.close()]);
  });

  /** A person in a fresh Chromium profile: approve on the consent page, sign in on the dev page; returns the callback URL. */
  async function signInInBrowser(authorizationUrl: URL, login: string): Promise<URL> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(authorizationUrl.toString());
    expect(new URL(page.url()).pathname).toBe('/authorize');
    await page.click('#approve');
    await page.waitForURL((u) => u.pathname === '/auth/dev');
    await page.fill('#login', login);
    await page.click('#sign-in');
    const back = await callback.next();
    await callback.closeWhenLoaded(page);
    return back;
  }

  function pinned(name: string): Client {
    const client = new Client({ name, version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    clients.push(client);
    return client;
  }

  /** A pinned v2 client on one instance directly, with the access token the sign-in produced. */
  async function direct(t: TestApp, token: string): Promise<Client> {
    const client = pinned('e2e-v2-direct');
    const url = new URL(`http://127.0.0.1:${t.config.port}/mcp`);
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  }

  it('v2 pinned to 2026-07-28: signs in from the bare URL, then every notes tool, the template, the prompt and a listen across instances', async () => {
    const provider = new V2Provider(callback.url);
    const first = new StreamableHTTPClientTransport(new URL(bareUrl), { authProvider: provider });
    const probe = pinned('e2e-v2-signin');
    const refused = await probe.connect(first).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrl?.origin).toBe(new URL(bareUrl).origin);
    expect(provider.authorizationUrl?.searchParams.get('resource')).toBe(bareUrl);
    const back = await signInInBrowser(provider.authorizationUrl!, uniqueLogin('v2-signin'));
    expect(back.searchParams.get('state')).toBe(provider.lastState);
    await first.finishAuth(back.searchParams);
    expect(provider.savedTokens?.access_token).toBeTruthy();

    const client = pinned('e2e-v2');
    await client.connect(new StreamableHTTPClientTransport(new URL(bareUrl), { authProvider: provider }));
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getServerCapabilities()?.resources).toMatchObject({ subscribe: true });

    // Every notes tool, each request landing on either instance.
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['notes.create', 'notes.get', 'notes.list', 'notes.update', 'notes.delete', 'notes.search']),
    );
    const created = await client.callTool({ name: 'notes.create', arguments: { title: 'Quarterly plan', body: 'ship listen streams' } });
    const note = (created.structuredContent as { note: { id: string } }).note;
    const got = await client.callTool({ name: 'notes.get', arguments: { id: note.id } });
    expect((got.structuredContent as { note: { title: string } }).note.title).toBe('Quarterly plan');
    const listed = await client.callTool({ name: 'notes.list', arguments: {} });
    expect((listed.structuredContent as { notes: { id: string }[] }).notes.map((n) => n.id)).toEqual([note.id]);
    // notes.search reports progress (the caller's progressToken, on the request's own SSE stream).
    const progress: Progress[] = [];
    const found = await client.callTool({ name: 'notes.search', arguments: { query: 'listen' } }, { onprogress: (p) => progress.push(p) });
    expect(JSON.stringify(found.structuredContent)).toContain(note.id);
    expect(progress.map((p) => p.progress)).toEqual([0, 1]);

    // The resource template, and a read through it.
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toContain('note://{id}');
    const uri = `note://${note.id}`;
    const read = await client.readResource({ uri });
    expect(read.contents[0]).toMatchObject({ uri, text: '# Quarterly plan\n\nship listen streams' });

    // The prompt.
    const prompt = await client.getPrompt({ name: 'notes.summarize-recent', arguments: { count: '1' } });
    expect(JSON.stringify(prompt.messages)).toContain('Quarterly plan');

    // A listen stream on instance A; the changes are made on instance B.
    const token = provider.savedTokens!.access_token;
    const onA = await direct(a, token);
    const onB = await direct(b, token);
    const updates: string[] = [];
    let seen!: () => void;
    const arrived = new Promise<void>((resolve) => (seen = resolve));
    onA.setNotificationHandler('notifications/resources/updated', (n) => {
      updates.push(n.params.uri);
      seen();
    });
    const subscription = await onA.listen({ resourceSubscriptions: [uri] });
    expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: [uri] });
    const updated = await onB.callTool({ name: 'notes.update', arguments: { id: note.id, title: 'Quarterly plan v2' } });
    expect(updated.isError).toBeFalsy();
    await arrived;
    expect(updates).toEqual([uri]);

    const deleted = await onB.callTool({ name: 'notes.delete', arguments: { id: note.id } });
    expect(deleted.isError).toBeFalsy();
    for (let i = 0; i < 100 && updates.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(updates).toEqual([uri, uri]);
    const gone = await client.callTool({ name: 'notes.list', arguments: {} });
    expect((gone.structuredContent as { notes: unknown[] }).notes).toEqual([]);

    await subscription.close();
    expect(await subscription.closed).toBe('local');
  });

  it('v2 in auto mode with the signed-in token gets the modern era; v1 completes the 2025-11-25 sign-in and calls tools', async () => {
    const provider = new InMemoryOAuthProvider(callback.url);
    const login = uniqueLogin('v1-signin');
    const { client: v1, transport } = await connectWithOAuth(bareUrl, provider, async (authorizationUrl) => {
      const back = await signInInBrowser(authorizationUrl, login);
      return back.searchParams.get('code')!;
    });
    clients.push(v1);
    expect(transport.protocolVersion).toBe('2025-11-25');
    const created = await v1.callTool({ name: 'notes.create', arguments: { title: 'From v1', body: '2025-11-25' } });
    expect(created.isError).toBeFalsy();
    const listed = await v1.callTool({ name: 'notes.list', arguments: {} });
    expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toEqual(['From v1']);

    const auto = new Client({ name: 'e2e-v2-auto', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    clients.push(auto);
    const token = provider.savedTokens!.access_token;
    await auto.connect(new StreamableHTTPClientTransport(new URL(bareUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    expect(auto.getProtocolEra()).toBe('modern');
    const seen = await auto.callTool({ name: 'notes.list', arguments: {} });
    expect((seen.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toEqual(['From v1']);
  });
});
