import { Injectable, Logger } from '@nestjs/common';
import type { retry } from '@octokit/plugin-retry';
import type { throttling } from '@octokit/plugin-throttling';
import type { Octokit } from '@octokit/rest';
import { AppConfig, type GithubConfig } from '../config/app-config.js';
import type { UpstreamCredential } from '../users/upstream-tokens.service.js';
import { boundedFetch } from './bounded-fetch.js';
import { isGithubFailure, mapGithubError, missingPermission } from './github-errors.js';
import { GithubTokenService } from './github-token.service.js';

const withPlugins = (base: typeof Octokit, plugins: { throttling: typeof throttling; retry: typeof retry }) => base.plugin(plugins.throttling, plugins.retry);
type GithubOctokitClass = ReturnType<typeof withPlugins>;
export type GithubApi = InstanceType<GithubOctokitClass>;

let octokitClass: Promise<GithubOctokitClass> | undefined;
/** Octokit and its plugins, loaded on the first GitHub call (idle RSS and start time of servers that never call GitHub). */
function loadOctokit(): Promise<GithubOctokitClass> {
  octokitClass ??= Promise.all([import('@octokit/rest'), import('@octokit/plugin-throttling'), import('@octokit/plugin-retry')]).then(
    ([rest, throttle, retries]) => withPlugins(rest.Octokit, { throttling: throttle.throttling, retry: retries.retry }),
  );
  return octokitClass;
}

/** Rate limits: wait only when GitHub asks for a short pause, once; otherwise the tool error says when to retry. */
const WAIT_AT_MOST_SECONDS = 3;

/**
 * Octokit acting as the signed-in person, against GITHUB_API_URL (GitHub or GitHub Enterprise Server),
 * with GitHub's recommended throttling (per person: writes a second apart, searches two) and retries
 * of transient failures. Every failure becomes a tool error; the token never leaves this class.
 */
@Injectable()
export class GithubClient {
  private readonly logger = new Logger(GithubClient.name);
  private readonly github: GithubConfig;
  private readonly fetch = boundedFetch({ timeoutMs: 15_000, maxBytes: 16 * 1024 * 1024, maxRedirects: 3 });
  // Octokit's own log: only its plain messages (method, path, status), never its request objects (they carry the token).
  private readonly octokitLog = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message: unknown) => typeof message === 'string' && this.logger.warn(message),
    error: (message: unknown) => typeof message === 'string' && this.logger.warn(message),
  };

  constructor(
    config: AppConfig,
    private readonly tokens: GithubTokenService,
  ) {
    this.github = config.github!;
  }

  /**
   * Runs `call` as the signed-in person. An expired token is renewed first; a token GitHub refuses
   * (401) is renewed once and the call retried. `what` names the object in error messages (`acme/api#3`).
   */
  async run<T>(what: string, call: (api: GithubApi) => Promise<T>): Promise<T> {
    let credential = await this.tokens.current();
    this.checkScope(credential);
    try {
      return await call(await this.api(credential));
    } catch (e) {
      if (!(isGithubFailure(e) && e.status === 401 && credential.refreshable)) throw mapGithubError(e, what);
    }
    credential = await this.tokens.renew(credential);
    try {
      return await call(await this.api(credential));
    } catch (e) {
      throw mapGithubError(e, what);
    }
  }

  /** Maps a failure of one step of a multi-step call (e.g. one issue of a batch) to a tool error. */
  explain(e: unknown, what: string): Error {
    return mapGithubError(e, what);
  }

  /**
   * OAuth app tokens list their scopes; one without the scope the tools need (an older sign-in, before
   * the tools were enabled) is refused up front. GitHub App tokens have no scopes: GitHub answers 403
   * with the missing permission, which mapGithubError names.
   */
  private checkScope(credential: UpstreamCredential): void {
    if (credential.accessExpiresAt !== null || !credential.scope) return;
    const granted = credential.scope.split(/[\s,]+/);
    const needed = this.github.toolsScope;
    if (!granted.includes('repo') && !granted.includes(needed)) throw missingPermission(needed);
  }

  private async api(credential: UpstreamCredential): Promise<GithubApi> {
    const GithubOctokit = await loadOctokit();
    return new GithubOctokit({
      auth: credential.accessToken,
      baseUrl: this.github.apiUrl,
      userAgent: 'secure-mcp-server',
      log: this.octokitLog,
      request: { fetch: this.fetch },
      // Per-person limiter keys: one person's pace never slows another's.
      throttle: {
        id: credential.userId,
        onRateLimit: (after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount === 0 && after <= WAIT_AT_MOST_SECONDS,
        onSecondaryRateLimit: (after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount === 0 && after <= WAIT_AT_MOST_SECONDS,
      },
      // Transient failures only; rate limits (403/429) are the throttling plugin's.
      retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] },
    });
  }
}
