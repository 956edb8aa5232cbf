import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { sha256 } from '../../common/crypto.js';
import { Public } from '../../common/public.decorator.js';
import { AccessTokenService, InvalidAccessTokenError } from '../../auth/access-token.service.js';
import { AppConfig } from '../../config/app-config.js';
import { ClientAuthenticationService } from '../clients/client-authentication.service.js';
import { isConfidential } from '../clients/oauth-client.js';
import { OAuthError } from '../oauth-error.js';
import { GrantsRepository } from './grants.repository.js';
import { requireForm } from './token.controller.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';

/**
 * RFC 7662 introspection, for authenticated confidential clients. A token is described only to the
 * client it was issued to, or (access tokens only: a resource server never holds a refresh token) to a
 * resource server listed in RESOURCE_SERVER_CLIENT_IDS; anyone else
 * learns `{"active":false}` and nothing more (§2.2, §4: the AS decides which tokens a caller may see).
 */
@Public()
@RateLimit('auth')
@Controller('introspect')
export class IntrospectionController {
  constructor(
    private readonly config: AppConfig,
    private readonly clientAuth: ClientAuthenticationService,
    private readonly accessTokens: AccessTokenService,
    private readonly grants: GrantsRepository,
  ) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async introspect(@Req() req: Request): Promise<Record<string, unknown>> {
    requireForm(req);
    const client = await this.clientAuth.authenticate(req);
    if (!isConfidential(client)) throw new OAuthError('invalid_client', 'Introspection requires a confidential client');
    const token = (req.body as Record<string, unknown>).token;
    if (typeof token !== 'string' || token === '') throw new OAuthError('invalid_request', 'token is required');
    try {
      const at = await this.accessTokens.verify(token);
      if (at.clientId !== client.clientId && !this.config.resourceServerClientIds.has(client.clientId)) return { active: false };
      return {
        active: true,
        token_type: 'Bearer',
        scope: [...at.scopes].join(' '),
        client_id: at.clientId,
        sub: at.userId ?? at.clientId,
        ...(at.login ? { username: at.login } : {}),
        aud: this.config.resourceUrl,
        iss: this.config.publicUrl,
        exp: at.expiresAt,
        jti: at.tokenId,
      };
    } catch (e) {
      if (!(e instanceof InvalidAccessTokenError)) throw e;
    }
    const rt = await this.grants.findRefresh(sha256(token));
    if (rt && !rt.usedAt && !rt.expired && !rt.grantRevokedAt && !rt.userDisabledAt && rt.clientId === client.clientId) {
      return { active: true, token_type: 'refresh_token', scope: rt.scopes.join(' '), client_id: rt.clientId, sub: rt.userId, username: rt.login };
    }
    return { active: false };
  }
}
