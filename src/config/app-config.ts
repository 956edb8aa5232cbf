import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type Environment, validateEnvironment } from './environment.js';
import { parseRepoPatterns, type RepoPattern } from './github-repos.js';
import { findRunningServer, type RunningServer } from './running-server.js';
import {
  EXTERNAL_MAX_TOKEN_LIFETIME_SECONDS,
  type ExternalAuthConfig,
  externalAuthConfig,
  type IdJagConfig,
  idJagConfig,
  type OidcSignInConfig,
  oidcSignInConfig,
} from './identity-config.js';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export interface GithubConfig {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiUrl: string;
  /** The GitHub OAuth scopes asked for at sign-in: `read:user` plus what the enabled features need. */
  signInScopes: readonly string[];
  /** What the GitHub issue tools need: `repo`, or `public_repo` with GITHUB_TOOLS_PUBLIC_ONLY. */
  toolsScope: 'repo' | 'public_repo';
  /** GITHUB_REPOS: the repositories the tools may touch; empty means any the person can reach. */
  repos: readonly RepoPattern[];
}

/** The one place that decides which GitHub OAuth scopes sign-in asks for. */
function githubScopes(env: Environment): Pick<GithubConfig, 'signInScopes' | 'toolsScope'> {
  const toolsScope = env.GITHUB_TOOLS_PUBLIC_ONLY ? 'public_repo' : 'repo';
  const org = env.ALLOWED_GITHUB_ORG.trim() ? ['read:org'] : [];
  return { toolsScope, signInScopes: ['read:user', ...org, toolsScope] };
}

/** Typed, validated configuration. The only place that knows about environment variables. */
export class AppConfig {
  readonly nodeEnv: Environment['NODE_ENV'];
  readonly isProduction: boolean;
  readonly host: string;
  readonly port: number;
  /** Issuer and base of every published URL, without a trailing slash. */
  readonly publicUrl: string;
  /** The canonical resource URL of the MCP endpoint (RFC 8707 / RFC 9728 `resource`). */
  readonly resourceUrl: string;
  readonly protectedResourceMetadataUrl: string;
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly dbPoolMax: number;
  /** Undefined: keep retrying the database at start-up for ever. */
  readonly dbConnectTimeoutMs?: number;
  readonly migrationsRun: boolean;
  /** Hot queries as named statements (parsed and planned once per connection); never on the embedded engine. */
  readonly dbPreparedStatements: boolean;
  readonly keyEncryptionSecret?: string;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly allowedHosts: ReadonlySet<string>;
  /** A server for local use (loopback PUBLIC_URL) also accepts pages served from loopback on any port. */
  readonly allowLoopbackOrigins: boolean;
  readonly accessTokenTtlSeconds: number;
  readonly auditFlushIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: Environment['LOG_LEVEL'];
  /** GitHub OAuth app (or GitHub Enterprise); undefined means the dev sign-in page stands in. */
  readonly github?: GithubConfig;
  /** The GitHub issue tools act with the person's own GitHub token, so they exist only with GitHub sign-in. */
  readonly githubTools: boolean;
  readonly allowedGithubLogins: ReadonlySet<string>;
  readonly allowedGithubOrg?: string;
  readonly adminGithubLogins: ReadonlySet<string>;
  readonly authCodeTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly cimdAllowLoopback: boolean;
  /** Dynamic clients with no grant and no use for this many days are deleted by the clean-up task. */
  readonly clientIdleDays: number;
  /** Audit events are kept this many days. */
  readonly auditRetentionDays: number;
  /** RFC 7591 dynamic client registration is served (Client ID Metadata Documents are the primary way either way). */
  readonly dcrEnabled: boolean;
  /** Resource servers (client_ids) that may introspect every token issued for this server's resource (RFC 7662 §4). */
  readonly resourceServerClientIds: ReadonlySet<string>;
  readonly redisUrl?: string;
  readonly rateLimitMcpPerMinute: number;
  readonly rateLimitAuthPerMinute: number;
  /** Every MCP request is answered by then, with an error if the handler has not finished (it is then aborted). */
  readonly mcpRequestTimeoutMs: number;
  /** Largest JSON-RPC response (one message) /mcp sends; a larger result is replaced by an error saying so. */
  readonly mcpMaxResultBytes: number;
  /** subscriptions/listen bounds: open streams per user and per instance, resource URIs per stream. */
  readonly mcpListen: { maxPerUser: number; maxStreams: number; maxUris: number };
  /** Express `trust proxy` value: how client IPs are read behind a load balancer. */
  readonly trustProxy: boolean | number | string;
  readonly metricsToken?: string;
  /** builtin: this server is the authorization server; external: it only accepts a company AS's tokens. */
  readonly authMode: Environment['AUTH_MODE'];
  readonly external?: ExternalAuthConfig;
  /** An OpenID Connect provider people sign in with (built-in mode), beside or instead of GitHub. */
  readonly oidc?: OidcSignInConfig;
  /** Identity providers whose ID-JAGs /token accepts (RFC 7523 jwt-bearer); undefined: the grant is not offered. */
  readonly idJag?: IdJagConfig;
  /** The longest an accepted access token can live: how long revocations must be remembered. */
  readonly maxAccessTokenLifetimeSeconds: number;

  constructor(env: Environment) {
    this.nodeEnv = env.NODE_ENV;
    this.isProduction = env.NODE_ENV === 'production';
    this.host = env.HOST;
    this.port = env.PORT;
    this.publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
    this.resourceUrl = `${this.publicUrl}/mcp`;
    const base = new URL(this.publicUrl);
    this.protectedResourceMetadataUrl = `${base.origin}/.well-known/oauth-protected-resource${base.pathname.replace(/\/$/, '')}/mcp`;
    this.databaseUrl = env.DATABASE_URL;
    this.dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(process.cwd(), env.DATA_DIR);
    this.dbPoolMax = env.DB_POOL_MAX;
    this.dbConnectTimeoutMs = env.DB_CONNECT_TIMEOUT_MS;
    this.migrationsRun = env.MIGRATIONS_RUN;
    this.dbPreparedStatements = env.DB_PREPARED_STATEMENTS;
    this.keyEncryptionSecret = env.KEY_ENCRYPTION_SECRET;
    this.allowedOrigins = new Set([base.origin, ...splitList(env.ALLOWED_ORIGINS).map((o) => new URL(o).origin)]);
    const loopback = isLoopbackHost(base.hostname) || isLoopbackHost(env.HOST);
    this.allowedHosts = new Set([base.host.toLowerCase(), ...splitList(env.ALLOWED_HOSTS).map((h) => h.toLowerCase()), ...(loopback ? LOOPBACK_HOSTS : [])]);
    this.allowLoopbackOrigins = isLoopbackHost(base.hostname);
    this.accessTokenTtlSeconds = env.ACCESS_TOKEN_TTL_SECONDS;
    this.auditFlushIntervalMs = env.AUDIT_FLUSH_INTERVAL_MS;
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.logLevel = env.LOG_LEVEL;
    this.github =
      env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET
        ? {
            clientId: env.GITHUB_CLIENT_ID,
            clientSecret: env.GITHUB_CLIENT_SECRET,
            authorizeUrl: env.GITHUB_AUTHORIZE_URL,
            tokenUrl: env.GITHUB_TOKEN_URL,
            apiUrl: env.GITHUB_API_URL.replace(/\/$/, ''),
            ...githubScopes(env),
            repos: parseRepoPatterns(env.GITHUB_REPOS),
          }
        : undefined;
    // Only where people sign in with GitHub here: an external authorization server never hands this server a GitHub token.
    this.githubTools = this.github !== undefined && env.AUTH_MODE === 'builtin';
    this.allowedGithubLogins = new Set(splitList(env.ALLOWED_GITHUB_LOGINS).map((l) => l.toLowerCase()));
    this.allowedGithubOrg = env.ALLOWED_GITHUB_ORG.trim() || undefined;
    this.adminGithubLogins = new Set(splitList(env.ADMIN_GITHUB_LOGINS).map((l) => l.toLowerCase()));
    this.authCodeTtlSeconds = env.AUTH_CODE_TTL_SECONDS;
    this.refreshTokenTtlSeconds = env.REFRESH_TOKEN_TTL_SECONDS;
    this.sessionTtlSeconds = env.SESSION_TTL_SECONDS;
    this.cimdAllowLoopback = env.CIMD_ALLOW_LOOPBACK;
    this.dcrEnabled = env.DCR_ENABLED;
    this.clientIdleDays = env.CLIENT_IDLE_DAYS;
    this.auditRetentionDays = env.AUDIT_RETENTION_DAYS;
    this.resourceServerClientIds = new Set(splitList(env.RESOURCE_SERVER_CLIENT_IDS));
    this.redisUrl = env.REDIS_URL;
    this.rateLimitMcpPerMinute = env.RATE_LIMIT_MCP_PER_MINUTE;
    this.rateLimitAuthPerMinute = env.RATE_LIMIT_AUTH_PER_MINUTE;
    this.mcpRequestTimeoutMs = env.MCP_REQUEST_TIMEOUT_MS;
    this.mcpMaxResultBytes = env.MCP_MAX_RESULT_BYTES;
    this.mcpListen = { maxPerUser: env.MCP_LISTEN_MAX_PER_USER, maxStreams: env.MCP_LISTEN_MAX_STREAMS, maxUris: env.MCP_LISTEN_MAX_URIS };
    this.trustProxy =
      env.TRUST_PROXY === 'false' ? false : env.TRUST_PROXY === 'true' ? true : /^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY;
    this.metricsToken = env.METRICS_TOKEN;
    this.authMode = env.AUTH_MODE;
    this.external = externalAuthConfig(env, this.resourceUrl);
    this.oidc = oidcSignInConfig(env);
    this.idJag = idJagConfig(env);
    this.maxAccessTokenLifetimeSeconds = this.external
      ? Math.max(EXTERNAL_MAX_TOKEN_LIFETIME_SECONDS, env.ACCESS_TOKEN_TTL_SECONDS)
      : env.ACCESS_TOKEN_TTL_SECONDS;
  }

  /** Builds the configuration from an explicit variable map (tests, CLIs). */
  static from(vars: Record<string, string | undefined>): AppConfig {
    return new AppConfig(validateEnvironment(vars));
  }

  /** Reads `.env` (if present) and the process environment; the process environment wins. */
  static fromProcess(): AppConfig {
    if (existsSync('.env')) process.loadEnvFile('.env');
    return AppConfig.from(process.env);
  }

  /**
   * For the local CLIs (`npm run token`, `npm run admin:login`): `.env` and the environment as the
   * server reads them; when neither sets PORT nor PUBLIC_URL, those of the server running with the
   * same DATA_DIR (it records them there), so that its tokens are valid on that server whatever its port.
   */
  static forLocalServer(): { config: AppConfig; running?: RunningServer; adopted: boolean } {
    const config = AppConfig.fromProcess();
    const running = findRunningServer(config.dataDir);
    const explicit = Boolean(process.env.PUBLIC_URL || process.env.PORT);
    if (!running || explicit || running.publicUrl === config.publicUrl) return { config, running, adopted: false };
    return { config: AppConfig.from({ ...process.env, PORT: String(running.port), PUBLIC_URL: running.publicUrl }), running, adopted: true };
  }
}

/** Whether a browser Origin may call this server (MCP transports §Security: DNS rebinding). */
export function isOriginAllowed(config: AppConfig, origin: string): boolean {
  if (config.allowedOrigins.has(origin)) return true;
  if (!config.allowLoopbackOrigins) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname) && url.origin === origin;
  } catch {
    return false;
  }
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
