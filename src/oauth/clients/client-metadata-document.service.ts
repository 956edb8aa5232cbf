import { isIP } from 'node:net';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, isLoopbackHost } from '../../config/app-config.js';
import { isDisplayText } from '../../common/text.js';
import { OAuthError } from '../oauth-error.js';
import { ScopePolicyService } from '../scope-policy.service.js';
import { APPLICATION_TYPES, type ApplicationType, type GrantType, type OAuthClient } from './oauth-client.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { redirectUriProblem } from './redirect-uri.js';
import { limitedGet, OutboundFetchError } from '../../common/outbound/limited-get.js';
import { guardedLookup, isBlockedAddress } from '../../common/outbound/ssrf-guard.js';

const MAX_BYTES = 5 * 1024;
/** The whole fetch: connecting, the headers and the body together. */
const DEADLINE_MS = 5000;
const CACHE_MS = 60 * 60 * 1000;
/** RFC 6749 §3.3 scope tokens, space-separated. */
const SCOPE_LIST = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): an https client_id
 * URL is fetched (no private targets, 5 KB, 5 s in total, no redirects), validated and cached for an hour.
 * Fetch errors are not cached.
 */
@Injectable()
export class ClientMetadataDocumentService {
  private readonly logger = new Logger(ClientMetadataDocumentService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly clients: OAuthClientsRepository,
    private readonly scopes: ScopePolicyService,
  ) {}

  /** Whether `clientId` is in the URL form this server fetches. */
  isDocumentUrl(clientId: string): boolean {
    let url: URL;
    try {
      url = new URL(clientId);
    } catch {
      return false;
    }
    const loopbackHttp = this.config.cimdAllowLoopback && url.protocol === 'http:' && isLoopbackHost(url.hostname);
    return (url.protocol === 'https:' || loopbackHttp) && url.pathname.length > 1 && !url.hash && !url.username && !url.password;
  }

  async resolve(clientId: string): Promise<OAuthClient> {
    const cached = await this.clients.findById(clientId);
    if (cached?.revokedAt) throw new OAuthError('invalid_client', 'This client has been revoked');
    if (cached && cached.fetchedAt && Date.now() - new Date(cached.fetchedAt).getTime() < CACHE_MS) return cached;
    const doc = await this.fetch(clientId);
    return this.clients.upsertCimd(this.validate(clientId, doc));
  }

  private validate(clientId: string, doc: Record<string, unknown>): Parameters<OAuthClientsRepository['upsertCimd']>[0] {
    const fail = (msg: string) => new OAuthError('invalid_client', `Client metadata document at ${clientId}: ${msg}`);
    if (doc.client_id !== clientId) throw fail('client_id must equal the document URL exactly');
    if ('client_secret' in doc || 'client_secret_expires_at' in doc) throw fail('must not contain a client_secret');
    const method = doc.token_endpoint_auth_method ?? 'none';
    if (method !== 'none') throw fail('token_endpoint_auth_method must be "none" (documents cannot carry secrets)');
    const uris = doc.redirect_uris;
    if (!Array.isArray(uris) || uris.length === 0) throw fail('redirect_uris must be a non-empty array');
    for (const u of uris) {
      const problem = redirectUriProblem(u);
      if (problem) throw fail(`redirect_uri ${JSON.stringify(u)} ${problem}`);
    }
    const grants = (doc.grant_types ?? ['authorization_code', 'refresh_token']) as unknown[];
    if (!Array.isArray(grants) || grants.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) {
      throw fail('grant_types may only contain authorization_code and refresh_token');
    }
    const name = doc.client_name;
    if (name !== undefined && (typeof name !== 'string' || name.length > 100 || !isDisplayText(name))) {
      throw fail('client_name must be a string of at most 100 characters, without control characters or direction overrides');
    }
    const scope = doc.scope;
    if (scope !== undefined && (typeof scope !== 'string' || scope.length > 1000 || !SCOPE_LIST.test(scope)))
      throw fail('scope must be space-separated scope tokens');
    const applicationType = doc.application_type;
    if (applicationType !== undefined && !APPLICATION_TYPES.includes(applicationType as ApplicationType))
      throw fail(`application_type must be one of ${APPLICATION_TYPES.join(', ')}`);
    return {
      clientId,
      kind: 'cimd',
      clientSecretHash: null,
      clientSecretExpiresAt: null,
      tokenEndpointAuthMethod: 'none',
      grantTypes: grants as GrantType[],
      redirectUris: uris as string[],
      scope: typeof scope === 'string' ? scope : null,
      clientName: name ?? null,
      applicationType: (applicationType as ApplicationType | undefined) ?? null,
      scopesOfferedAtRegistration: this.scopes.offered(),
      metadata: { client_uri: doc.client_uri, logo_uri: doc.logo_uri },
    };
  }

  private async fetch(clientId: string): Promise<Record<string, unknown>> {
    const url = new URL(clientId);
    const allowPrivate = this.config.cimdAllowLoopback && isLoopbackHost(url.hostname);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !allowPrivate && isBlockedAddress(host)) {
      throw new OAuthError('invalid_client', `Client metadata document host ${url.hostname} is a private or reserved address`);
    }
    const fail = (msg: string) => {
      this.logger.warn(`CIMD fetch of ${clientId} failed: ${msg}`);
      return new OAuthError('invalid_client', `Could not use the client metadata document at ${clientId}: ${msg}`);
    };
    let res;
    try {
      // SECURITY 37: 5 s in total (not per idle period), 5 KB, no redirect, no private address.
      res = await limitedGet(url, { deadlineMs: DEADLINE_MS, maxBytes: MAX_BYTES, accept: 'application/json', lookup: guardedLookup(allowPrivate) });
    } catch (e) {
      throw fail(e instanceof OutboundFetchError ? e.message : 'the fetch failed');
    }
    if (res.status !== 200) throw fail(`HTTP ${res.status} (redirects are not followed)`);
    if (!/^application\/([a-z.+-]*\+)?json\b/i.test(res.contentType)) throw fail('content type must be application/json');
    let doc: unknown;
    try {
      doc = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw fail('document is not valid JSON');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail('document must be a JSON object');
    return doc as Record<string, unknown>;
  }
}
