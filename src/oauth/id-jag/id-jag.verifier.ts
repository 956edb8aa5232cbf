import { Injectable, Logger } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { identifier } from '../../auth/external/external-claims.js';
import { OutboundFetchError } from '../../auth/federation/bounded-fetch.js';
import { IssuerKeysService } from '../../auth/federation/issuer-keys.service.js';
import { AppConfig } from '../../config/app-config.js';
import type { IdJagConfig } from '../../config/identity-config.js';
import type { JwtBearerGrantType } from '../clients/oauth-client.js';
import { OAuthError } from '../oauth-error.js';

/** RFC 7523 §2.1: the grant type that presents a JWT as an authorization grant. */
export const JWT_BEARER: JwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** ID-JAG draft §3.1: the JOSE header `typ` of an Identity Assertion JWT Authorization Grant. */
export const ID_JAG_TYP = 'oauth-id-jag+jwt';
/** An ID-JAG is a few hundred bytes; anything this long is not one. */
export const MAX_ASSERTION_LENGTH = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** What a verified ID-JAG says: who, for which client, until when, and which scopes (if it names any). */
export interface VerifiedIdJag {
  issuer: string;
  subject: string;
  jti: string;
  clientId: string;
  /** Epoch seconds. */
  expiresAt: number;
  scope?: string[];
  claims: JWTPayload;
}

/** RFC 7523 §3.1: a bad assertion is `invalid_grant`. */
function rejected(description: string): OAuthError {
  return new OAuthError('invalid_grant', description);
}

/**
 * Verifies an Identity Assertion JWT Authorization Grant (draft-ietf-oauth-identity-assertion-authz-grant,
 * MCP Enterprise-Managed Authorization) presented at /token: typ, issuer among TRUSTED_IDJAG_ISSUERS
 * (checked before any key is fetched), signature against that issuer's JWKS from discovery (asymmetric
 * algorithms only), `aud` = this server's issuer, a short lifetime, `client_id` = the authenticated
 * client and `resource` = this server's MCP endpoint. Single use of `jti` is the caller's step.
 */
@Injectable()
export class IdJagVerifier {
  private readonly logger = new Logger('IdJag');

  constructor(
    private readonly config: AppConfig,
    private readonly issuerKeys: IssuerKeysService,
  ) {}

  private get settings(): IdJagConfig {
    return this.config.idJag!;
  }

  async verify(assertion: unknown, clientId: string): Promise<VerifiedIdJag> {
    if (assertion === undefined || assertion === '') throw new OAuthError('invalid_request', 'assertion is required');
    if (typeof assertion !== 'string') throw new OAuthError('invalid_request', 'Give exactly one assertion');
    if (assertion.length > MAX_ASSERTION_LENGTH || !COMPACT_JWS.test(assertion)) throw rejected('The assertion is not a signed JWT');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      unverified = decodeJwt(assertion);
    } catch {
      throw rejected('The assertion is not a signed JWT');
    }
    // ID-JAG draft §3.1 / RFC 8725 §3.11: explicit typing, so an ID token or access token cannot stand in for a grant.
    // RFC 7515 §4.1.9: the media type may be written with its "application/" prefix, in any letter case.
    if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== ID_JAG_TYP) {
      throw rejected(`The assertion is not an ID-JAG (its JOSE header typ must be ${ID_JAG_TYP})`);
    }
    // RFC 7523 §3 item 1: only configured issuers; nothing is fetched for any other.
    const issuer = unverified.iss;
    if (typeof issuer !== 'string' || !this.settings.issuers.includes(issuer)) throw rejected('The assertion was not issued by a trusted identity provider');

    let keys: Awaited<ReturnType<IssuerKeysService['for']>>;
    try {
      keys = await this.issuerKeys.for(issuer);
    } catch (e) {
      this.logger.warn({ msg: 'the keys of a trusted ID-JAG issuer could not be fetched', issuer, reason: (e as Error).message });
      throw new OAuthError('server_error', 'The identity provider’s keys could not be fetched; try again in a moment', { status: 503 });
    }
    const skew = this.settings.clockSkewSeconds;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(assertion, keys.keys, {
        issuer,
        // ID-JAG draft §3.1, RFC 7523 §3 item 3: the audience is this authorization server's issuer identifier.
        audience: this.config.publicUrl,
        algorithms: keys.algorithms,
        typ: ID_JAG_TYP,
        clockTolerance: skew,
        maxTokenAge: this.settings.maxLifetimeSeconds,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
      }));
    } catch (e) {
      if (e instanceof OutboundFetchError || e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) {
        this.logger.warn({ msg: 'the keys of a trusted ID-JAG issuer could not be fetched', issuer, reason: e.message });
        throw new OAuthError('server_error', 'The identity provider’s keys could not be fetched; try again in a moment', { status: 503 });
      }
      throw rejected(reasonOf(e));
    }
    return this.checkClaims(issuer, claims, clientId);
  }

  private checkClaims(issuer: string, claims: JWTPayload, clientId: string): VerifiedIdJag {
    const { exp, iat } = claims as { exp: number; iat: number };
    // RFC 7523 §3 item 4 and the draft's short lifetime: an assertion that lives longer is refused whole.
    if (exp - iat > this.settings.maxLifetimeSeconds) throw rejected(`The assertion lives longer than ${this.settings.maxLifetimeSeconds} seconds`);
    if (Array.isArray(claims.aud) && claims.aud.length !== 1) throw rejected('The assertion must name this authorization server as its only audience');
    const subject = identifier(claims.sub);
    if (!subject) throw rejected('The assertion’s sub is not a usable identifier');
    const jti = identifier(claims.jti);
    if (!jti) throw rejected('The assertion’s jti is not a usable identifier');
    // ID-JAG draft §4.3: the client the identity provider issued the grant to must be the one presenting it.
    if (claims.client_id !== clientId) throw rejected('The assertion was issued to another client');
    // ID-JAG draft §3.1 / RFC 8707: the grant is for this MCP server's resource only.
    const resource = claims.resource;
    const resources = typeof resource === 'string' ? [resource] : Array.isArray(resource) ? resource : [];
    if (resources.length !== 1 || resources[0] !== this.config.resourceUrl) throw rejected(`The assertion is not for the resource ${this.config.resourceUrl}`);
    let scope: string[] | undefined;
    if (claims.scope !== undefined) {
      if (typeof claims.scope !== 'string' || (claims.scope !== '' && !SCOPE.test(claims.scope))) throw rejected('The assertion’s scope is malformed');
      scope = [...new Set(claims.scope.split(' ').filter(Boolean))];
    }
    return { issuer, subject, jti, clientId, expiresAt: exp, scope, claims };
  }
}

/** What went wrong, in words that name no claim value (they come from the presenter). */
function reasonOf(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'The assertion has expired';
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'aud':
        return 'The assertion’s audience is not this authorization server';
      case 'iat':
        return e.reason === 'check_failed' ? 'The assertion was issued in the future or too long ago' : 'The assertion’s iat is missing or malformed';
      case 'nbf':
        return 'The assertion is not yet valid';
      default:
        return `The assertion’s ${e.claim} claim is missing or invalid`;
    }
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return 'The assertion’s signature algorithm is not accepted';
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return 'The assertion is not signed with a key of its issuer';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'The assertion’s signature is not valid';
  return 'The assertion is not a valid ID-JAG';
}
