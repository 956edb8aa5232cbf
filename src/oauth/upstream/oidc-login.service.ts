import { createHmac } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import * as oidc from 'openid-client';
import { displayLogin, displayName } from '../../auth/external/external-claims.js';
import { AppConfig } from '../../config/app-config.js';
import type { OidcSignInConfig } from '../../config/identity-config.js';
import { resolveKeyEncryptionSecret } from '../../keys/key-encryption-secret.js';
import { UpstreamTokensService, type UpstreamTokenGrant } from '../../users/upstream-tokens.service.js';
import type { UserEntity } from '../../users/user.entity.js';
import { AuthorizePageError } from '../authorize/authorize-errors.js';
import { signInClaims, storedSignInClaims, type SignInClaims } from './oidc-policy.js';
import { UpstreamLogin } from './upstream-login.js';

export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';
const TIMEOUT_SECONDS = 10;
const CLAIM_LEASE_SECONDS = 30;
/** A refresh that lost the race for the provider's refresh token accepts what the winner just confirmed. */
const RECENTLY_CONFIRMED_MS = 60_000;

export interface OidcIdentity {
  issuer: string;
  subject: string;
  login: string;
  name: string | null;
  claims: SignInClaims;
  tokens: UpstreamTokenGrant;
}

/** What the provider says about a person at a refresh of this server's grant. */
export type Reconfirmation =
  | { kind: 'confirmed'; claims: SignInClaims }
  | { kind: 'ended'; reason: string }
  | { kind: 'unavailable'; reason: string }
  /** No refresh token nor live access token from the provider: only the stored claims are known. */
  | { kind: 'stale'; claims: SignInClaims | undefined };

/** The provider refused (invalid_grant etc.), as opposed to being unreachable. */
class ProviderRefused extends Error {}

/**
 * Sign-in with any OpenID Connect provider (openid-client): discovery, PKCE (S256), state, nonce and
 * ID token validation, signature included. The PKCE verifier and the nonce are derived from the
 * single-use upstream state with a server secret, so nothing secret is stored between the two legs.
 */
@Injectable()
export class OidcLoginService extends UpstreamLogin {
  readonly displayName = 'your company account';
  private readonly logger = new Logger(OidcLoginService.name);
  private readonly settings: OidcSignInConfig;
  private discovered?: Promise<oidc.Configuration>;
  private secret?: string;

  constructor(
    private readonly config: AppConfig,
    private readonly upstream: UpstreamTokensService,
  ) {
    super();
    this.settings = config.oidc!;
  }

  get issuer(): string {
    return this.settings.issuer;
  }

  async start(_req: Request, res: Response, state: string): Promise<void> {
    const configuration = await this.configurationForPage();
    const { verifier, nonce } = this.derive(state);
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.callbackUrl(),
      scope: this.settings.scopes,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    res.redirect(302, url.href);
  }

  /** The callback leg: code exchange with the derived verifier, state and nonce checked, ID token validated. */
  async identify(req: Request, state: string): Promise<OidcIdentity> {
    const configuration = await this.configurationForPage();
    const { verifier, nonce } = this.derive(state);
    // The callback URL as the provider saw it: this server's public URL, never the Host header.
    const current = new URL(OIDC_CALLBACK_PATH, this.config.publicUrl);
    for (const [k, v] of new URL(req.originalUrl, this.config.publicUrl).searchParams) current.searchParams.append(k, v);
    const tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims()!;
    const raw = await this.withUserInfo(configuration, tokens.access_token, idClaims);
    return {
      issuer: this.settings.issuer,
      subject: idClaims.sub,
      login: displayLogin(raw, idClaims.sub, this.settings.issuer),
      name: displayName(raw),
      claims: signInClaims(raw, this.settings.groupsClaim),
      tokens: grantOf(tokens),
    };
  }

  /**
   * Asks the provider again about a person, at a refresh of this server's grant: with the provider's
   * refresh token (one renewal across all instances), else with a still-valid access token at userinfo.
   */
  async reconfirm(user: UserEntity): Promise<Reconfirmation> {
    const stored = storedSignInClaims(user.signInClaims);
    const credential = await this.upstream.find(user.id, 'oidc');
    if (!credential) return { kind: 'stale', claims: stored };
    let configuration: oidc.Configuration;
    try {
      configuration = await this.configuration();
    } catch (e) {
      return { kind: 'unavailable', reason: `the identity provider is unreachable (${(e as Error).message})` };
    }
    try {
      if (credential.refreshable) {
        const claim = await this.upstream.claimRefresh(user.id, 'oidc', credential.version, CLAIM_LEASE_SECONDS);
        if (!claim) {
          const recent = user.signInCheckedAt && Date.now() - user.signInCheckedAt.getTime() < RECENTLY_CONFIRMED_MS;
          return recent && stored ? { kind: 'confirmed', claims: stored } : { kind: 'unavailable', reason: 'another refresh is confirming this person' };
        }
        let tokens;
        try {
          tokens = await oidc.refreshTokenGrant(configuration, claim.refreshToken);
        } catch (e) {
          if (e instanceof oidc.ResponseBodyError && e.status < 500) {
            await this.upstream.forget(user.id, 'oidc', credential.version);
            throw new ProviderRefused(e.error);
          }
          await this.upstream.releaseClaim(user.id, 'oidc', credential.version);
          throw e;
        }
        await this.upstream.saveRefreshed(user.id, 'oidc', credential.version, grantOf(tokens, claim.refreshToken));
        const idClaims = tokens.claims();
        // OIDC Core §12.2: a refreshed ID token names the same person.
        if (idClaims && idClaims.sub !== user.subject) throw new ProviderRefused('the refreshed ID token names another subject');
        const raw = await this.withUserInfo(configuration, tokens.access_token, idClaims ?? { sub: user.subject! }, !idClaims);
        return { kind: 'confirmed', claims: signInClaims(raw, this.settings.groupsClaim) };
      }
      if (credential.accessExpiresAt && credential.accessExpiresAt.getTime() > Date.now() + 5000) {
        const raw = await this.withUserInfo(configuration, credential.accessToken, { sub: user.subject! }, true);
        return { kind: 'confirmed', claims: signInClaims(raw, this.settings.groupsClaim) };
      }
      return { kind: 'stale', claims: stored };
    } catch (e) {
      if (e instanceof ProviderRefused || (e instanceof oidc.ResponseBodyError && e.status < 500) || e instanceof oidc.WWWAuthenticateChallengeError) {
        this.logger.warn({ msg: 'the identity provider no longer confirms a person', userId: user.id, reason: e.message });
        return { kind: 'ended', reason: 'Your identity provider no longer confirms your sign-in; sign in again.' };
      }
      this.logger.warn({ msg: 'could not reach the identity provider at refresh', userId: user.id, reason: (e as Error).message });
      return { kind: 'unavailable', reason: 'the identity provider could not be reached' };
    }
  }

  /** Userinfo claims merged under the ID token's (OIDC Core §5.3.2: its `sub` must match). Optional unless `required`. */
  private async withUserInfo(
    configuration: oidc.Configuration,
    accessToken: string,
    idClaims: Record<string, unknown> & { sub: string },
    required = false,
  ): Promise<Record<string, unknown>> {
    if (!configuration.serverMetadata().userinfo_endpoint) {
      if (required) throw new Error('the provider has no userinfo endpoint and sent no ID token');
      return idClaims;
    }
    try {
      const info = await oidc.fetchUserInfo(configuration, accessToken, idClaims.sub);
      return { ...info, ...idClaims };
    } catch (e) {
      if (required) throw e;
      this.logger.warn({ msg: 'userinfo failed; using the ID token claims only', reason: (e as Error).message });
      return idClaims;
    }
  }

  private callbackUrl(): string {
    return `${this.config.publicUrl}${OIDC_CALLBACK_PATH}`;
  }

  /** PKCE verifier (RFC 7636 §4.1: 43 characters of base64url) and nonce, bound to this state by HMAC. */
  private derive(state: string): { verifier: string; nonce: string } {
    this.secret ??= resolveKeyEncryptionSecret(this.config);
    const mac = (purpose: string) => createHmac('sha256', this.secret!).update(`${purpose}\u0000${state}`).digest('base64url');
    return { verifier: mac('oidc-pkce'), nonce: mac('oidc-nonce') };
  }

  private async configurationForPage(): Promise<oidc.Configuration> {
    try {
      return await this.configuration();
    } catch (e) {
      this.logger.warn({ msg: 'OpenID provider discovery failed', issuer: this.settings.issuer, reason: (e as Error).message });
      throw new AuthorizePageError(502, 'Sign-in unavailable', 'Your identity provider could not be reached. Try again in a moment.');
    }
  }

  /** Discovery once (OIDC Discovery §4.3: the issuer in the metadata must match exactly); retried after a failure. */
  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((e: unknown) => {
      this.discovered = undefined;
      throw e;
    });
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    const insecure = new URL(issuer).protocol === 'http:'; // loopback outside production only (config validation)
    const found = await oidc.discovery(new URL(issuer), clientId, undefined, undefined, {
      timeout: TIMEOUT_SECONDS,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    const metadata = found.serverMetadata();
    const methods = metadata.token_endpoint_auth_methods_supported;
    const auth = !methods || methods.includes('client_secret_basic') ? oidc.ClientSecretBasic(clientSecret) : oidc.ClientSecretPost(clientSecret);
    const configuration = new oidc.Configuration(metadata, clientId, { client_secret: clientSecret }, auth);
    configuration.timeout = TIMEOUT_SECONDS;
    if (insecure) oidc.allowInsecureRequests(configuration);
    // ID token signatures are checked too, not only the claims (OIDC Core §3.1.3.7 step 6 allows skipping it; we do not).
    oidc.enableNonRepudiationChecks(configuration);
    return configuration;
  }
}

function grantOf(tokens: oidc.TokenEndpointResponse, previousRefreshToken?: string): UpstreamTokenGrant {
  return {
    accessToken: tokens.access_token,
    scope: tokens.scope ?? null,
    expiresInSeconds: typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? tokens.expires_in : undefined,
    // A provider that does not rotate refresh tokens keeps the one it gave before.
    refreshToken: tokens.refresh_token ?? previousRefreshToken,
  };
}
