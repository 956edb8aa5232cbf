import { Controller, Header, HttpCode, Post, Req, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../../common/public.decorator.js';
import { ClientAuthenticationService } from '../clients/client-authentication.service.js';
import { ClientsService } from '../clients/clients.service.js';
import { OAuthError } from '../oauth-error.js';
import { TokenMetricsInterceptor } from './token-metrics.interceptor.js';
import { TokenService, type TokenResponse } from './token.service.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';

/** OAuth 2.1 §3.2 token endpoint: form-encoded, client authenticated, never cached. */
@Public()
@RateLimit('auth')
@Controller('token')
@UseInterceptors(TokenMetricsInterceptor)
export class TokenController {
  constructor(
    private readonly clientAuth: ClientAuthenticationService,
    private readonly tokens: TokenService,
    private readonly clients: ClientsService,
  ) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async token(@Req() req: Request): Promise<TokenResponse> {
    requireForm(req);
    const client = await this.clientAuth.authenticate(req);
    const response = await this.tokens.exchange(client, req.body as Record<string, unknown>);
    await this.clients.recordUse(client.clientId);
    return response;
  }
}

export function requireForm(req: Request): void {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded');
  }
}
