import { Injectable, Logger, Optional } from '@nestjs/common';
import { AdminAccessService } from '../../auth/admin-access.service.js';
import { AppConfig } from '../../config/app-config.js';
import { UpstreamTokensService } from '../../users/upstream-tokens.service.js';
import type { UserEntity } from '../../users/user.entity.js';
import { UsersRepository } from '../../users/users.repository.js';
import { GithubLoginService } from './github-login.service.js';
import type { GithubIdentity } from './github.strategy.js';
import { OidcLoginService } from './oidc-login.service.js';
import { judgeSignIn, storedSignInClaims } from './oidc-policy.js';

/**
 * Whether a person may (still) hold tokens, and whether as an administrator.
 * `byIdp`: the identity provider's groups decided `admin` (held until the next refresh); otherwise
 * ADMIN_GITHUB_LOGINS decides, on every use.
 */
export type AccessDecision = { allowed: true; admin: boolean; byIdp: boolean } | { allowed: false; reason: string; unavailable?: boolean };

/** The allow-lists and admin rules of the upstream sign-ins, applied at authorization and again at every refresh. */
@Injectable()
export class UpstreamAccessService {
  private readonly logger = new Logger(UpstreamAccessService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly admins: AdminAccessService,
    private readonly upstreamTokens: UpstreamTokensService,
    @Optional() private readonly oidc?: OidcLoginService,
    @Optional() private readonly github?: GithubLoginService,
  ) {}

  /** At /authorize completion: what the last sign-in said (it has just happened, or the browser session is recent). */
  async atAuthorization(userId: string, login: string): Promise<AccessDecision> {
    const user = await this.users.findById(userId);
    if (user?.source === 'oidc') {
      if (!this.isOurProvider(user)) return { allowed: true, admin: false, byIdp: true };
      const claims = storedSignInClaims(user.signInClaims);
      if (!claims) return { allowed: false, reason: 'Nothing is known about this sign-in; sign in again.' };
      const verdict = judgeSignIn(this.config.oidc!, claims);
      return verdict.allowed ? { allowed: true, admin: verdict.admin, byIdp: true } : verdict;
    }
    return { allowed: true, admin: this.admins.isAdmin(login), byIdp: false };
  }

  /**
   * At every refresh: the identity provider is asked again (a person removed from a group loses access
   * now), and the GitHub allow-lists are checked again. Never grants more than the provider confirms.
   */
  async atRefresh(userId: string, login: string): Promise<AccessDecision> {
    const user = await this.users.findById(userId);
    if (!user) return { allowed: false, reason: 'The account no longer exists' };
    if (user.source === 'oidc') return this.oidcAtRefresh(user);
    if (user.source === 'github' && !(await this.githubStillAllowed(user))) {
      return { allowed: false, reason: 'The GitHub account is no longer allowed to use this server' };
    }
    return { allowed: true, admin: this.admins.isAdmin(login), byIdp: false };
  }

  private async oidcAtRefresh(user: UserEntity): Promise<AccessDecision> {
    if (!this.isOurProvider(user)) return { allowed: true, admin: false, byIdp: true };
    const settings = this.config.oidc!;
    const answer = await this.oidc!.reconfirm(user);
    switch (answer.kind) {
      case 'ended':
        return { allowed: false, reason: answer.reason };
      case 'unavailable':
        return { allowed: false, unavailable: true, reason: `Your sign-in could not be confirmed just now (${answer.reason}); try again in a moment` };
      case 'stale': {
        // Nothing fresh from the provider: allow-lists that depend on it cannot be confirmed, and admin is not kept.
        if (settings.allowedEmailDomains.size > 0 || settings.allowedGroups.size > 0)
          return { allowed: false, reason: 'Your identity provider gave no way to confirm your access again; sign in again' };
        return { allowed: true, admin: false, byIdp: true };
      }
      case 'confirmed': {
        await this.users.saveSignInClaims(user.id, answer.claims);
        const verdict = judgeSignIn(settings, answer.claims);
        if (!verdict.allowed) this.logger.warn({ msg: 'access ended at refresh by the identity provider allow-lists', userId: user.id });
        return verdict.allowed ? { allowed: true, admin: verdict.admin, byIdp: true } : verdict;
      }
    }
  }

  private isOurProvider(user: UserEntity): boolean {
    return this.oidc !== undefined && user.issuer === this.oidc.issuer;
  }

  /** ALLOWED_GITHUB_LOGINS / ALLOWED_GITHUB_ORG again, with the person's stored GitHub token for the org membership. */
  private async githubStillAllowed(user: UserEntity): Promise<boolean> {
    if (!this.github) return true;
    if (this.config.allowedGithubLogins.size === 0 && !this.config.allowedGithubOrg) return true;
    if (this.config.allowedGithubLogins.has(user.login.toLowerCase())) return true;
    if (!this.config.allowedGithubOrg) return false;
    const credential = await this.upstreamTokens.find(user.id, 'github');
    if (!credential) return false;
    return this.github.isAllowed({ login: user.login, accessToken: credential.accessToken } as GithubIdentity);
  }
}
