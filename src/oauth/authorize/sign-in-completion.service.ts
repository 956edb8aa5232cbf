import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { UserEntity } from '../../users/user.entity.js';
import { refusalPage } from '../pages/sign-in.pages.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { AuthorizationService } from './authorization.service.js';
import { BrowserSessionService } from './browser-session.service.js';

/** The last step of every upstream sign-in: session cookie, consent, code, redirect to the client. */
@Injectable()
export class SignInCompletionService {
  constructor(
    private readonly authz: AuthorizationService,
    private readonly sessions: BrowserSessionService,
  ) {}

  async finish(res: Response, request: AuthorizationRequest, user: UserEntity): Promise<void> {
    if (user.disabledAt) return this.refuse(res, request, 'Account disabled', 'Your account has been disabled on this server.');
    await this.sessions.start(res, user.id);
    res.redirect(302, await this.authz.complete(request, { userId: user.id, login: user.login }));
  }

  /** A refused sign-in: the person reads why, then the client gets error=access_denied with state and iss. */
  refuse(res: Response, request: AuthorizationRequest, title: string, reason: string, code: 'access_denied' | 'server_error' = 'access_denied'): void {
    refusalPage(res, code === 'access_denied' ? 403 : 502, title, reason, this.authz.errorRedirect(request.redirectUri, request.state, code, reason));
  }
}
