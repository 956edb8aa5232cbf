import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { sha256 } from '../../common/crypto.js';
import { Public } from '../../common/public.decorator.js';
import { AccessTokenService } from '../../auth/access-token.service.js';
import { RevocationService } from '../../auth/revocation/revocation.service.js';
import { ClientAuthenticationService } from '../clients/client-authentication.service.js';
import { OAuthError } from '../oauth-error.js';
import { GrantsRepository } from './grants.repository.js';
import { requireForm } from './token.controller.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';

/** RFC 7009 revocation: only the owning client may revoke; unknown tokens still answer 200 (§2.2). */
@Public()
@RateLimit('auth')
@Controller('revoke')
export class RevocationController {
  constructor(
    private readonly clientAuth: ClientAuthenticationService,
    private readonly grants: GrantsRepository,
    private readonly accessTokens: AccessTokenService,
    private readonly revocation: RevocationService,
  ) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async revoke(@Req() req: Request): Promise<Record<string, never>> {
    requireForm(req);
    const client = await this.clientAuth.authenticate(req);
    const token = (req.body as Record<string, unknown>).token;
    if (typeof token !== 'string' || token === '') throw new OAuthError('invalid_request', 'token is required');
    const refresh = await this.grants.findRefresh(sha256(token));
    if (refresh) {
      // Revoking a refresh token revokes its grant, and with it the grant's access tokens (§2.1).
      if (refresh.clientId === client.clientId) await this.revocation.revokeGrant(refresh.grantId, 'revoked by client');
      return {};
    }
    const access = await this.accessTokens.decode(token);
    if (access && access.clientId === client.clientId) await this.revocation.revokeToken(access.tokenId);
    return {};
  }
}
