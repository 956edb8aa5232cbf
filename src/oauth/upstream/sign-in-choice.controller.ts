import { Controller, Get, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../../common/public.decorator.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';
import { AuthorizePageFilter } from '../authorize/authorize-page.filter.js';
import { AuthorizationService } from '../authorize/authorization.service.js';
import { BrowserSessionService } from '../authorize/browser-session.service.js';
import { chooseSignInPage } from '../pages/sign-in.pages.js';
import { GithubLoginService } from './github-login.service.js';
import { OidcLoginService } from './oidc-login.service.js';

/** Registered when both GitHub and an OpenID provider are configured: the person picks where to sign in. */
@Public()
@RateLimit('auth')
@Controller('auth')
@UseFilters(AuthorizePageFilter)
export class SignInChoiceController {
  constructor(
    private readonly authz: AuthorizationService,
    private readonly sessions: BrowserSessionService,
    private readonly github: GithubLoginService,
    private readonly oidc: OidcLoginService,
  ) {}

  @Get('choose')
  async choose(@Query('state') state: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const s = await this.checked(state, req);
    chooseSignInPage(res, s);
  }

  @Get('github')
  async startGithub(@Query('state') state: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.github.start(req, res, await this.checked(state, req));
  }

  @Get('oidc')
  async startOidc(@Query('state') state: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.oidc.start(req, res, await this.checked(state, req));
  }

  private async checked(state: unknown, req: Request): Promise<string> {
    const s = typeof state === 'string' ? state : undefined;
    await this.authz.checkUpstreamState(s, this.sessions.browser(req));
    return s!;
  }
}
