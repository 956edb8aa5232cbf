import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { PRIVILEGED_SCOPES } from '../../auth/scope-registry.service.js';
import { randomToken, safeEqual, sha256 } from '../../common/crypto.js';
import { isStorableText } from '../../common/text.js';
import { AuditService } from '../../audit/audit.service.js';
import { ClientsService } from '../clients/clients.service.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import { redirectUriMatches } from '../clients/redirect-uri.js';
import { OAuthError } from '../oauth-error.js';
import { ScopePolicyService } from '../scope-policy.service.js';
import { UpstreamAccessService } from '../upstream/upstream-access.service.js';
import { AuthorizationCodesRepository } from '../tokens/authorization-codes.repository.js';
import { AuthorizePageError, AuthorizeRedirectError } from './authorize-errors.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { AuthorizationRequestsRepository } from './authorization-requests.repository.js';
import { ConsentsRepository } from './consents.repository.js';
import { redirectUrl } from './redirect-url.js';

const REQUEST_TTL_SECONDS = 600;
const PKCE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;

export interface AuthorizeQuery {
  response_type?: unknown;
  client_id?: unknown;
  redirect_uri?: unknown;
  code_challenge?: unknown;
  code_challenge_method?: unknown;
  state?: unknown;
  scope?: unknown;
  resource?: unknown;
}

export type ValidatedRequest = { client: OAuthClient } & Pick<
  AuthorizationRequest,
  'redirectUri' | 'redirectUriGiven' | 'state' | 'codeChallenge' | 'scopes' | 'resource'
>;

export interface SignedInUser {
  userId: string;
  login: string;
}

/** The authorization endpoint's rules (OAuth 2.1 §4.1.1, RFC 7636, RFC 8707, RFC 9207). */
@Injectable()
export class AuthorizationService {
  constructor(
    private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly scopes: ScopePolicyService,
    private readonly requests: AuthorizationRequestsRepository,
    private readonly consents: ConsentsRepository,
    private readonly codes: AuthorizationCodesRepository,
    private readonly audit: AuditService,
    private readonly access: UpstreamAccessService,
  ) {}

  /** Client and redirect URI first: until both are trusted, nothing may be redirected. */
  async resolveClient(q: AuthorizeQuery): Promise<{ client: OAuthClient; redirectUri: string; redirectUriGiven: boolean; state: string | null }> {
    // RFC 6749 §3.1: parameters must not be repeated (resource may be, RFC 8707 §2).
    if (Array.isArray(q.client_id) || Array.isArray(q.redirect_uri)) {
      throw new AuthorizePageError(400, 'Invalid request', 'client_id and redirect_uri must each appear once.');
    }
    const clientId = single(q.client_id);
    if (!clientId) throw new AuthorizePageError(400, 'Missing client', 'The request has no client_id.');
    let client: OAuthClient | undefined;
    try {
      client = await this.clients.find(clientId);
    } catch (e) {
      throw new AuthorizePageError(400, 'Unknown client', e instanceof OAuthError ? e.description : 'The client could not be resolved.');
    }
    if (!client) throw new AuthorizePageError(400, 'Unknown client', 'This client is not registered with this server, or has been revoked.');
    if (!client.grantTypes.includes('authorization_code')) {
      throw new AuthorizePageError(400, 'Client not allowed', 'This client is not registered for the authorization code flow.');
    }
    const requested = single(q.redirect_uri);
    let redirectUri: string;
    if (requested === undefined) {
      if (client.redirectUris.length !== 1) throw new AuthorizePageError(400, 'Invalid redirect URI', 'redirect_uri is required for this client.');
      redirectUri = client.redirectUris[0];
    } else if (redirectUriMatches(client.redirectUris, requested)) {
      redirectUri = requested;
    } else {
      throw new AuthorizePageError(400, 'Invalid redirect URI', 'The redirect_uri does not match any URI registered for this client.');
    }
    const state = single(q.state) ?? null;
    return { client, redirectUri, redirectUriGiven: requested !== undefined, state };
  }

  /** The remaining parameters; problems here go back to the client. */
  validate(q: AuthorizeQuery, base: { client: OAuthClient; redirectUri: string; redirectUriGiven: boolean; state: string | null }): ValidatedRequest {
    const repeated = (['response_type', 'code_challenge', 'code_challenge_method', 'state', 'scope'] as const).filter((k) => Array.isArray(q[k]));
    if (repeated.length) throw new AuthorizeRedirectError('invalid_request', `Parameters must not be repeated: ${repeated.join(', ')}`);
    if (base.state !== null && base.state.length > 2048) throw new AuthorizeRedirectError('invalid_request', 'state is too long');
    // SECURITY 36: the state is stored with the pending request; Postgres text cannot hold NUL.
    if (base.state !== null && !isStorableText(base.state)) throw new AuthorizeRedirectError('invalid_request', 'state must not contain NUL characters');
    if (single(q.response_type) !== 'code') throw new AuthorizeRedirectError('unsupported_response_type', 'Only response_type=code is supported');
    const challenge = single(q.code_challenge);
    // OAuth 2.1 §4.1.1 + MCP authorization: PKCE with S256 is required; "plain" is refused.
    if (!challenge) throw new AuthorizeRedirectError('invalid_request', 'code_challenge is required (PKCE)');
    if (single(q.code_challenge_method) !== 'S256') throw new AuthorizeRedirectError('invalid_request', 'code_challenge_method must be S256');
    if (!PKCE_CHALLENGE.test(challenge)) throw new AuthorizeRedirectError('invalid_request', 'code_challenge is malformed');
    const resource = this.resource(q.resource);
    let scopes: string[];
    try {
      scopes = this.scopes.parse(single(q.scope));
    } catch (e) {
      throw new AuthorizeRedirectError('invalid_scope', (e as OAuthError).description);
    }
    const extra = this.scopes.notRegisteredFor(base.client, scopes);
    if (extra.length) throw new AuthorizeRedirectError('invalid_scope', `This client is not registered for: ${extra.join(' ')}`);
    if (scopes.length === 0) throw new AuthorizeRedirectError('invalid_scope', 'No scope requested');
    return { ...base, codeChallenge: challenge, scopes, resource };
  }

  /** Stores the pending request bound to this browser; returns the request id and CSRF token for the consent form. */
  async createPending(v: ValidatedRequest, browser: string): Promise<{ requestId: string; csrfToken: string }> {
    const requestId = randomToken(32);
    const csrfToken = randomToken(32);
    await this.requests.create(
      {
        idHash: sha256(requestId),
        clientId: v.client.clientId,
        redirectUri: v.redirectUri,
        redirectUriGiven: v.redirectUriGiven,
        state: v.state,
        codeChallenge: v.codeChallenge,
        scopes: v.scopes,
        resource: v.resource,
        csrfHash: sha256(csrfToken),
        flowHash: sha256(browser),
      },
      REQUEST_TTL_SECONDS,
    );
    return { requestId, csrfToken };
  }

  /** The pending request behind a consent form, if the form's CSRF token and this browser match it. */
  async pendingForConsent(requestId: string, csrfToken: string, browser: string | undefined): Promise<AuthorizationRequest | 'forbidden' | undefined> {
    const request = await this.requests.findPending(sha256(requestId));
    if (!request) return undefined;
    if (!browser || !request.flowHash || !safeEqual(sha256(browser), request.flowHash) || !safeEqual(sha256(csrfToken), request.csrfHash)) return 'forbidden';
    return request;
  }

  /** Approved without a signed-in browser: hand out a single-use upstream state (~10 min, the request's lifetime). */
  async beginUpstream(request: AuthorizationRequest): Promise<string> {
    const state = randomToken(32);
    if (!(await this.requests.beginUpstream(request.idHash, sha256(state))))
      throw new AuthorizePageError(400, 'Request expired', 'This sign-in request has expired. Start again from your MCP client.');
    return state;
  }

  /**
   * The callback side of the upstream sign-in: the state must be known, unexpired, unused and
   * presented by the same browser; it is consumed atomically so a replay finds nothing.
   */
  async takeForCallback(state: string | undefined, browser: string | undefined): Promise<AuthorizationRequest> {
    const invalid = new AuthorizePageError(
      400,
      'Invalid sign-in state',
      'This sign-in link is invalid, expired or was already used. Start again from your MCP client.',
    );
    if (!state || state.length > 200) throw invalid;
    const pending = await this.requests.findByUpstreamState(sha256(state));
    if (!pending || !browser || !pending.flowHash || !safeEqual(sha256(browser), pending.flowHash)) throw invalid;
    const taken = await this.requests.takeByUpstreamState(sha256(state));
    if (!taken) throw invalid;
    return taken;
  }

  /** The choice page between two sign-ins: the state must be live and this browser's, but is not used up yet. */
  async checkUpstreamState(state: string | undefined, browser: string | undefined): Promise<void> {
    if (!state || state.length > 200 || !browser) throw invalidState();
    const pending = await this.requests.findByUpstreamState(sha256(state));
    if (!pending?.flowHash || !safeEqual(sha256(browser), pending.flowHash)) throw invalidState();
  }

  /** A signed-in browser approved: the request is used up here. */
  async take(request: AuthorizationRequest): Promise<AuthorizationRequest> {
    const taken = await this.requests.take(request.idHash);
    if (!taken) throw new AuthorizePageError(400, 'Request expired', 'This sign-in request has expired or was already used.');
    return taken;
  }

  hasConsent(user: SignedInUser, clientId: string, scopes: string[]): Promise<boolean> {
    return this.consents.covers(user.userId, clientId, scopes);
  }

  /** After approval and sign-in: remember consent and send the client its code. */
  async complete(
    request: Pick<AuthorizationRequest, 'clientId' | 'redirectUri' | 'redirectUriGiven' | 'state' | 'codeChallenge' | 'scopes' | 'resource'>,
    user: SignedInUser,
  ): Promise<string> {
    const access = await this.access.atAuthorization(user.userId, user.login);
    if (!access.allowed) return this.errorRedirect(request.redirectUri, request.state, 'access_denied', access.reason);
    // SECURITY 35: privileged scopes (admin) only for ADMIN_GITHUB_LOGINS or ADMIN_GROUPS; others get the rest.
    const scopes = request.scopes.filter((s) => access.admin || !PRIVILEGED_SCOPES.has(s));
    if (scopes.length === 0) {
      return this.errorRedirect(request.redirectUri, request.state, 'access_denied', 'The requested scope is reserved for administrators');
    }
    await this.consents.record(user.userId, request.clientId, scopes);
    const code = randomToken(32);
    await this.codes.insert(
      {
        codeHash: sha256(code),
        clientId: request.clientId,
        userId: user.userId,
        redirectUri: request.redirectUri,
        redirectUriGiven: request.redirectUriGiven,
        codeChallenge: request.codeChallenge,
        scopes,
        resource: request.resource,
      },
      this.config.authCodeTtlSeconds,
    );
    this.audit.record({
      kind: 'auth',
      target: 'authorize',
      outcome: 'ok',
      userId: user.userId,
      login: user.login,
      clientId: request.clientId,
      detail: { scopes },
    });
    // RFC 9207: iss on every authorization response.
    return redirectUrl(request.redirectUri, { code, state: request.state, iss: this.config.publicUrl });
  }

  errorRedirect(redirectUri: string, state: string | null, code: string, description: string): string {
    return redirectUrl(redirectUri, { error: code, error_description: description, state, iss: this.config.publicUrl });
  }

  /** RFC 8707: the only resource is this server's MCP endpoint; absent means that one. */
  private resource(value: unknown): string {
    if (value === undefined) return this.config.resourceUrl;
    const values = Array.isArray(value) ? [...new Set(value)] : [value];
    if (values.length !== 1 || typeof values[0] !== 'string' || values[0] !== this.config.resourceUrl) {
      throw new AuthorizeRedirectError('invalid_target', `resource must be ${this.config.resourceUrl}`);
    }
    return values[0];
  }
}

function invalidState(): AuthorizePageError {
  return new AuthorizePageError(400, 'Invalid sign-in state', 'This sign-in link is invalid, expired or was already used. Start again from your MCP client.');
}

function single(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return undefined;
}
