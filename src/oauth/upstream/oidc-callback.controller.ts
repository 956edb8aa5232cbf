import { Controller, Get, Logger, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditService } from '../../audit/audit.service.js';
import { Public } from '../../common/public.decorator.js';
import { AppConfig } from '../../config/app-config.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';
import { UpstreamTokensService } from '../../users/upstream-tokens.service.js';
import { UsersRepository } from '../../users/users.repository.js';
import { AuthorizePageFilter } from '../authorize/authorize-page.filter.js';
import { AuthorizationService } from '../authorize/authorization.service.js';
import { BrowserSessionService } from '../authorize/browser-session.service.js';
import { SignInCompletionService } from '../authorize/sign-in-completion.service.js';
import { OidcLoginService, type OidcIdentity } from './oidc-login.service.js';
import { judgeSignIn } from './oidc-policy.js';

/** The OpenID provider sends the browser back here (OIDC Core §3.1.2.5). */
@Public()
@RateLimit('auth')
@Controller('auth/oidc')
@UseFilters(AuthorizePageFilter)
export class OidcCallbackController {
  private readonly logger = new Logger(OidcCallbackController.name);

  constructor(
    private readonly config: AppConfig,
    private readonly authz: AuthorizationService,
    private readonly sessions: BrowserSessionService,
    private readonly oidc: OidcLoginService,
    private readonly users: UsersRepository,
    private readonly upstreamTokens: UpstreamTokensService,
    private readonly completion: SignInCompletionService,
    private readonly audit: AuditService,
  ) {}

  /** The state is checked (known, unexpired, unused, same browser) and consumed before the code is exchanged. */
  @Get('callback')
  async callback(@Query('state') state: unknown, @Query('error') error: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const upstreamState = typeof state === 'string' ? state : undefined;
    const request = await this.authz.takeForCallback(upstreamState, this.sessions.browser(req));
    if (error !== undefined) {
      const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : undefined);
      this.logger.warn({ msg: 'the identity provider returned an error', error: text(error), description: text(req.query.error_description) });
      return this.completion.refuse(res, request, 'Sign-in cancelled', 'The sign-in was cancelled or refused at your identity provider.');
    }
    let identity: OidcIdentity;
    try {
      identity = await this.oidc.identify(req, upstreamState!);
    } catch (e) {
      this.logger.warn({ msg: 'OpenID sign-in failed', reason: (e as Error).message });
      return this.completion.refuse(
        res,
        request,
        'Sign-in failed',
        'Your identity provider did not confirm the sign-in. Start again from your MCP client.',
        'server_error',
      );
    }
    const verdict = judgeSignIn(this.config.oidc!, identity.claims);
    if (!verdict.allowed) {
      this.audit.record({ kind: 'auth', target: 'oidc-login', outcome: 'denied', clientId: request.clientId, detail: { login: identity.login } });
      return this.completion.refuse(res, request, 'Access not allowed', `${verdict.reason} Ask an administrator if you need access.`);
    }
    const user = await this.users.upsertFederatedUser(identity.issuer, identity.subject, identity.login, identity.name);
    await this.users.saveSignInClaims(user.id, identity.claims);
    await this.upstreamTokens.store(user.id, 'oidc', identity.tokens);
    await this.completion.finish(res, request, user);
  }
}
