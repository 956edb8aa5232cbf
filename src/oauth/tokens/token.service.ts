import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { randomToken, safeEqual, sha256 } from '../../common/crypto.js';
import { AccessTokenService } from '../../auth/access-token.service.js';
import { AdminAccessService } from '../../auth/admin-access.service.js';
import { PRIVILEGED_SCOPES } from '../../auth/scope-registry.service.js';
import { RevocationService } from '../../auth/revocation/revocation.service.js';
import { AuditService } from '../../audit/audit.service.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import { isConfidential } from '../clients/oauth-client.js';
import { OAuthError } from '../oauth-error.js';
import { OFFLINE_ACCESS, ScopePolicyService } from '../scope-policy.service.js';
import { IdJagGrantService } from '../id-jag/id-jag-grant.service.js';
import { JWT_BEARER } from '../id-jag/id-jag.verifier.js';
import { UpstreamAccessService } from '../upstream/upstream-access.service.js';
import { AuthorizationCodesRepository } from './authorization-codes.repository.js';
import { GrantsRepository, type IssuedRefresh } from './grants.repository.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

type Form = Record<string, unknown>;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** Without offline_access a refresh token lives a day; with it, REFRESH_TOKEN_TTL_SECONDS. */
const SHORT_REFRESH_SECONDS = 86_400;

/** The token endpoint's grants (OAuth 2.1 §4.1.3, §4.2, §4.3; RFC 9700 §4.14; RFC 8707 §2.2). */
@Injectable()
export class TokenService {
  private readonly logger = new Logger(TokenService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly codes: AuthorizationCodesRepository,
    private readonly grants: GrantsRepository,
    private readonly accessTokens: AccessTokenService,
    private readonly revocation: RevocationService,
    private readonly scopes: ScopePolicyService,
    private readonly audit: AuditService,
    private readonly admins: AdminAccessService,
    private readonly access: UpstreamAccessService,
    private readonly idJag: IdJagGrantService,
  ) {}

  async exchange(client: OAuthClient, form: Form): Promise<TokenResponse> {
    const grantType = str(form.grant_type);
    if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
    // The jwt-bearer grant (ID-JAG) exists only while TRUSTED_IDJAG_ISSUERS names an identity provider.
    if (grantType === JWT_BEARER && this.config.idJag) return this.jwtBearer(client, form);
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token' && grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', `Unsupported grant_type: ${grantType}`);
    }
    if (grantType === 'client_credentials' && !isConfidential(client)) {
      throw new OAuthError('invalid_client', 'client_credentials requires client authentication');
    }
    if (!client.grantTypes.includes(grantType)) throw new OAuthError('unauthorized_client', `This client is not registered for ${grantType}`);
    const resource = this.resource(form.resource);
    switch (grantType) {
      case 'authorization_code':
        return this.authorizationCode(client, form, resource);
      case 'refresh_token':
        return this.refresh(client, form, resource);
      case 'client_credentials':
        return this.clientCredentials(client, form, resource);
    }
  }

  /** RFC 7523 §2.1 with an ID-JAG: an access token only (the client gets a new ID-JAG from its identity provider instead of a refresh token). */
  private async jwtBearer(client: OAuthClient, form: Form): Promise<TokenResponse> {
    const g = await this.idJag.redeem(client, form);
    return this.respond({ userId: g.userId, login: g.login, clientId: client.clientId, scopes: g.scopes }, undefined);
  }

  private async authorizationCode(client: OAuthClient, form: Form, resource: string | undefined): Promise<TokenResponse> {
    const code = str(form.code);
    if (!code) throw new OAuthError('invalid_request', 'code is required');
    const verifier = str(form.code_verifier);
    if (!verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');
    const row = await this.codes.find(sha256(code));
    if (!row || row.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'The authorization code is invalid');
    const pkceOk = VERIFIER.test(verifier) && safeEqual(s256(verifier), row.codeChallenge);
    const redirect = str(form.redirect_uri);
    // OAuth 2.1 §4.1.3: redirect_uri is required, and must be identical, when /authorize carried it.
    const redirectOk = redirect === undefined ? !row.redirectUriGiven : redirect === row.redirectUri;
    if (row.usedAt) {
      // OAuth 2.1 §4.1.3: a code used twice revokes what the first use issued — only when the replay proves possession.
      if (pkceOk && redirectOk && row.grantId) {
        await this.revocation.revokeGrant(row.grantId, 'authorization code replayed');
        this.logger.warn(`Authorization code replay for client ${client.clientId}: grant ${row.grantId} revoked`);
      }
      throw new OAuthError('invalid_grant', 'The authorization code has already been used');
    }
    if (row.expired) throw new OAuthError('invalid_grant', 'The authorization code has expired');
    if (!pkceOk) throw new OAuthError('invalid_grant', 'PKCE verification failed: code_verifier does not match the code_challenge');
    if (!redirectOk) throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
    if (resource !== undefined && resource !== row.resource) throw new OAuthError('invalid_target', 'resource differs from the authorization request');
    // SECURITY 35: a user disabled after the code was issued gets no token.
    if (row.userDisabledAt) throw new OAuthError('invalid_grant', 'The account has been disabled');
    const refresh = client.grantTypes.includes('refresh_token') ? this.newRefresh(row.scopes) : undefined;
    const redeemed = await this.grants.redeemCode(
      row.codeHash,
      { userId: row.userId, clientId: client.clientId, scopes: row.scopes, resource: row.resource },
      refresh?.record,
    );
    if (redeemed === 'user_disabled') throw new OAuthError('invalid_grant', 'The account has been disabled');
    if (redeemed === 'taken') {
      // Lost a race with another redemption of the same code: that is a replay too (OAuth 2.1 §4.1.3).
      const winner = await this.codes.find(row.codeHash);
      if (winner?.grantId) await this.revocation.revokeGrant(winner.grantId, 'authorization code redeemed twice');
      throw new OAuthError('invalid_grant', 'The authorization code has already been used');
    }
    const { grantId } = redeemed;
    this.audit.record({
      kind: 'auth',
      target: 'token.authorization_code',
      outcome: 'ok',
      userId: row.userId,
      login: row.login,
      clientId: client.clientId,
      credential: `grant:${grantId}`,
    });
    return this.respond(
      { userId: row.userId, login: row.login, clientId: client.clientId, scopes: row.scopes, grantId, privilegesFromIdp: row.userSource === 'oidc' },
      refresh?.token,
    );
  }

  private async refresh(client: OAuthClient, form: Form, resource: string | undefined): Promise<TokenResponse> {
    const token = str(form.refresh_token);
    if (!token) throw new OAuthError('invalid_request', 'refresh_token is required');
    const hash = sha256(token);
    const rec = await this.grants.findRefresh(hash);
    if (!rec || rec.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'The refresh token is invalid');
    if (rec.grantRevokedAt) throw new OAuthError('invalid_grant', 'The refresh token has been revoked');
    if (rec.usedAt) {
      // RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole grant.
      await this.revocation.revokeGrant(rec.grantId, 'refresh token reused');
      this.logger.warn(`Refresh token reuse for client ${client.clientId}: grant ${rec.grantId} revoked`);
      throw new OAuthError('invalid_grant', 'The refresh token has already been used');
    }
    if (rec.expired) throw new OAuthError('invalid_grant', 'The refresh token has expired');
    if (rec.userDisabledAt) throw new OAuthError('invalid_grant', 'The account has been disabled');
    if (resource !== undefined && resource !== rec.resource) throw new OAuthError('invalid_target', 'resource differs from the original grant');
    // Allow-lists (GitHub, identity provider groups and domains) again: whoever was removed loses access now.
    const access = await this.access.atRefresh(rec.userId, rec.login);
    if (!access.allowed) {
      if (access.unavailable) throw new OAuthError('server_error', access.reason, { status: 503 });
      await this.revocation.revokeGrant(rec.grantId, 'no longer allowed at refresh');
      this.audit.record({ kind: 'auth', target: 'token.refresh_token', outcome: 'denied', userId: rec.userId, login: rec.login, clientId: client.clientId });
      throw new OAuthError('invalid_grant', access.reason);
    }
    // SECURITY 35: privileged scopes only while the person is still an administrator.
    const held = rec.scopes.filter((s) => access.admin || !PRIVILEGED_SCOPES.has(s));
    const requested = form.scope === undefined ? held : this.scopes.parse(str(form.scope));
    // RFC 6749 §6: a refresh may narrow the scope, never widen it.
    const wider = requested.filter((s) => !held.includes(s));
    if (wider.length) throw new OAuthError('invalid_scope', `Scope beyond the original grant: ${wider.join(' ')}`);
    const next = this.newRefresh(rec.scopes);
    if (!(await this.grants.rotateRefresh(hash, next.record))) {
      await this.revocation.revokeGrant(rec.grantId, 'refresh token raced');
      throw new OAuthError('invalid_grant', 'The refresh token has already been used');
    }
    return this.respond(
      { userId: rec.userId, login: rec.login, clientId: client.clientId, scopes: requested, grantId: rec.grantId, privilegesFromIdp: access.byIdp },
      next.token,
    );
  }

  private async clientCredentials(client: OAuthClient, form: Form, _resource: string | undefined): Promise<TokenResponse> {
    const requested = form.scope === undefined && client.scope ? client.scope.split(' ') : this.scopes.parse(str(form.scope));
    const extra = this.scopes.notRegisteredFor(client, requested);
    if (extra.length) throw new OAuthError('invalid_scope', `This client is not registered for: ${extra.join(' ')}`);
    const privileged = requested.filter((s) => PRIVILEGED_SCOPES.has(s));
    if (privileged.length) throw new OAuthError('invalid_scope', `Not available to client credentials: ${privileged.join(' ')} (use an API key)`);
    const scopes = requested.filter((s) => s !== OFFLINE_ACCESS);
    this.audit.record({ kind: 'auth', target: 'token.client_credentials', outcome: 'ok', clientId: client.clientId });
    return this.respond({ clientId: client.clientId, scopes }, undefined);
  }

  private async respond(
    g: { userId?: string; login?: string; clientId: string; scopes: string[]; grantId?: string; privilegesFromIdp?: boolean },
    refreshToken: string | undefined,
  ): Promise<TokenResponse> {
    const { token, expiresIn } = await this.accessTokens.issue({ ...g, audience: this.config.resourceUrl });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: g.scopes.join(' '),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
  }

  private newRefresh(scopes: string[]): { token: string; record: IssuedRefresh } {
    const token = randomToken(32);
    const ttlSeconds = scopes.includes(OFFLINE_ACCESS)
      ? this.config.refreshTokenTtlSeconds
      : Math.min(SHORT_REFRESH_SECONDS, this.config.refreshTokenTtlSeconds);
    return { token, record: { hash: sha256(token), scopes, ttlSeconds } };
  }

  /** RFC 8707 §2: an absolute URI without fragment, and it must be this server's resource. */
  private resource(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new OAuthError('invalid_target', 'Give exactly one resource');
    if (value.includes('#') || value !== this.config.resourceUrl) throw new OAuthError('invalid_target', `resource must be ${this.config.resourceUrl}`);
    return value;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
