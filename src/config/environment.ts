import { repoPatternProblems } from './github-repos.js';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, validateSync, ValidateIf, ValidationError } from 'class-validator';
import { IDENTITY_OPTIONAL, IdentityEnvironment, identityProblems } from './identity-environment.js';

const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? ['true', '1', 'yes'].includes(value.toLowerCase())
      ? true
      : ['false', '0', 'no'].includes(value.toLowerCase())
        ? false
        : value
    : value;
const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);
const emptyToUndefined = ({ value }: { value: unknown }): unknown => (value === '' ? undefined : value);

/** Every environment variable the server reads; documented in .env.example and the README. */
export class Environment extends IdentityEnvironment {
  @IsIn(['development', 'test', 'production'], { message: 'NODE_ENV must be development, test or production' })
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number (0 picks a free port)' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'PUBLIC_URL must be an absolute http(s) URL such as https://mcp.example.com' },
  )
  @Matches(/^[^?#]*[^/?#]$/, { message: 'PUBLIC_URL must not end with "/" nor carry a query or fragment' })
  PUBLIC_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL (leave it unset to use the embedded database)' })
  DATABASE_URL?: string;

  @IsString()
  DATA_DIR = './.data';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_MAX = 10;

  /** Give up (exit) when the database is still unreachable this long after start; unset: keep trying. */
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : toInt({ value })))
  @IsOptional()
  @IsInt({ message: 'DB_CONNECT_TIMEOUT_MS must be a whole number of milliseconds (unset: keep trying)' })
  @Min(1000)
  DB_CONNECT_TIMEOUT_MS?: number;

  @Transform(toBool)
  @IsBoolean({ message: 'MIGRATIONS_RUN must be true or false' })
  MIGRATIONS_RUN = true;

  /** Named (prepared) statements for hot queries; false behind a pooler that cannot keep them (PgBouncer < 1.21 in transaction mode). */
  @Transform(toBool)
  @IsBoolean({ message: 'DB_PREPARED_STATEMENTS must be true or false (false behind a connection pooler that cannot keep prepared statements)' })
  DB_PREPARED_STATEMENTS = true;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(32, { message: 'KEY_ENCRYPTION_SECRET must be at least 32 characters (generate one with: openssl rand -base64 48)' })
  KEY_ENCRYPTION_SECRET?: string;

  @IsString()
  ALLOWED_ORIGINS = '';

  @IsString()
  ALLOWED_HOSTS = '';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  AUDIT_FLUSH_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(120000)
  SHUTDOWN_TIMEOUT_MS = 10000;

  @Transform(emptyToUndefined)
  @ValidateIf((e: Environment) => e.GITHUB_CLIENT_SECRET !== undefined || e.GITHUB_CLIENT_ID !== undefined)
  @IsString({ message: 'set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (from your GitHub OAuth app), or neither' })
  GITHUB_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((e: Environment) => e.GITHUB_CLIENT_ID !== undefined || e.GITHUB_CLIENT_SECRET !== undefined)
  @IsString({ message: 'set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (from your GitHub OAuth app), or neither' })
  GITHUB_CLIENT_SECRET?: string;

  @IsUrl(
    { require_tld: false, require_protocol: true },
    { message: 'GITHUB_AUTHORIZE_URL must be an absolute URL (GitHub Enterprise: https://HOST/login/oauth/authorize)' },
  )
  GITHUB_AUTHORIZE_URL = 'https://github.com/login/oauth/authorize';

  @IsUrl(
    { require_tld: false, require_protocol: true },
    { message: 'GITHUB_TOKEN_URL must be an absolute URL (GitHub Enterprise: https://HOST/login/oauth/access_token)' },
  )
  GITHUB_TOKEN_URL = 'https://github.com/login/oauth/access_token';

  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'GITHUB_API_URL must be an absolute URL (GitHub Enterprise: https://HOST/api/v3)' })
  GITHUB_API_URL = 'https://api.github.com';

  /** Repositories the GitHub tools may touch: comma-separated `owner/name` or `owner/*`; empty means any the person can reach. */
  @IsString()
  GITHUB_REPOS = '';

  @Transform(toBool)
  @IsBoolean({ message: 'GITHUB_TOOLS_PUBLIC_ONLY must be true or false' })
  GITHUB_TOOLS_PUBLIC_ONLY = false;

  @IsString()
  ALLOWED_GITHUB_LOGINS = '';

  @IsString()
  ALLOWED_GITHUB_ORG = '';

  @IsString()
  ADMIN_GITHUB_LOGINS = '';

  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(600)
  AUTH_CODE_TTL_SECONDS = 300;

  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(31_536_000)
  REFRESH_TOKEN_TTL_SECONDS = 2_592_000;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(2_592_000)
  SESSION_TTL_SECONDS = 43_200;

  @Transform(toBool)
  @IsBoolean({ message: 'CIMD_ALLOW_LOOPBACK must be true or false' })
  CIMD_ALLOW_LOOPBACK = false;

  /** Dynamically registered clients with no grant and no use for this many days are deleted. */
  @Transform(toInt)
  @IsInt({ message: 'CLIENT_IDLE_DAYS must be a whole number of days' })
  @Min(1)
  @Max(3650)
  CLIENT_IDLE_DAYS = 30;

  /** Audit events older than this many days are deleted. */
  @Transform(toInt)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be a whole number of days' })
  @Min(1)
  @Max(36500)
  AUDIT_RETENTION_DAYS = 90;

  /** RFC 7591 dynamic registration at /register; Client ID Metadata Documents always work (MCP 2026-07-28). */
  @Transform(toBool)
  @IsBoolean({ message: 'DCR_ENABLED must be true or false' })
  DCR_ENABLED = true;

  /** Comma-separated client_ids of resource servers that may introspect any token issued for PUBLIC_URL/mcp. */
  @IsString()
  RESOURCE_SERVER_CLIENT_IDS = '';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL (leave it unset for in-memory rate limits)' })
  REDIS_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_MCP_PER_MINUTE = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_AUTH_PER_MINUTE = 60;

  @Transform(toInt)
  @IsInt({ message: 'MCP_REQUEST_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(3_600_000)
  MCP_REQUEST_TIMEOUT_MS = 60_000;

  @Transform(toInt)
  @IsInt({ message: 'MCP_MAX_RESULT_BYTES must be a whole number of bytes' })
  @Min(1024)
  @Max(64 * 1024 * 1024)
  MCP_MAX_RESULT_BYTES = 4 * 1024 * 1024;

  @Transform(toInt)
  @IsInt({ message: 'MCP_LISTEN_MAX_PER_USER must be a whole number' })
  @Min(1)
  @Max(1000)
  MCP_LISTEN_MAX_PER_USER = 8;

  @Transform(toInt)
  @IsInt({ message: 'MCP_LISTEN_MAX_STREAMS must be a whole number' })
  @Min(1)
  @Max(100_000)
  MCP_LISTEN_MAX_STREAMS = 1000;

  @Transform(toInt)
  @IsInt({ message: 'MCP_LISTEN_MAX_URIS must be a whole number' })
  @Min(1)
  @Max(10_000)
  MCP_LISTEN_MAX_URIS = 100;

  @Matches(/^(false|true|loopback|\d{1,2}|[0-9a-fA-F.:/, ]+)$/, {
    message: 'TRUST_PROXY must be false, true, loopback, a hop count, or a comma-separated list of proxy addresses/subnets',
  })
  TRUST_PROXY = 'false';

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose', 'silent'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' | 'silent' = 'log';
}

export class EnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet these variables in the environment or in .env (see .env.example).',
    );
    this.name = 'EnvironmentError';
  }
}

function flatten(errors: ValidationError[]): string[] {
  // "PORT: must be a whole number", whether or not the message itself starts with the name.
  const text = (property: string, msg: string) => (msg.startsWith(`${property} `) ? msg.slice(property.length + 1) : msg);
  // One problem per variable: its type or format check when that failed (PORT=abc is "not a whole
  // number", not also "greater than 65535" and "less than 0"), else every range or pattern check.
  return errors.flatMap((e) => {
    const failed = Object.entries(e.constraints ?? {});
    const kind = failed.filter(([name]) => name.startsWith('is'));
    return (kind.length ? kind.slice(0, 1) : failed).map(([, msg]) => `${e.property}: ${text(e.property, msg)}`);
  });
}

const OPTIONAL = [
  'PUBLIC_URL',
  'DATABASE_URL',
  'DB_CONNECT_TIMEOUT_MS',
  'KEY_ENCRYPTION_SECRET',
  'GITHUB_CLIENT_ID',
  'GITHUB_CLIENT_SECRET',
  'REDIS_URL',
  'METRICS_TOKEN',
  ...IDENTITY_OPTIONAL,
];
const KNOWN: ReadonlySet<string> = new Set([...Object.keys(new Environment()), ...OPTIONAL]);

/** Validates the whole environment at once and reports every problem together. */
export function validateEnvironment(raw: Record<string, string | undefined>): Environment {
  const input = Object.fromEntries(Object.entries(raw).filter(([k, v]) => v !== undefined && KNOWN.has(k)));
  const env = plainToInstance(Environment, input, { exposeDefaultValues: true });
  const problems = [...flatten(validateSync(env, { skipMissingProperties: false })), ...identityProblems(env)];
  problems.push(...repoPatternProblems(env.GITHUB_REPOS).map((p) => `GITHUB_REPOS: ${p}`));
  if (env.NODE_ENV === 'production') {
    if (!env.DATABASE_URL) problems.push('DATABASE_URL: required when NODE_ENV=production (the embedded database is for local use only)');
    if (!env.KEY_ENCRYPTION_SECRET) problems.push('KEY_ENCRYPTION_SECRET: required when NODE_ENV=production (generate one with: openssl rand -base64 48)');
    if (!env.PUBLIC_URL) problems.push('PUBLIC_URL: required when NODE_ENV=production (the https URL clients reach this server at)');
    else if (!env.PUBLIC_URL.startsWith('https://')) problems.push('PUBLIC_URL: must use https when NODE_ENV=production');
    if (!env.GITHUB_CLIENT_ID && !env.OIDC_ISSUER && env.AUTH_MODE === 'builtin')
      problems.push(
        'GITHUB_CLIENT_ID: required when NODE_ENV=production unless OIDC_ISSUER is set (people sign in with GitHub or your OpenID provider; the dev sign-in page is for local use only)',
      );
    if (env.CIMD_ALLOW_LOOPBACK)
      problems.push('CIMD_ALLOW_LOOPBACK: must not be enabled when NODE_ENV=production (it lets client metadata URLs reach loopback)');
  }
  if (problems.length) throw new EnvironmentError(problems);
  return env;
}
