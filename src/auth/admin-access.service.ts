import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PRIVILEGED_SCOPES } from './scope-registry.service.js';

/**
 * SECURITY 35: privileged scopes (admin) belong to the people listed in ADMIN_GITHUB_LOGINS, whatever
 * the credential (authorization, refresh, access token, API key, the dev CLI), and are re-checked on
 * every use, so that removing someone from the list takes effect at once.
 */
@Injectable()
export class AdminAccessService {
  constructor(private readonly config: AppConfig) {}

  isAdmin(login: string | undefined): boolean {
    // A company identity provider's users have logins with an "@" (see displayLogin): never a GitHub login.
    return login !== undefined && !login.includes('@') && this.config.adminGithubLogins.has(login.toLowerCase());
  }

  /** The administrator logins, lower case (as users.login is compared: `lower(login)`). */
  adminLogins(): string[] {
    return [...this.config.adminGithubLogins];
  }

  /** `scopes` without the privileged ones, unless `login` is an administrator. */
  allowedScopes(login: string | undefined, scopes: Iterable<string>): string[] {
    const admin = this.isAdmin(login);
    return [...scopes].filter((s) => admin || !PRIVILEGED_SCOPES.has(s));
  }

  /** The privileged scopes among `scopes` that `login` may not hold. */
  forbiddenScopes(login: string | undefined, scopes: Iterable<string>): string[] {
    return this.isAdmin(login) ? [] : [...scopes].filter((s) => PRIVILEGED_SCOPES.has(s));
  }
}
