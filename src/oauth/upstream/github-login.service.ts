import { Injectable, Logger } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { AppConfig } from '../../config/app-config.js';
import type { GithubIdentity } from './github.strategy.js';
import { UpstreamLogin } from './upstream-login.js';

/** GitHub sign-in through the registered passport-github2 strategy, plus the optional allow-lists. */
@Injectable()
export class GithubLoginService extends UpstreamLogin {
  readonly displayName = 'GitHub';
  private readonly logger = new Logger(GithubLoginService.name);

  constructor(private readonly config: AppConfig) {
    super();
  }

  start(req: Request, res: Response, state: string): void {
    (passport.authenticate('github', { session: false, state }) as RequestHandler)(req, res, (err?: unknown) => {
      if (err) res.status(502).end();
    });
  }

  /** Exchanges the callback's code (passport-github2) and loads the profile. */
  identify(req: Request, res: Response): Promise<GithubIdentity> {
    return new Promise((resolve, reject) => {
      const authenticate = passport.authenticate('github', { session: false }, (err: unknown, user: GithubIdentity | false) => {
        if (err || !user) return reject(err instanceof Error ? err : new Error('GitHub sign-in failed'));
        resolve(user);
      }) as RequestHandler;
      authenticate(req, res, reject);
    });
  }

  /** ALLOWED_GITHUB_LOGINS / ALLOWED_GITHUB_ORG: when any is set, the person must satisfy one. */
  async isAllowed(identity: GithubIdentity): Promise<boolean> {
    const logins = this.config.allowedGithubLogins;
    const org = this.config.allowedGithubOrg;
    if (logins.size === 0 && !org) return true;
    if (logins.has(identity.login.toLowerCase())) return true;
    if (!org) return false;
    const url = `${this.config.github!.apiUrl}/user/memberships/orgs/${encodeURIComponent(org)}`;
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${identity.accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'secure-mcp-server' },
        signal: AbortSignal.timeout(5000),
      });
      if (res.status !== 200) return false;
      const body = (await res.json()) as { state?: string };
      return body.state === 'active';
    } catch (e) {
      this.logger.warn(`Org membership check failed: ${(e as Error).message}`);
      return false;
    }
  }
}
