import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { MetadataKey } from '../common/metadata-keys.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { AccessTokenService, InvalidAccessTokenError } from './access-token.service.js';
import { API_KEY_PREFIX } from './api-keys/api-key.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthChallengeService } from './auth-challenge.service.js';

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Global guard, deny by default: every route needs a valid bearer token unless it is @Public().
 * Then @RequireScope() on the handler or its class is enforced.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly apiKeys: ApiKeysService,
    private readonly challenges: AuthChallengeService,
    private readonly context: RequestContextService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets: [Function, Function] = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(MetadataKey.Public, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request>();

    // OAuth 2.1 §5.2.2 / MCP authorization §2.6.1: tokens in the query string are never accepted.
    if (new URL(req.originalUrl, 'http://x').searchParams.has('access_token')) {
      this.warn(req, 'access token sent in the query string');
      throw this.challenges.invalidRequest('Access tokens must be sent in the Authorization header, not the URL');
    }
    const header = req.headers.authorization;
    const apiKeyHeader = req.headers['x-api-key'];
    if (!header && apiKeyHeader === undefined) throw this.challenges.missing();
    const match = header ? BEARER.exec(header) : null;
    if (header && !match) {
      this.warn(req, 'malformed Authorization header');
      throw this.challenges.invalidToken('Authorization header must be "Bearer <token>"');
    }
    const bearer = match?.[1];
    if (apiKeyHeader !== undefined || !bearer || bearer.startsWith(API_KEY_PREFIX)) {
      return this.authenticateApiKey(req, typeof apiKeyHeader === 'string' ? apiKeyHeader : bearer, targets);
    }

    let verified;
    try {
      verified = await this.tokens.verify(bearer);
    } catch (e) {
      if (!(e instanceof InvalidAccessTokenError)) throw e;
      this.warn(req, e.message);
      throw this.challenges.invalidToken(`The access token is not valid: ${e.message}`);
    }
    this.context.authenticate({
      principal: verified.userId ? { userId: verified.userId, login: verified.login ?? verified.userId } : undefined,
      clientId: verified.clientId,
      scopes: verified.scopes,
      authMethod: 'jwt',
      tokenId: verified.tokenId,
      grantId: verified.grantId,
    });

    this.requireScopes(verified.scopes, targets);
    return true;
  }

  /** API keys for scripts and CI, as `X-API-Key` or `Authorization: Bearer smcp_...`. */
  private async authenticateApiKey(req: Request, key: string | undefined, targets: [Function, Function]): Promise<boolean> {
    const verified = key ? await this.apiKeys.verify(key) : undefined;
    if (!verified) {
      this.warn(req, 'invalid, expired or revoked API key');
      throw this.challenges.invalidToken('The API key is not valid');
    }
    this.context.authenticate({
      principal: { userId: verified.userId, login: verified.login },
      clientId: `api-key:${verified.id}`,
      scopes: verified.scopes,
      authMethod: 'api_key',
      tokenId: verified.id,
    });
    this.requireScopes(verified.scopes, targets);
    return true;
  }

  private requireScopes(granted: ReadonlySet<string>, targets: [Function, Function]): void {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(MetadataKey.RequiredScopes, targets);
    if (required && !required.every((s) => granted.has(s))) throw this.challenges.insufficientScope(granted, required);
  }

  private warn(req: Request, reason: string): void {
    this.logger.warn(`auth failed: ${reason} (${req.method} ${req.path}, request ${this.context.requestId})`);
  }
}
