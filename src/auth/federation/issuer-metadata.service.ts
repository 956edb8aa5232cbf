import { Injectable, Logger } from '@nestjs/common';
import { boundedFetch, jsonObject, OutboundFetchError } from './bounded-fetch.js';

/** What this server uses from an authorization server's RFC 8414 / OpenID discovery document. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  token_endpoint?: string;
  introspection_endpoint?: string;
  id_token_signing_alg_values_supported?: string[];
}

const FRESH_MS = 60 * 60 * 1000;
const RETRY_AFTER_FAILURE_MS = 10_000;

/**
 * Discovery of a configured issuer (RFC 8414 §3, then OpenID Connect Discovery §4), cached for an
 * hour; a failure is remembered for ten seconds so a dead provider is not hammered. The `issuer` in
 * the document must equal the configured one exactly (RFC 8414 §3.3, OpenID Discovery §4.3).
 */
@Injectable()
export class IssuerMetadataService {
  private readonly logger = new Logger(IssuerMetadataService.name);
  private readonly cache = new Map<string, { at: number; ok: boolean; value: Promise<IssuerMetadata> }>();

  get(issuer: string): Promise<IssuerMetadata> {
    const hit = this.cache.get(issuer);
    if (hit && Date.now() - hit.at < (hit.ok ? FRESH_MS : RETRY_AFTER_FAILURE_MS)) return hit.value;
    const entry = { at: Date.now(), ok: true, value: this.discover(issuer) };
    entry.value.catch((e: Error) => {
      entry.ok = false;
      entry.at = Date.now();
      this.logger.warn(`Discovery of ${issuer} failed: ${e.message}`);
    });
    this.cache.set(issuer, entry);
    return entry.value;
  }

  private async discover(issuer: string): Promise<IssuerMetadata> {
    const problems: string[] = [];
    for (const url of discoveryUrls(issuer)) {
      let res: Response;
      try {
        res = await boundedFetch(url, { headers: { accept: 'application/json' } });
      } catch (e) {
        problems.push((e as Error).message);
        continue;
      }
      if (res.status !== 200) {
        problems.push(`${url} answered ${res.status}`);
        continue;
      }
      const doc = await jsonObject(res, `The discovery document at ${url}`);
      if (doc.issuer !== issuer) throw new OutboundFetchError(`The discovery document at ${url} names issuer ${JSON.stringify(doc.issuer)}, not ${issuer}`);
      // An https issuer's keys and endpoints must be https too; http only for a loopback development issuer.
      const secure = issuer.startsWith('https:');
      return {
        issuer,
        jwks_uri: endpoint(doc.jwks_uri, secure),
        token_endpoint: endpoint(doc.token_endpoint, secure),
        introspection_endpoint: endpoint(doc.introspection_endpoint, secure),
        id_token_signing_alg_values_supported: stringArray(doc.id_token_signing_alg_values_supported),
      };
    }
    throw new OutboundFetchError(`No discovery document for ${issuer}: ${problems.join('; ')}`);
  }
}

/** RFC 8414 §3.1 (well-known segment before the issuer's path), then OpenID Discovery §4.1 (appended). */
export function discoveryUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return [`${u.origin}/.well-known/oauth-authorization-server${path}`, `${u.origin}${path}/.well-known/openid-configuration`];
}

function endpoint(v: unknown, secure: boolean): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || (!secure && u.protocol === 'http:') ? v : undefined;
  } catch {
    return undefined;
  }
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}
