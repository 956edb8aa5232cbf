import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { TestBrowser } from './browser.js';

/** Claims of a person at the test identity provider (the login typed on its page is the `sub`). */
export interface IdpAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  groups?: string[];
  [claim: string]: unknown;
}

export interface TestIdpOptions {
  /** The MCP resource URL the provider issues notes-scoped access tokens for (RFC 8707). */
  resource?: string;
  /** Access token format for that resource. */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** Statically registered clients (dynamic registration is open too). */
  clients?: ClientMetadata[];
  /** Extra claims put into every access token (e.g. a role that grants admin). */
  accessTokenClaims?: (accountId: string) => Record<string, unknown> | undefined;
  /** Registers an RFC 8693 token-exchange grant that issues ID-JAGs. */
  idJag?: boolean;
  /** Refresh tokens for every client allowed the refresh_token grant, without offline_access + prompt=consent (as Keycloak does). */
  alwaysIssueRefreshTokens?: boolean;
}

export const NOTES_SCOPES = 'notes:read notes:write';
export type ClientAuth = 'client_secret_basic' | 'client_secret_post';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_JAG_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

/** One-off changes to the next ID-JAG the provider issues (for the attack tests). */
export interface IdJagOverride {
  claims?: Record<string, unknown>;
  typ?: string;
  /** Sign with a key the provider does not publish. */
  foreignKey?: boolean;
}

/**
 * A real OpenID provider (node-oidc-provider 9, OpenID Certified) on loopback, playing the company
 * identity provider and authorization server: discovery, dynamic registration, its own development
 * sign-in and consent pages, resource indicators with JWT or opaque access tokens, introspection,
 * key rotation, and (optionally) an RFC 8693 token exchange that issues ID-JAGs.
 */
export class TestIdp {
  issuer = '';
  readonly accounts = new Map<string, IdpAccount>();
  /** How often the JWKS was fetched (key rotation tests). */
  jwksRequests = 0;
  /** How often a token was introspected (introspection cache tests). */
  introspections = 0;
  nextIdJag?: IdJagOverride;
  private provider!: Provider;
  private callback!: (req: IncomingMessage, res: ServerResponse) => unknown;
  private server?: Server;
  private keys: JWK[] = [];
  private readonly cookieKeys = [randomBytes(32).toString('hex')];

  /** Read on every request: tests may change the resource, the token format or the clients later. */
  constructor(readonly options: TestIdpOptions = {}) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/jwks')) this.jwksRequests++;
      if (req.url?.startsWith('/token/introspection')) this.introspections++;
      this.callback(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.keys = [await newSigningKey()];
    this.build();
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Signs with a new key from now on; the old key stays published unless `drop` (a hard rotation). */
  async rotateKeys(opts: { drop?: boolean } = {}): Promise<string> {
    const key = await newSigningKey();
    this.keys = opts.drop ? [key] : [key, ...this.keys];
    this.build();
    return key.kid!;
  }

  get signingKid(): string {
    return this.keys[0].kid!;
  }

  /** A static client for the provider, e.g. the built-in server's upstream or an introspecting resource server. */
  addClient(client: ClientMetadata): void {
    this.options.clients = [...(this.options.clients ?? []), client];
    this.build();
  }

  /**
   * The authorization code flow (PKCE, state, nonce) driven over HTTP through the provider's own
   * sign-in and consent pages, as `login`; returns the token response.
   */
  async signInHeadless(o: {
    clientId: string;
    clientSecret?: string;
    redirectUri: string;
    login: string;
    scope: string;
    resource?: string;
    /** How the client authenticates at the token endpoint (default client_secret_basic when it has a secret). */
    clientAuth?: ClientAuth;
  }): Promise<Record<string, string>> {
    const browser = new TestBrowser([this.issuer]);
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const auth = new URL(`${this.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: o.clientId,
      redirect_uri: o.redirectUri,
      response_type: 'code',
      scope: o.scope,
      state,
      ...(o.scope.split(' ').includes('openid') ? { nonce: randomBytes(16).toString('base64url') } : {}),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(o.resource ? { resource: o.resource } : {}),
    }).toString();
    let page = await browser.visit(auth.toString());
    for (let step = 0; step < 4 && page.status === 200; step++) {
      const action = /<form[^>]*action="([^"]+)"/.exec(page.text)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(page.text)?.[1];
      if (!action || !prompt) throw new Error(`unexpected provider page: ${page.text.slice(0, 300)}`);
      const fields: Record<string, string> = prompt === 'login' ? { prompt, login: o.login, password: 'any' } : { prompt };
      page = await browser.submit(new URL(action.replace(/&amp;/g, '&'), this.issuer).toString(), fields);
    }
    const back = page.location ? new URL(page.location) : undefined;
    const code = back?.searchParams.get('code');
    if (!back || back.searchParams.get('state') !== state || !code)
      throw new Error(`no code from the provider: ${page.status} ${page.location ?? page.text.slice(0, 300)}`);
    return this.token(
      { grant_type: 'authorization_code', code, redirect_uri: o.redirectUri, code_verifier: verifier },
      o.clientId,
      o.clientSecret,
      o.clientAuth,
    );
  }

  /** A token endpoint request with client_secret_basic, client_secret_post or none; returns the JSON body, throwing on an error. */
  async token(
    form: Record<string, string>,
    clientId: string,
    clientSecret?: string,
    clientAuth: ClientAuth = 'client_secret_basic',
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams(form);
    if (clientSecret && clientAuth === 'client_secret_basic')
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    else {
      body.set('client_id', clientId);
      if (clientSecret) body.set('client_secret', clientSecret);
    }
    const res = await fetch(`${this.issuer}/token`, { method: 'POST', headers, body });
    const json = (await res.json()) as Record<string, string>;
    if (res.status !== 200) throw new Error(`token endpoint ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }

  private build(): void {
    const configuration: Configuration = {
      clients: this.options.clients ?? [],
      jwks: { keys: this.keys },
      cookies: { keys: this.cookieKeys },
      findAccount: (_ctx, id) => ({
        accountId: id,
        claims: () => ({ sub: id, ...(this.accounts.get(id) ?? {}) }),
      }),
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username'],
        groups: ['groups'],
      },
      scopes: ['openid', 'offline_access', 'email', 'profile', 'groups', ...NOTES_SCOPES.split(' ')],
      conformIdTokenClaims: false,
      clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'], response_types: ['code'] },
      enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
      pkce: { required: () => true },
      ttl: { AccessToken: 600, ClientCredentials: 600, IdToken: 600, Grant: 3600, Session: 3600, Interaction: 600, RefreshToken: 3600 },
      ...(this.options.alwaysIssueRefreshTokens ? { issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token') } : {}),
      extraTokenClaims: (_ctx, token) => {
        const accountId = (token as { accountId?: string }).accountId;
        return accountId ? this.options.accessTokenClaims?.(accountId) : undefined;
      },
      features: {
        devInteractions: { enabled: true },
        registration: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // No resource configured (an upstream sign-in only): tokens for userinfo, no resource indicator.
          defaultResource: () => this.options.resource,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => {
            const resource = this.options.resource;
            if (resource && indicator === resource) {
              return { scope: NOTES_SCOPES, audience: resource, accessTokenFormat: this.options.accessTokenFormat ?? 'jwt', jwt: { sign: { alg: 'ES256' } } };
            }
            // Another API of the same company: tokens for it must not open /mcp.
            if (indicator === 'https://other-api.example/') {
              return { scope: NOTES_SCOPES, audience: indicator, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
            }
            throw new errors.InvalidTarget();
          },
        },
      },
    };
    this.provider = new Provider(this.issuer, configuration);
    if (this.options.idJag) this.registerIdJagGrant();
    this.callback = this.provider.callback();
  }

  /**
   * RFC 8693 token exchange issuing an Identity Assertion JWT Authorization Grant (ID-JAG draft §4):
   * the subject token must be an ID token this provider issued to the calling client; the ID-JAG is
   * signed with the provider's own key, audience = the requested authorization server.
   */
  private registerIdJagGrant(): void {
    const handler = async (ctx: KoaContextWithOIDC) => {
      const params = ctx.oidc.params as Record<string, string | undefined>;
      const client = ctx.oidc.client!;
      if (params.requested_token_type !== ID_JAG_TYPE) throw new errors.InvalidRequest('requested_token_type must be id-jag');
      if (params.subject_token_type !== ID_TOKEN_TYPE) throw new errors.InvalidRequest('subject_token_type must be id_token');
      if (!params.audience) throw new errors.InvalidRequest('audience is required');
      let sub: string;
      try {
        const { payload } = await jwtVerify(params.subject_token ?? '', createLocalJWKSet({ keys: this.keys.map(publicOf) }), {
          issuer: this.issuer,
          audience: client.clientId,
        });
        sub = payload.sub!;
      } catch (e) {
        throw new errors.InvalidGrant(`subject_token is not valid: ${(e as Error).message}`);
      }
      const override = this.nextIdJag;
      this.nextIdJag = undefined;
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        jti: randomUUID(),
        iss: this.issuer,
        sub,
        aud: params.audience,
        client_id: client.clientId,
        iat: now,
        exp: now + 300,
        ...(params.resource ? { resource: params.resource } : {}),
        ...(params.scope ? { scope: params.scope } : {}),
        auth_time: now,
        // The person's profile, as identity providers add to an ID-JAG (the draft allows further claims).
        ...pick(this.accounts.get(sub) ?? {}, ['email', 'email_verified', 'name', 'preferred_username', 'groups']),
        ...(override?.claims ?? {}),
      };
      const signingKey = override?.foreignKey ? await newSigningKey() : this.keys[0];
      const assertion = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid, typ: override?.typ ?? 'oauth-id-jag+jwt' })
        .sign(await importPrivate(signingKey));
      ctx.body = {
        issued_token_type: ID_JAG_TYPE,
        access_token: assertion,
        token_type: 'N_A',
        expires_in: 300,
        ...(params.scope ? { scope: params.scope } : {}),
      };
    };
    this.provider.registerGrantType(
      TOKEN_EXCHANGE,
      handler,
      ['audience', 'resource', 'scope', 'requested_token_type', 'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type'],
      ['audience', 'resource'],
    );
  }
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

function pick(claims: IdpAccount, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => claims[k] !== undefined).map((k) => [k, claims[k]]));
}

function publicOf(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return pub;
}

function importPrivate(jwk: JWK) {
  return importJWK(jwk, 'ES256');
}
