import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { AppConfig } from '../config/app-config.js';
import { SIGNING_ALG, SigningKeysService } from '../keys/signing-keys.service.js';
import { RevocationCache } from './revocation/revocation-cache.service.js';
import { InvalidAccessTokenError, type AccessTokenVerifier, type VerifiedAccessToken } from './access-token-verifier.js';

export { InvalidAccessTokenError, type VerifiedAccessToken } from './access-token-verifier.js';

/** RFC 9068 §2.1: JWT access tokens are typed so they cannot be confused with other JWTs. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenGrant {
  /** The signed-in person; absent for client_credentials tokens, whose subject is the client (RFC 9068 §2.2). */
  userId?: string;
  login?: string;
  clientId: string;
  scopes: readonly string[];
  grantId?: string;
  ttlSeconds?: number;
  /** RFC 8707 audience; always this server's MCP resource URL unless a narrower one was requested. */
  audience?: string;
  /** The identity provider's groups decided the privileged scopes (checked at issuance and every refresh, not per use). */
  privilegesFromIdp?: boolean;
}

interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope: string;
  username?: string;
  gid?: string;
  /** Set on client_credentials tokens: no person behind the token. */
  gty?: 'client_credentials';
  /** `idp`: privileged scopes were granted by identity provider groups (ADMIN_GROUPS). */
  adm_src?: 'idp';
}

interface VerifiedEntry {
  verified: VerifiedAccessToken;
  issuedAt: number;
  /** Epoch seconds until which the signature check may be reused. */
  until: number;
}

/**
 * A token's signature and claims are verified once and reused for a minute (MCP clients send the
 * same token on every call); expiry and revocation are still checked on every request. Only tokens
 * that verified are cached, keyed by the exact token string.
 */
const VERIFIED_CACHE_SECONDS = 60;
const VERIFIED_CACHE_MAX = 10_000;

/** Issues and verifies this server's access tokens: ES256 JWTs with iss, aud, sub, client_id, scope, jti. */
@Injectable()
export class AccessTokenService implements AccessTokenVerifier {
  private readonly keyResolver = (header: JWTHeaderParameters) => this.resolveKey(header);
  private readonly verifiedCache = new Map<string, VerifiedEntry>();

  constructor(
    private readonly config: AppConfig,
    private readonly keys: SigningKeysService,
    private readonly revocations: RevocationCache,
  ) {}

  async issue(g: AccessTokenGrant): Promise<{ token: string; expiresIn: number; tokenId: string }> {
    const expiresIn = g.ttlSeconds ?? this.config.accessTokenTtlSeconds;
    const tokenId = randomUUID();
    const claims: AccessTokenClaims = {
      iss: this.config.publicUrl,
      aud: g.audience ?? this.config.resourceUrl,
      sub: g.userId ?? g.clientId,
      jti: tokenId,
      client_id: g.clientId,
      scope: g.scopes.join(' '),
      ...(g.userId ? { username: g.login } : { gty: 'client_credentials' as const }),
      ...(g.grantId ? { gid: g.grantId } : {}),
      ...(g.privilegesFromIdp ? { adm_src: 'idp' as const } : {}),
    };
    return { token: await this.keys.sign(claims, ACCESS_TOKEN_TYP, expiresIn), expiresIn, tokenId };
  }

  /** Verifies signature, alg, typ, iss, aud (RFC 8707), expiry and revocation; throws InvalidAccessTokenError. */
  async verify(token: string): Promise<VerifiedAccessToken> {
    const now = Date.now() / 1000;
    let entry = this.verifiedCache.get(token);
    if (!entry || entry.until <= now) {
      entry = await this.verifySignatureAndClaims(token);
      if (this.verifiedCache.size >= VERIFIED_CACHE_MAX) this.verifiedCache.clear();
      this.verifiedCache.set(token, entry);
    }
    const { verified, issuedAt } = entry;
    if (verified.expiresAt + 5 <= now) throw new InvalidAccessTokenError('token has expired');
    // Revocation is checked on every use, cached signature or not.
    const revoked = this.revocations.isRevoked({
      tokenId: verified.tokenId,
      grantId: verified.grantId,
      clientId: verified.clientId,
      userId: verified.userId,
      issuedAt,
    });
    if (revoked) throw new InvalidAccessTokenError('token has been revoked');
    return verified;
  }

  /** Signature, alg, typ, iss, aud, expiry: the expensive part, done once per token per minute. */
  private async verifySignatureAndClaims(token: string): Promise<VerifiedEntry> {
    let payload: AccessTokenClaims;
    try {
      ({ payload } = await jwtVerify<AccessTokenClaims>(token, this.keyResolver, {
        algorithms: [SIGNING_ALG],
        typ: ACCESS_TOKEN_TYP,
        issuer: this.config.publicUrl,
        audience: this.config.resourceUrl,
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'aud'],
        clockTolerance: 5,
      }));
    } catch (e) {
      throw new InvalidAccessTokenError(describe(e));
    }
    if (typeof payload.client_id !== 'string' || typeof payload.scope !== 'string') {
      throw new InvalidAccessTokenError('token is missing client_id or scope');
    }
    const person = payload.gty !== 'client_credentials';
    const verified: VerifiedAccessToken = {
      userId: person ? payload.sub : undefined,
      login: person ? (payload.username ?? payload.sub) : undefined,
      clientId: payload.client_id,
      scopes: new Set(payload.scope.split(' ').filter(Boolean)),
      tokenId: payload.jti!,
      grantId: payload.gid,
      expiresAt: payload.exp!,
      privilegesChecked: person && payload.adm_src === 'idp',
    };
    return { verified, issuedAt: payload.iat!, until: Math.min(payload.exp!, Date.now() / 1000 + VERIFIED_CACHE_SECONDS) };
  }

  /**
   * For RFC 7009 revocation: a token this server signed, whatever its expiry or revocation state.
   * Returns undefined for anything else.
   */
  async decode(token: string): Promise<{ tokenId: string; clientId: string; userId?: string; grantId?: string } | undefined> {
    try {
      const { payload } = await jwtVerify<AccessTokenClaims>(token, this.keyResolver, {
        algorithms: [SIGNING_ALG],
        typ: ACCESS_TOKEN_TYP,
        issuer: this.config.publicUrl,
        currentDate: new Date(0),
      });
      if (!payload.jti || typeof payload.client_id !== 'string') return undefined;
      return { tokenId: payload.jti, clientId: payload.client_id, userId: payload.gty ? undefined : payload.sub, grantId: payload.gid };
    } catch {
      return undefined;
    }
  }

  private async resolveKey(header: JWTHeaderParameters) {
    const key = await this.keys.verificationKey(header.kid);
    if (!key) throw new InvalidAccessTokenError('token was not signed by a key of this server');
    return key;
  }
}

function describe(e: unknown): string {
  if (e instanceof InvalidAccessTokenError) return e.message;
  if (e instanceof errors.JWTExpired) return 'token has expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `token claim "${e.claim}" is not valid for this resource`;
  if (e instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'token signature is not valid';
  return 'token is malformed';
}
