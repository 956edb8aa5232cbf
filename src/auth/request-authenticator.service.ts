import type { IncomingHttpHeaders } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { RequestContextService } from '../common/context/request-context.service.js';
import { InvalidAccessTokenError } from './access-token.service.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { AdminAccessService } from './admin-access.service.js';
import { API_KEY_PREFIX } from './api-keys/api-key.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthChallengeService } from './auth-challenge.service.js';
import { PRIVILEGED_SCOPES } from './scope-registry.service.js';

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;

export interface AuthenticatedCaller {
  userId?: string;
  clientId: string;
  scopes: ReadonlySet<string>;
}

/**
 * Resource-server authentication of one request, shared by the global guard (REST) and the /mcp
 * handler: a bearer token (this server's JWT, or the company authorization server's), or an API key (`X-API-Key` or `Bearer smcp_...`). Records
 * the caller in the request context; failures throw the 401 with the right Bearer challenge.
 */
@Injectable()
export class RequestAuthenticatorService {
  private readonly logger = new Logger(RequestAuthenticatorService.name);

  constructor(
    private readonly tokens: AccessTokenVerifier,
    private readonly apiKeys: ApiKeysService,
    private readonly challenges: AuthChallengeService,
    private readonly context: RequestContextService,
    private readonly admins: AdminAccessService,
  ) {}

  async authenticate(headers: IncomingHttpHeaders, url: string, method: string): Promise<AuthenticatedCaller> {
    const where = `${method} ${url.split('?')[0]}`;
    // OAuth 2.1 §5.2.2 / MCP authorization §2.6.1: tokens in the query string are never accepted.
    if (url.includes('?') && new URLSearchParams(url.slice(url.indexOf('?') + 1)).has('access_token')) {
      this.warn(where, 'access token sent in the query string');
      throw this.challenges.invalidRequest('Access tokens must be sent in the Authorization header, not the URL');
    }
    const header = headers.authorization;
    const apiKeyHeader = headers['x-api-key'];
    if (!header && apiKeyHeader === undefined) throw this.challenges.missing();
    const bearer = header ? BEARER.exec(header)?.[1] : undefined;
    if (header && !bearer) {
      this.warn(where, 'malformed Authorization header');
      throw this.challenges.invalidToken('Authorization header must be "Bearer <token>"');
    }
    if (apiKeyHeader !== undefined || !bearer || bearer.startsWith(API_KEY_PREFIX)) {
      return this.apiKey(typeof apiKeyHeader === 'string' ? apiKeyHeader : bearer, where);
    }
    let verified;
    try {
      verified = await this.tokens.verify(bearer);
    } catch (e) {
      if (!(e instanceof InvalidAccessTokenError)) throw e;
      this.warn(where, e.message);
      throw this.challenges.invalidToken(`The access token is not valid: ${e.message}`);
    }
    const scopes = verified.privilegesChecked ? verified.scopes : this.stillAllowed(verified.login, verified.scopes);
    this.context.authenticate({
      principal: verified.userId ? { userId: verified.userId, login: verified.login ?? verified.userId } : undefined,
      clientId: verified.clientId,
      scopes,
      authMethod: 'jwt',
      credential: verified.grantId ? `grant:${verified.grantId}` : `token:${verified.tokenId}`,
      tokenId: verified.tokenId,
      grantId: verified.grantId,
    });
    return { userId: verified.userId, clientId: verified.clientId, scopes };
  }

  /** MCP authorization §2.4 step-up: 403 naming the granted plus the required scopes. */
  requireScopes(granted: ReadonlySet<string>, required: readonly string[] | undefined): void {
    if (required && !required.every((s) => granted.has(s))) throw this.challenges.insufficientScope(granted, required);
  }

  private async apiKey(key: string | undefined, where: string): Promise<AuthenticatedCaller> {
    const verified = key ? await this.apiKeys.verify(key) : undefined;
    if (!verified) {
      this.warn(where, 'invalid, expired or revoked API key');
      throw this.challenges.invalidToken('The API key is not valid');
    }
    const clientId = `api-key:${verified.id}`;
    this.context.authenticate({
      principal: { userId: verified.userId, login: verified.login },
      clientId,
      scopes: verified.scopes,
      authMethod: 'api_key',
      credential: `api_key:${verified.id}`,
      tokenId: verified.id,
    });
    return { userId: verified.userId, clientId, scopes: verified.scopes };
  }

  /** SECURITY 35: a token's privileged scopes count only while its user is still an administrator. */
  private stillAllowed(login: string | undefined, scopes: ReadonlySet<string>): ReadonlySet<string> {
    for (const s of PRIVILEGED_SCOPES) if (scopes.has(s) && !this.admins.isAdmin(login)) return new Set(this.admins.allowedScopes(login, scopes));
    return scopes;
  }

  private warn(where: string, reason: string): void {
    this.logger.warn(`auth failed: ${reason} (${where}, request ${this.context.requestId})`);
  }
}
