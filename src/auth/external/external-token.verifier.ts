import { Injectable, Logger } from '@nestjs/common';
import { decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { sha256 } from '../../common/crypto.js';
import { AppConfig } from '../../config/app-config.js';
import { EXTERNAL_MAX_TOKEN_LIFETIME_SECONDS, type ExternalAuthConfig } from '../../config/identity-config.js';
import { AccessTokenVerifier, InvalidAccessTokenError, type VerifiedAccessToken } from '../access-token-verifier.js';
import { OutboundFetchError } from '../federation/bounded-fetch.js';
import { IssuerKeysService } from '../federation/issuer-keys.service.js';
import { RevocationCache } from '../revocation/revocation-cache.service.js';
import { clientIdOf, displayLogin, displayName, grantedScopes, identifier } from './external-claims.js';
import { ExternalIdentityService } from './external-identity.service.js';
import { TokenIntrospectionClient } from './token-introspection.client.js';

interface VerifiedEntry {
  issuer: string;
  subject: string;
  clientId: string;
  scopes: ReadonlySet<string>;
  tokenId: string;
  /** Seconds; 0 when the token carries no `iat` (then every user or client revocation applies to it). */
  issuedAt: number;
  expiresAt: number;
  login: string;
  name: string | null;
  /** Epoch seconds until which this verification may be reused: min(exp, 60 s). */
  until: number;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/**
 * RFC 9068 §4: a typed access token must be `at+jwt`. The generic `JWT` of Entra ID and Keycloak is
 * accepted (the audience check already tells an ID token apart); any other type (an ID-JAG, a DPoP
 * proof, a logout token) is not an access token.
 */
const ACCEPTED_TYP = new Set(['at+jwt', 'application/at+jwt', 'jwt']);
const REUSE_SECONDS = 60;
const CACHE_MAX = 10_000;
const CLOCK_TOLERANCE = 5;

/**
 * AUTH_MODE=external: accepts access tokens of the company authorization server(s). JWTs are checked
 * against the issuer's JWKS (signature with a pinned algorithm, iss, aud, exp, nbf, typ); opaque
 * tokens are introspected (RFC 7662). Either result is reused for at most min(exp, 60 s); the
 * person is mapped to a local user id from memory, and the deny list (user, client, jti) is
 * consulted on every request.
 */
@Injectable()
export class ExternalTokenVerifier extends AccessTokenVerifier {
  private readonly logger = new Logger(ExternalTokenVerifier.name);
  private readonly cache = new Map<string, VerifiedEntry>();

  constructor(
    private readonly config: AppConfig,
    private readonly keys: IssuerKeysService,
    private readonly introspection: TokenIntrospectionClient,
    private readonly identities: ExternalIdentityService,
    private readonly revocations: RevocationCache,
  ) {
    super();
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    const now = Date.now() / 1000;
    let entry = this.cache.get(token);
    if (!entry || entry.until <= now) {
      entry = JWT_SHAPE.test(token) ? await this.verifyJwt(token) : await this.introspect(token);
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(token, entry);
    }
    if (entry.expiresAt + CLOCK_TOLERANCE <= now) throw new InvalidAccessTokenError('token has expired');
    const identity = await this.identities.resolve(entry.issuer, entry.subject, entry.login, entry.name);
    // A disabled person's tokens are refused whenever issued (the disable lasts until an admin enables them again).
    const revoked = this.revocations.isRevoked({ tokenId: entry.tokenId, clientId: entry.clientId, userId: identity.userId, issuedAt: entry.issuedAt });
    if (revoked) throw new InvalidAccessTokenError('token has been revoked');
    return {
      userId: identity.userId,
      login: identity.login,
      clientId: entry.clientId,
      scopes: entry.scopes,
      tokenId: entry.tokenId,
      expiresAt: entry.expiresAt,
      privilegesChecked: true,
    };
  }

  private get external(): ExternalAuthConfig {
    return this.config.external!;
  }

  private async verifyJwt(token: string): Promise<VerifiedEntry> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidAccessTokenError('token is malformed');
    }
    if (typeof issuer !== 'string' || !this.external.issuers.includes(issuer)) {
      throw new InvalidAccessTokenError('token was not issued by a trusted authorization server');
    }
    let keys;
    try {
      keys = await this.keys.for(issuer, { jwksUrl: this.external.jwksUrl, cooldownMs: this.external.jwksCooldownMs });
    } catch (e) {
      this.logger.warn(`Keys of ${issuer} unavailable: ${(e as Error).message}`);
      throw new InvalidAccessTokenError("the authorization server's keys could not be loaded");
    }
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, keys.keys, {
        issuer,
        audience: this.external.audience,
        algorithms: keys.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: CLOCK_TOLERANCE,
      });
      payload = verified.payload;
      const typ = verified.protectedHeader.typ;
      if (typ !== undefined && !ACCEPTED_TYP.has(typ.toLowerCase())) throw new InvalidAccessTokenError(`a token of type ${typ} is not an access token`);
    } catch (e) {
      if (e instanceof OutboundFetchError) this.logger.warn(`Keys of ${issuer} unavailable: ${e.message}`);
      throw new InvalidAccessTokenError(describe(e));
    }
    return this.entry(issuer, payload, token);
  }

  private async introspect(token: string): Promise<VerifiedEntry> {
    if (!this.introspection.enabled) throw new InvalidAccessTokenError('token is malformed');
    let result;
    try {
      result = await this.introspection.introspect(token);
    } catch (e) {
      if (!(e instanceof OutboundFetchError)) throw e;
      this.logger.warn(`Introspection failed: ${e.message}`);
      throw new InvalidAccessTokenError('the authorization server could not confirm the token');
    }
    if (!result) throw new InvalidAccessTokenError('token is not active');
    const { issuer, claims } = result;
    // RFC 7662 §2.2: the optional members, when present, must agree with this resource.
    if (claims.iss !== undefined && claims.iss !== issuer) throw new InvalidAccessTokenError('token claim "iss" is not valid for this resource');
    const aud = claims.aud;
    if (!(aud === this.external.audience || (Array.isArray(aud) && aud.includes(this.external.audience)))) {
      throw new InvalidAccessTokenError('token claim "aud" is not valid for this resource');
    }
    if (claims.token_type === 'refresh_token') throw new InvalidAccessTokenError('a refresh token is not an access token');
    const now = Date.now() / 1000;
    if (typeof claims.exp === 'number' && claims.exp + CLOCK_TOLERANCE <= now) throw new InvalidAccessTokenError('token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_TOLERANCE > now) throw new InvalidAccessTokenError('token is not valid yet');
    return this.entry(issuer, claims, token);
  }

  private entry(issuer: string, claims: Record<string, unknown>, token: string): VerifiedEntry {
    const subject = identifier(claims.sub);
    if (!subject) throw new InvalidAccessTokenError('token has no usable "sub" claim');
    const now = Date.now() / 1000;
    const expiresAt = typeof claims.exp === 'number' ? claims.exp : now + REUSE_SECONDS;
    const issuedAt = typeof claims.iat === 'number' ? claims.iat : 0;
    // The deny list remembers revocations this long; a longer-lived token could outlive its revocation.
    if (expiresAt - (issuedAt || now) > EXTERNAL_MAX_TOKEN_LIFETIME_SECONDS + CLOCK_TOLERANCE) {
      throw new InvalidAccessTokenError('token lives longer than the 24 hours this server accepts');
    }
    return {
      issuer,
      subject,
      clientId: clientIdOf(claims) ?? 'unknown-client',
      scopes: grantedScopes(claims, this.external.scopeClaim, this.external.admin),
      tokenId: identifier(claims.jti) ?? `sha256:${sha256(token)}`,
      issuedAt,
      expiresAt,
      login: displayLogin(claims, subject, issuer),
      name: displayName(claims),
      until: Math.min(expiresAt, now + REUSE_SECONDS),
    };
  }
}

function describe(e: unknown): string {
  if (e instanceof InvalidAccessTokenError) return e.message;
  if (e instanceof OutboundFetchError) return "the authorization server's keys could not be loaded";
  if (e instanceof errors.JWTExpired) return 'token has expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `token claim "${e.claim}" is not valid for this resource`;
  if (e instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (e instanceof errors.JWKSNoMatchingKey) return 'token was not signed by a key of its issuer';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'token signature is not valid';
  if (e instanceof errors.JOSEError && e.code === 'ERR_JWKS_TIMEOUT') return "the authorization server's keys could not be loaded";
  return 'token is malformed';
}
