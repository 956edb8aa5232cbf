import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { MetadataKey } from '../common/metadata-keys.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { AccessTokenService, InvalidAccessTokenError } from './access-token.service.js';
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
    private readonly challenges: AuthChallengeService,
    private readonly context: RequestContextService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(MetadataKey.Public, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request>();

    // OAuth 2.1 §5.2.2 / MCP authorization §2.6.1: tokens in the query string are never accepted.
    if (new URL(req.originalUrl, 'http://x').searchParams.has('access_token')) {
      this.warn(req, 'access token sent in the query string');
      throw this.challenges.invalidRequest('Access tokens must be sent in the Authorization header, not the URL');
    }
    const header = req.headers.authorization;
    if (!header) throw this.challenges.missing();
    const match = BEARER.exec(header);
    if (!match) {
      this.warn(req, 'malformed Authorization header');
      throw this.challenges.invalidToken('Authorization header must be "Bearer <token>"');
    }

    let verified;
    try {
      verified = await this.tokens.verify(match[1]);
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

    const required = this.reflector.getAllAndOverride<string[] | undefined>(MetadataKey.RequiredScopes, targets);
    if (required && !required.every((s) => verified.scopes.has(s))) {
      throw this.challenges.insufficientScope(verified.scopes, required);
    }
    return true;
  }

  private warn(req: Request, reason: string): void {
    this.logger.warn(`auth failed: ${reason} (${req.method} ${req.path}, request ${this.context.requestId})`);
  }
}
