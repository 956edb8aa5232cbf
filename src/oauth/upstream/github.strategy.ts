import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy, type Profile } from 'passport-github2';
import { AppConfig } from '../../config/app-config.js';

export interface GithubIdentity {
  githubId: string;
  login: string;
  name: string | null;
  accessToken: string;
  scope: string | null;
}

/**
 * passport-github2 against configurable URLs (GitHub Enterprise, or the fake GitHub in tests).
 * State is ours: generated per request, stored hashed, single use (see AuthorizationService).
 */
@Injectable()
export class GithubStrategy extends PassportStrategy(Strategy, 'github') {
  constructor(config: AppConfig) {
    const github = config.github!;
    super({
      clientID: github.clientId,
      clientSecret: github.clientSecret,
      callbackURL: `${config.publicUrl}/auth/github/callback`,
      authorizationURL: github.authorizeUrl,
      tokenURL: github.tokenUrl,
      userProfileURL: `${github.apiUrl}/user`,
      scope: config.allowedGithubOrg ? ['read:user', 'read:org'] : ['read:user'],
    });
  }

  validate(accessToken: string, _refreshToken: string, profile: Profile): GithubIdentity {
    return {
      githubId: String(profile.id),
      login: profile.username ?? String(profile.id),
      name: profile.displayName || null,
      accessToken,
      scope: null,
    };
  }
}
