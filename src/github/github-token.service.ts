import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { RequestContextService } from '../common/context/request-context.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig, type GithubConfig } from '../config/app-config.js';
import { UpstreamTokensService, type UpstreamCredential, type UpstreamTokenGrant } from '../users/upstream-tokens.service.js';
import { boundedFetch } from './bounded-fetch.js';
import { signInAgain } from './github-errors.js';

/** Renew this long before GitHub's expiry, so a token never expires in flight. */
const RENEW_MARGIN_MS = 60_000;
/** How long a claimed renewal is reserved for the instance that claimed it. */
const CLAIM_LEASE_SECONDS = 30;
/** How long a caller waits for a renewal another instance is doing. */
const WAIT_FOR_OTHERS_MS = 15_000;
const POLL_MS = 150;

/** GitHub's token endpoint refused the refresh token (expired, revoked, already used). */
class RenewalRefused extends Error {}

/**
 * The signed-in person's GitHub token, renewed when it expires (GitHub App user-to-server tokens last
 * 8 hours). A renewal is single-flight per user: one promise per user on this instance, and one
 * conditional UPDATE claim across instances, so the rotating refresh token is spent exactly once.
 */
@Injectable()
export class GithubTokenService {
  private readonly logger = new Logger(GithubTokenService.name);
  private readonly github: GithubConfig;
  private readonly fetch = boundedFetch({ timeoutMs: 10_000, maxBytes: 64 * 1024, maxRedirects: 0 });
  private readonly renewing = new Map<string, Promise<UpstreamCredential>>();

  constructor(
    config: AppConfig,
    private readonly upstream: UpstreamTokensService,
    private readonly context: RequestContextService,
  ) {
    this.github = config.github!;
  }

  /** The calling user's GitHub credential, renewed first when it has expired or is about to. */
  async current(): Promise<UpstreamCredential> {
    const credential = await this.upstream.find(this.context.principal().userId, 'github');
    if (!credential) throw signInAgain('There is no GitHub sign-in on record for you');
    const expiresAt = credential.accessExpiresAt?.getTime();
    return expiresAt !== undefined && expiresAt - Date.now() < RENEW_MARGIN_MS ? this.renew(credential) : credential;
  }

  /** Renews `stale` (expired, or refused by GitHub with 401); joins a renewal already under way for the user. */
  renew(stale: UpstreamCredential): Promise<UpstreamCredential> {
    if (!stale.refreshable) return Promise.reject(signInAgain('Your GitHub sign-in has expired'));
    let pending = this.renewing.get(stale.userId);
    if (!pending) {
      pending = this.renewOnce(stale).finally(() => this.renewing.delete(stale.userId));
      this.renewing.set(stale.userId, pending);
    }
    return pending;
  }

  private async renewOnce(stale: UpstreamCredential): Promise<UpstreamCredential> {
    const { userId, version } = stale;
    const deadline = Date.now() + WAIT_FOR_OTHERS_MS;
    for (;;) {
      const claim = await this.upstream.claimRefresh(userId, 'github', version, CLAIM_LEASE_SECONDS);
      if (claim) return this.exchange(stale, claim.refreshToken, claim.refreshExpiresAt);
      // Another instance holds the claim, or already renewed (or a new sign-in replaced the token).
      const now = await this.upstream.find(userId, 'github');
      if (!now) throw signInAgain('GitHub refused to renew your sign-in');
      if (now.version !== version) return now;
      if (Date.now() > deadline) throw new DomainError('unavailable', 'Renewing your GitHub sign-in is taking too long; try again in a moment');
      await sleep(POLL_MS);
    }
  }

  private async exchange(stale: UpstreamCredential, refreshToken: string, refreshExpiresAt: Date | null): Promise<UpstreamCredential> {
    const { userId, version } = stale;
    if (refreshExpiresAt && refreshExpiresAt.getTime() <= Date.now()) {
      await this.upstream.forget(userId, 'github', version);
      throw signInAgain('Your GitHub sign-in has expired');
    }
    let grant: UpstreamTokenGrant;
    try {
      grant = await this.requestRenewal(refreshToken);
    } catch (e) {
      if (e instanceof RenewalRefused) {
        this.logger.warn({ msg: 'GitHub refused to renew a token; the person must sign in again', userId, reason: e.message });
        await this.upstream.forget(userId, 'github', version);
        throw signInAgain('GitHub refused to renew your sign-in');
      }
      await this.upstream.releaseClaim(userId, 'github', version);
      this.logger.warn({ msg: 'GitHub token renewal failed', userId, reason: (e as Error).message });
      throw new DomainError('unavailable', 'GitHub could not renew your sign-in just now; try again in a moment');
    }
    if (await this.upstream.saveRefreshed(userId, 'github', version, grant)) {
      this.logger.log({ msg: 'GitHub token renewed', userId });
      const fresh = await this.upstream.find(userId, 'github');
      if (fresh) return fresh;
    }
    // A new sign-in replaced the credential while this renewal ran: use what is stored now.
    const current = await this.upstream.find(userId, 'github');
    if (!current) throw signInAgain('There is no GitHub sign-in on record for you');
    return current;
  }

  /** GitHub Apps: refreshing a user access token (POST login/oauth/access_token, grant_type=refresh_token). */
  private async requestRenewal(refreshToken: string): Promise<UpstreamTokenGrant> {
    const res = await this.fetch(this.github.tokenUrl, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'secure-mcp-server' },
      body: new URLSearchParams({
        client_id: this.github.clientId,
        client_secret: this.github.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      }).toString(),
    });
    if (res.status >= 500) throw new Error(`token endpoint answered HTTP ${res.status}`);
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    // GitHub answers a refused refresh with 200 and {error: "bad_refresh_token", ...}.
    if (typeof body.error === 'string' || res.status >= 400)
      throw new RenewalRefused(typeof body.error === 'string' ? body.error.slice(0, 100) : `HTTP ${res.status}`);
    if (typeof body.access_token !== 'string' || !body.access_token) throw new Error('token endpoint answered without an access token');
    return {
      accessToken: body.access_token,
      scope: typeof body.scope === 'string' ? body.scope : null,
      expiresInSeconds: seconds(body.expires_in),
      refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : undefined,
      refreshTokenExpiresInSeconds: seconds(body.refresh_token_expires_in),
    };
  }
}

function seconds(value: unknown): number | undefined {
  const n = Number(value);
  return value !== undefined && value !== null && Number.isFinite(n) && n > 0 ? n : undefined;
}
