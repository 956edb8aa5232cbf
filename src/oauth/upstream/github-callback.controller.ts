import { Controller, Get, Logger, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../../common/public.decorator.js';
import { AuditService } from '../../audit/audit.service.js';
import { UpstreamTokensService } from '../../users/upstream-tokens.service.js';
import { UsersRepository } from '../../users/users.repository.js';
import { AuthorizePageFilter } from '../authorize/authorize-page.filter.js';
import { AuthorizationService } from '../authorize/authorization.service.js';
import { BrowserSessionService } from '../authorize/browser-session.service.js';
import { SignInCompletionService } from '../authorize/sign-in-completion.service.js';
import { GithubLoginService } from './github-login.service.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';

@Public()
@RateLimit('auth')
@Controller('auth/github')
@UseFilters(AuthorizePageFilter)
export class GithubCallbackController {
  private readonly logger = new Logger(GithubCallbackController.name);

  constructor(
    private readonly authz: AuthorizationService,
    private readonly sessions: BrowserSessionService,
    private readonly github: GithubLoginService,
    private readonly users: UsersRepository,
    private readonly upstreamTokens: UpstreamTokensService,
    private readonly completion: SignInCompletionService,
    private readonly audit: AuditService,
  ) {}

  /** The state is checked (known, unexpired, unused, same browser) and consumed before the code is exchanged. */
  @Get('callback')
  async callback(@Query('state') state: unknown, @Query('error') error: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const request = await this.authz.takeForCallback(typeof state === 'string' ? state : undefined, this.sessions.browser(req));
    if (typeof error === 'string') {
      return res.redirect(302, this.authz.errorRedirect(request.redirectUri, request.state, 'access_denied', 'Sign-in was cancelled at GitHub'));
    }
    let identity;
    try {
      identity = await this.github.identify(req, res);
    } catch (e) {
      this.logger.warn(`GitHub code exchange failed: ${(e as Error).message}`);
      return this.completion.refuse(
        res,
        request,
        'GitHub sign-in failed',
        'GitHub did not confirm the sign-in. Start again from your MCP client.',
        'server_error',
      );
    }
    if (!(await this.github.isAllowed(identity))) {
      this.audit.record({ kind: 'auth', target: 'github-login', outcome: 'denied', clientId: request.clientId, detail: { login: identity.login } });
      return this.completion.refuse(
        res,
        request,
        'Access not allowed',
        `The GitHub account ${identity.login} is not allowed to use this server. Ask an administrator to add you.`,
      );
    }
    const user = await this.users.upsertGithubUser(identity.githubId, identity.login, identity.name);
    await this.upstreamTokens.store(user.id, 'github', {
      accessToken: identity.accessToken,
      scope: identity.scope,
      expiresInSeconds: identity.expiresInSeconds,
      refreshToken: identity.refreshToken,
      refreshTokenExpiresInSeconds: identity.refreshTokenExpiresInSeconds,
    });
    await this.completion.finish(res, request, user);
  }
}
