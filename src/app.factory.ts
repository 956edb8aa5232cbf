import { Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupOpenApi } from './admin/openapi.js';
import { AppModule } from './app.module.js';
import { type AppConfig } from './config/app-config.js';
import { TrafficGate } from './health/traffic-gate.service.js';

export interface CreateAppOptions {
  /** Where the JSON log lines go (tests capture them). */
  logStream?: DestinationStream;
  /** Test-only modules (fixture tools for e2e and the conformance suite); production never passes any. */
  modules?: Type[];
}

/** Builds the application exactly as production runs it; tests use the same function (and may capture the logs or add fixture modules). */
export async function createApp(config: AppConfig, opts: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, opts.logStream, opts.modules), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Client IPs for per-IP rate limits behind a load balancer (TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  // Headers, request id, body parsing and the rest of the request chain: HttpModule; /mcp: McpModule.
  setupOpenApi(app);
  return app;
}

/**
 * Graceful stop, all within `timeoutMs` (SHUTDOWN_TIMEOUT_MS): /readyz turns 503 at once, the server
 * stops accepting connections, every response (those in flight too) carries `Connection: close`, and
 * each keep-alive connection closes after its response or once idle (TrafficGate). Connections still
 * open at three quarters of the time are cut; the last quarter is for the shutdown hooks (audit
 * flush, the database pool, the embedded engine).
 */
export async function shutdown(app: NestExpressApplication, timeoutMs: number): Promise<void> {
  const started = Date.now();
  const gate = app.get(TrafficGate);
  appLogger.log(`Draining: /readyz is 503, no new connections, ${gate.inFlightCount} request(s) in flight`);
  const forced = await gate.drain(Math.floor((timeoutMs * 3) / 4));
  appLogger.log(
    forced
      ? `Drain time over after ${Date.now() - started} ms: cut the connections still open (${gate.inFlightCount} request(s) in flight)`
      : `Drained in ${Date.now() - started} ms: every request finished and every connection closed`,
  );
  await app.close();
  appLogger.log(`Shut down in ${Date.now() - started} ms (audit flushed, database closed)`);
}

export function startupBanner(config: AppConfig): string {
  return [
    `secure-mcp-server is listening on ${config.publicUrl} (bound to ${config.host}:${config.port})`,
    `  MCP endpoint:              ${config.resourceUrl}`,
    `  Protected resource metadata: ${config.protectedResourceMetadataUrl}`,
    `  Database:                  ${config.databaseUrl ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`}`,
    `  Sign-in:                   ${signIn(config)}`,
    `Connect an MCP client: add a remote (Streamable HTTP) server with URL ${config.resourceUrl}`,
    `  e.g. claude mcp add --transport http notes ${config.resourceUrl}   (it opens the browser to sign in)`,
    config.external
      ? `  Scripts: get an access token for ${config.external.audience} from your authorization server`
      : `  Scripts: TOKEN=$(npm run -s token -- --user alice) and send "Authorization: Bearer $TOKEN"`,
  ].join('\n');
}

function signIn(config: AppConfig): string {
  if (config.external) return `at your authorization server (AUTH_MODE=external): ${config.external.issuers.join(', ')}`;
  return config.github ? 'GitHub' : 'local sign-in page (no GitHub app configured)';
}

export const appLogger = new Logger('App');
