import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { UpstreamLogin } from './upstream-login.js';

/** GitHub and an OpenID provider are both configured: the browser goes to the choice page first. */
@Injectable()
export class SignInChoiceService extends UpstreamLogin {
  readonly displayName = 'your company account or GitHub';

  start(_req: Request, res: Response, state: string): void {
    res.redirect(302, `/auth/choose?state=${encodeURIComponent(state)}`);
  }
}
