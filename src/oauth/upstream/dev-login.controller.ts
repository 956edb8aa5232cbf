import { Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../../common/public.decorator.js';
import { UsersRepository } from '../../users/users.repository.js';
import { AuthorizePageFilter } from '../authorize/authorize-page.filter.js';
import { AuthorizationService } from '../authorize/authorization.service.js';
import { BrowserSessionService } from '../authorize/browser-session.service.js';
import { SignInCompletionService } from '../authorize/sign-in-completion.service.js';
import { devLoginPage } from '../pages/dev-login.page.js';
import { errorPage } from '../pages/html.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;

/** Local sign-in page, registered only when no GitHub app is configured outside production. */
@Public()
@RateLimit('auth')
@Controller('auth/dev')
@UseFilters(AuthorizePageFilter)
export class DevLoginController {
  constructor(
    private readonly authz: AuthorizationService,
    private readonly sessions: BrowserSessionService,
    private readonly users: UsersRepository,
    private readonly completion: SignInCompletionService,
  ) {}

  @Get()
  page(@Query('state') state: unknown, @Res() res: Response): void {
    if (typeof state !== 'string' || state.length > 200) return errorPage(res, 400, 'Invalid sign-in state', 'Start again from your MCP client.');
    devLoginPage(res, state);
  }

  @Post()
  async signIn(@Req() req: Request, @Res() res: Response): Promise<void> {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const login = typeof form.login === 'string' ? form.login.trim() : '';
    const state = typeof form.state === 'string' ? form.state : undefined;
    if (!LOGIN.test(login)) return devLoginPage(res, state ?? '', 'User names are 1-39 letters, digits or dashes, starting with a letter or digit.');
    const request = await this.authz.takeForCallback(state, this.sessions.browser(req));
    await this.completion.finish(res, request, await this.users.upsertDevUser(login));
  }
}
