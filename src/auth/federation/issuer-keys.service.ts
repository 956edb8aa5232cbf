import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { boundedFetch, OutboundFetchError } from './bounded-fetch.js';
import { IssuerMetadataService } from './issuer-metadata.service.js';

/** Signature algorithms accepted from another issuer: asymmetric only (never none, never HS*; RFC 8725 §3.1). */
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface IssuerKeys {
  keys: JWTVerifyGetKey;
  /** The algorithms the issuer's metadata allows (asymmetric ones only). */
  algorithms: string[];
}

const JWKS_TIMEOUT_MS = 5000;
const JWKS_MAX_BYTES = 256 * 1024;
const DEFAULT_COOLDOWN_MS = 60_000;

/**
 * The signing keys of another issuer (an external authorization server, an ID-JAG issuer): its
 * JWKS from discovery (or a configured URL), through jose's remote key set: cached, refetched on an
 * unknown `kid` at most once per cool-down, with a deadline and a size cap on every fetch.
 */
@Injectable()
export class IssuerKeysService {
  private readonly sets = new Map<string, Promise<IssuerKeys>>();

  constructor(private readonly metadata: IssuerMetadataService) {}

  for(issuer: string, opts: { jwksUrl?: string; cooldownMs?: number } = {}): Promise<IssuerKeys> {
    let set = this.sets.get(issuer);
    if (!set) {
      set = this.create(issuer, opts);
      this.sets.set(issuer, set);
      // A failed discovery is retried by the next caller (the metadata service spaces the retries out).
      set.catch(() => this.sets.delete(issuer));
    }
    return set;
  }

  private async create(issuer: string, opts: { jwksUrl?: string; cooldownMs?: number }): Promise<IssuerKeys> {
    const meta = await this.metadata.get(issuer);
    const jwksUrl = opts.jwksUrl ?? meta.jwks_uri;
    if (!jwksUrl) throw new OutboundFetchError(`${issuer} publishes no jwks_uri`);
    const advertised = meta.id_token_signing_alg_values_supported;
    const algorithms = advertised ? ASYMMETRIC_ALGS.filter((a) => advertised.includes(a)) : ASYMMETRIC_ALGS;
    if (algorithms.length === 0) throw new OutboundFetchError(`${issuer} advertises no asymmetric signing algorithm`);
    const keys = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: opts.cooldownMs ?? DEFAULT_COOLDOWN_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
      [customFetch]: (url: string, init: RequestInit) =>
        boundedFetch(url, { headers: new Headers(init.headers), signal: init.signal ?? undefined, timeoutMs: JWKS_TIMEOUT_MS, maxBytes: JWKS_MAX_BYTES }),
    });
    return { keys, algorithms };
  }
}
