import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Environment, validateEnvironment } from './environment.js';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

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
  readonly migrationsRun: boolean;
  readonly keyEncryptionSecret?: string;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly allowedHosts: ReadonlySet<string>;
  readonly accessTokenTtlSeconds: number;
  readonly auditFlushIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: Environment['LOG_LEVEL'];

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
    this.migrationsRun = env.MIGRATIONS_RUN;
    this.keyEncryptionSecret = env.KEY_ENCRYPTION_SECRET;
    this.allowedOrigins = new Set([base.origin, ...splitList(env.ALLOWED_ORIGINS).map((o) => new URL(o).origin)]);
    const loopback = isLoopbackHost(base.hostname) || isLoopbackHost(env.HOST);
    this.allowedHosts = new Set([
      base.host.toLowerCase(),
      ...splitList(env.ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      ...(loopback ? LOOPBACK_HOSTS : []),
    ]);
    this.accessTokenTtlSeconds = env.ACCESS_TOKEN_TTL_SECONDS;
    this.auditFlushIntervalMs = env.AUDIT_FLUSH_INTERVAL_MS;
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.logLevel = env.LOG_LEVEL;
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
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
