import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import { displayLogin, displayName, identifier } from '../../auth/external/external-claims.js';
import { PRIVILEGED_SCOPES } from '../../auth/scope-registry.service.js';
import { sha256 } from '../../common/crypto.js';
import { AppConfig } from '../../config/app-config.js';
import { UsersRepository } from '../../users/users.repository.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import { isConfidential } from '../clients/oauth-client.js';
import { OAuthError } from '../oauth-error.js';
import { OFFLINE_ACCESS, ScopePolicyService } from '../scope-policy.service.js';
import { judgeSignIn, signInClaims } from '../upstream/oidc-policy.js';
import { IdJagUsesRepository } from './id-jag-uses.repository.js';
import { IdJagVerifier, JWT_BEARER, type VerifiedIdJag } from './id-jag.verifier.js';

/** Who the access token is for, and with which scopes. */
export interface IdJagGrant {
  userId: string;
  login: string;
  scopes: string[];
}

const DISPLAY_CLAIMS = ['preferred_username', 'email', 'username', 'upn'];

/**
 * The RFC 7523 jwt-bearer grant with an Identity Assertion JWT Authorization Grant (MCP
 * Enterprise-Managed Authorization): the company identity provider decided that this person may use
 * this client here, so there is no consent page. Confidential clients only; the person is the same
 * (issuer, sub) user an OpenID Connect sign-in at that provider gives; each assertion is used once;
 * no refresh token (the client asks the provider for a new ID-JAG, so the provider stays in control).
 * Every accepted and refused grant is audited, without the assertion.
 */
@Injectable()
export class IdJagGrantService {
  private readonly logger = new Logger('IdJag');

  constructor(
    private readonly config: AppConfig,
    private readonly verifier: IdJagVerifier,
    private readonly uses: IdJagUsesRepository,
    private readonly users: UsersRepository,
    private readonly scopes: ScopePolicyService,
    private readonly audit: AuditService,
  ) {}

  async redeem(client: OAuthClient, form: Record<string, unknown>): Promise<IdJagGrant> {
    let jag: VerifiedIdJag | undefined;
    let userId: string | undefined;
    try {
      // ID-JAG draft §4.3 / MCP Enterprise-Managed Authorization: the client authenticates (a confidential client).
      if (!isConfidential(client)) throw new OAuthError('invalid_client', 'The jwt-bearer grant needs an authenticated (confidential) client');
      // RFC 7591 §2: a client uses the grant types it registered; this one must have opted in.
      if (!client.grantTypes.includes(JWT_BEARER)) throw new OAuthError('unauthorized_client', `This client is not registered for ${JWT_BEARER}`);
      // RFC 8707 §2: a resource parameter, when sent, must name this server's MCP endpoint (as the assertion must).
      if (form.resource !== undefined && (typeof form.resource !== 'string' || form.resource !== this.config.resourceUrl))
        throw new OAuthError('invalid_target', `resource must be ${this.config.resourceUrl}`);
      jag = await this.verifier.verify(form.assertion, client.clientId);
      const scopes = this.grantable(client, form.scope, jag.scope);
      this.checkAllowLists(jag);
      const user = await this.users.upsertAssertedUser(
        jag.issuer,
        jag.subject,
        displayLogin(jag.claims, jag.subject, jag.issuer),
        displayName(jag.claims),
        DISPLAY_CLAIMS.some((k) => identifier(jag!.claims[k]) !== undefined),
      );
      userId = user.id;
      const used = await this.uses.consume({
        issuer: jag.issuer,
        jtiHash: sha256(jag.jti),
        clientId: client.clientId,
        userId: user.id,
        expiresAt: new Date((jag.expiresAt + this.config.idJag!.clockSkewSeconds) * 1000),
      });
      // RFC 7523 §3 item 7: a jti is accepted once.
      if (used === 'replayed') throw new OAuthError('invalid_grant', 'The assertion has already been used');
      if (used === 'user_disabled') throw new OAuthError('invalid_grant', 'The account has been disabled');
      this.audit.record({
        kind: 'auth',
        target: 'token.jwt_bearer',
        outcome: 'ok',
        userId: user.id,
        login: user.login,
        clientId: client.clientId,
        detail: { issuer: jag.issuer, scopes: scopes.join(' ') },
      });
      return { userId: user.id, login: user.login, scopes };
    } catch (e) {
      if (e instanceof OAuthError) {
        this.audit.record({
          kind: 'auth',
          target: 'token.jwt_bearer',
          outcome: 'denied',
          clientId: client.clientId,
          ...(userId ? { userId } : {}),
          detail: { error: e.code, reason: e.description, ...(jag ? { issuer: jag.issuer } : {}) },
        });
        this.logger.warn({ msg: 'ID-JAG refused', clientId: client.clientId, error: e.code, reason: e.description });
      }
      throw e;
    }
  }

  /**
   * RFC 6749 §3.3: at most what was asked for — the `scope` parameter, else the assertion's `scope`,
   * else the client's registered scope (or the baseline) — and never more than the assertion names,
   * the client registered for, or an identity assertion may carry (no privileged scope, no offline_access).
   */
  private grantable(client: OAuthClient, formScope: unknown, assertionScope: string[] | undefined): string[] {
    if (formScope !== undefined && typeof formScope !== 'string') throw new OAuthError('invalid_request', 'Give exactly one scope parameter');
    const offered = new Set(this.scopes.offered());
    let requested: string[];
    if (formScope !== undefined && formScope.trim() !== '') requested = this.scopes.parse(formScope);
    else if (assertionScope) requested = assertionScope.filter((s) => offered.has(s));
    else requested = client.scope ? client.scope.split(' ') : this.scopes.parse(undefined);
    const notRegistered = new Set(this.scopes.notRegisteredFor(client, requested));
    const granted = requested.filter(
      (s) => (!assertionScope || assertionScope.includes(s)) && !notRegistered.has(s) && !PRIVILEGED_SCOPES.has(s) && s !== OFFLINE_ACCESS,
    );
    if (granted.length === 0) throw new OAuthError('invalid_scope', 'None of the requested scopes can be granted to this client through an identity assertion');
    return granted;
  }

  /**
   * An assertion from the provider people also sign in with (OIDC_ISSUER) passes the same allow-lists,
   * judged on the assertion's own claims: without the email or groups they need, it is refused.
   */
  private checkAllowLists(jag: VerifiedIdJag): void {
    const oidc = this.config.oidc;
    if (!oidc || oidc.issuer !== jag.issuer) return;
    const verdict = judgeSignIn(oidc, signInClaims(jag.claims, oidc.groupsClaim));
    if (!verdict.allowed) throw new OAuthError('invalid_grant', verdict.reason);
  }
}
