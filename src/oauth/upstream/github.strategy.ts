import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy, type Profile } from 'passport-github2';
import { AppConfig } from '../../config/app-config.js';

export interface GithubIdentity {
  githubId: string;
  login: string;
  name: string | null;
  accessToken: string;
  /** The OAuth scopes GitHub granted (`repo,read:user`); empty for GitHub App user-to-server tokens. */
  scope: string | null;
  /** GitHub App user-to-server tokens expire (8 hours) and come with a refresh token. */
  expiresInSeconds?: number;
  refreshToken?: string;
  refreshTokenExpiresInSeconds?: number;
}

/** The token response fields passport-oauth2 hands over besides the access and refresh tokens. */
interface TokenParams {
  scope?: unknown;
  expires_in?: unknown;
  refresh_token_expires_in?: unknown;
}

/**
 * passport-github2 against configurable URLs (GitHub Enterprise, or the fake GitHub in tests).
 * State is ours: generated per request, stored hashed, single use (see AuthorizationService).
 */
@Injectable()
export class GithubStrategy extends PassportStrategy(Strategy, 'github', 5) {
  constructor(config: AppConfig) {
    const github = config.github!;
    super({
      clientID: github.clientId,
      clientSecret: github.clientSecret,
      callbackURL: `${config.publicUrl}/auth/github/callback`,
      authorizationURL: github.authorizeUrl,
      tokenURL: github.tokenUrl,
      userProfileURL: `${github.apiUrl}/user`,
      scope: [...github.signInScopes],
    });
  }

  /** Arity 5: passport-oauth2 then passes the token response (scope, expiry) as well. */
  validate(accessToken: string, refreshToken: string | undefined, params: TokenParams, profile: Profile): GithubIdentity {
    return {
      githubId: String(profile.id),
      login: profile.username ?? String(profile.id),
      name: profile.displayName || null,
      accessToken,
      scope: typeof params.scope === 'string' ? params.scope : null,
      expiresInSeconds: positiveSeconds(params.expires_in),
      refreshToken: refreshToken || undefined,
      refreshTokenExpiresInSeconds: positiveSeconds(params.refresh_token_expires_in),
    };
  }
}

function positiveSeconds(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}
