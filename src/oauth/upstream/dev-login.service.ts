import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { UpstreamLogin } from './upstream-login.js';

/** Local stand-in for GitHub (no GitHub app configured, never in production): a page that asks for a user name. */
@Injectable()
export class DevLoginService extends UpstreamLogin {
  readonly displayName = 'the local sign-in page';

  start(_req: Request, res: Response, state: string): void {
    res.redirect(302, `/auth/dev?state=${encodeURIComponent(state)}`);
  }
}
