import { Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../../common/public.decorator.js';
import { ScopePolicyService } from '../scope-policy.service.js';
import { consentPage } from '../pages/consent.page.js';
import { errorPage } from '../pages/html.js';
import { UpstreamLogin } from '../upstream/upstream-login.js';
import { AuthorizeRedirectError } from './authorize-errors.js';
import { AuthorizePageFilter } from './authorize-page.filter.js';
import { AuthorizationService, type AuthorizeQuery } from './authorization.service.js';
import { BrowserSessionService } from './browser-session.service.js';
import { RateLimit } from '../../rate-limit/rate-limit.decorator.js';

/** OAuth 2.1 §4.1.1 authorization endpoint and the consent decision. No CORS here, ever. */
@Public()
@RateLimit('auth')
@Controller('authorize')
@UseFilters(AuthorizePageFilter)
export class AuthorizeController {
  constructor(
    private readonly authz: AuthorizationService,
    private readonly sessions: BrowserSessionService,
    private readonly upstream: UpstreamLogin,
    private readonly scopes: ScopePolicyService,
  ) {}

  @Get()
  async authorize(@Query() query: AuthorizeQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    const base = await this.authz.resolveClient(query);
    let request;
    try {
      request = this.authz.validate(query, base);
    } catch (e) {
      if (!(e instanceof AuthorizeRedirectError)) throw e;
      return res.redirect(302, this.authz.errorRedirect(base.redirectUri, base.state, e.code, e.message));
    }
    const user = await this.sessions.user(req);
    // Consent already given by this signed-in person for this client and these scopes: no page needed.
    if (user && (await this.authz.hasConsent(user, request.client.clientId, request.scopes))) {
      return res.redirect(302, await this.authz.complete({ ...request, clientId: request.client.clientId }, user));
    }
    const browser = this.sessions.ensureBrowser(req, res);
    const { requestId, csrfToken } = await this.authz.createPending(request, browser);
    consentPage(res, {
      clientName: request.client.clientName,
      clientId: request.client.clientId,
      clientKind: request.client.kind,
      redirectUri: request.redirectUri,
      scopes: this.scopes.describe(request.scopes),
      requestId,
      csrfToken,
      signedInAs: user?.login,
      upstreamName: this.upstream.displayName,
    });
  }

  /** MCP security best practices: consent is CSRF-protected and bound to the browser that saw it. */
  @Post('consent')
  async decide(@Req() req: Request, @Res() res: Response): Promise<void> {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const requestId = typeof form.request_id === 'string' ? form.request_id : '';
    const csrf = typeof form.csrf_token === 'string' ? form.csrf_token : '';
    if (!requestId || !csrf) return errorPage(res, 403, 'Request refused', 'The form is missing its security token. Start again from your MCP client.');
    const pending = await this.authz.pendingForConsent(requestId, csrf, this.sessions.browser(req));
    if (pending === 'forbidden')
      return errorPage(res, 403, 'Request refused', 'The security token does not match this browser. Start again from your MCP client.');
    if (!pending)
      return errorPage(res, 400, 'Request expired', 'This authorization request has expired or was already used. Start again from your MCP client.');
    if (form.decision === 'deny') {
      const taken = await this.authz.take(pending);
      return res.redirect(302, this.authz.errorRedirect(taken.redirectUri, taken.state, 'access_denied', 'The user denied the request'));
    }
    if (form.decision !== 'approve') return errorPage(res, 400, 'Invalid decision', 'Choose Approve or Deny.');
    const user = await this.sessions.user(req);
    if (user) {
      const taken = await this.authz.take(pending);
      return res.redirect(302, await this.authz.complete(taken, user));
    }
    await this.upstream.start(req, res, await this.authz.beginUpstream(pending));
  }
}
