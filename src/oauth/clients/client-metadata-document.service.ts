import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, isLoopbackHost } from '../../config/app-config.js';
import { OAuthError } from '../oauth-error.js';
import type { GrantType, OAuthClient } from './oauth-client.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { redirectUriProblem } from './redirect-uri.js';
import { guardedLookup, isBlockedAddress } from './ssrf-guard.js';

const MAX_BYTES = 5 * 1024;
const TIMEOUT_MS = 5000;
const CACHE_MS = 60 * 60 * 1000;

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): an https client_id
 * URL is fetched (no private targets, 5 KB, 5 s, no redirects), validated and cached for an hour.
 * Fetch errors are not cached.
 */
@Injectable()
export class ClientMetadataDocumentService {
  private readonly logger = new Logger('Cimd');

  constructor(
    private readonly config: AppConfig,
    private readonly clients: OAuthClientsRepository,
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
    if (name !== undefined && (typeof name !== 'string' || name.length > 100)) throw fail('client_name must be a string of at most 100 characters');
    return {
      clientId,
      kind: 'cimd',
      clientSecretHash: null,
      clientSecretExpiresAt: null,
      tokenEndpointAuthMethod: 'none',
      grantTypes: grants as GrantType[],
      redirectUris: uris as string[],
      scope: typeof doc.scope === 'string' ? doc.scope : null,
      clientName: name ?? null,
      metadata: { client_uri: doc.client_uri, logo_uri: doc.logo_uri },
    };
  }

  private fetch(clientId: string): Promise<Record<string, unknown>> {
    const url = new URL(clientId);
    const allowPrivate = this.config.cimdAllowLoopback && isLoopbackHost(url.hostname);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !allowPrivate && isBlockedAddress(host)) {
      return Promise.reject(new OAuthError('invalid_client', `Client metadata document host ${url.hostname} is a private or reserved address`));
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const fail = (msg: string) => {
        this.logger.warn(`CIMD fetch of ${clientId} failed: ${msg}`);
        reject(new OAuthError('invalid_client', `Could not use the client metadata document at ${clientId}: ${msg}`));
      };
      const req = request(
        url,
        { method: 'GET', headers: { accept: 'application/json' }, lookup: guardedLookup(allowPrivate), timeout: TIMEOUT_MS },
        (res: IncomingMessage) => {
          if (res.statusCode !== 200) {
            res.resume();
            return fail(`HTTP ${res.statusCode} (redirects are not followed)`);
          }
          if (!/^application\/([a-z.+-]*\+)?json\b/i.test(res.headers['content-type'] ?? '')) {
            res.resume();
            return fail('content type must be application/json');
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BYTES) {
              req.destroy();
              fail(`document is larger than ${MAX_BYTES} bytes`);
            } else chunks.push(chunk);
          });
          res.on('end', () => {
            if (size > MAX_BYTES) return;
            try {
              const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
              if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('document must be a JSON object');
              resolve(doc as Record<string, unknown>);
            } catch {
              fail('document is not valid JSON');
            }
          });
          res.on('error', (e) => fail(e.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => fail(e.message));
      req.end();
    });
  }
}
