import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';
import { setupOpenApi } from './admin/openapi.js';
import { AppModule } from './app.module.js';
import { McpHttpHandler } from './mcp/mcp-http.handler.js';
import { type AppConfig } from './config/app-config.js';
import { HELMET_OPTIONS } from './common/security-headers.js';
import { assignRequestId } from './common/context/request-context.middleware.js';

const BODY_LIMIT = '1mb';

/** Builds the application exactly as production runs it; tests use the same function (and may capture the logs). */
export async function createApp(config: AppConfig, opts: { logStream?: DestinationStream } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, opts.logStream), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Client IPs for per-IP rate limits behind a load balancer (TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  app.use(helmet(HELMET_OPTIONS));
  app.use(assignRequestId);
  app.use(json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(urlencoded({ limit: '64kb', extended: false }));
  app.use(bodyErrorHandler);
  app.use(cookieParser());
  setupOpenApi(app);
  installMcpHandler(app);
  return app;
}

/** Routes /mcp to McpHttpHandler ahead of Express; every other request goes to Nest as usual. */
function installMcpHandler(app: NestExpressApplication): void {
  const handler = app.get(McpHttpHandler);
  const server = app.getHttpServer();
  const express = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (McpHttpHandler.matches(req.url)) handler.handle(req, res);
    else for (const listener of express) listener.call(server, req, res);
  });
}

/** Malformed or oversized bodies are the caller's fault: 400/413 (/mcp reads its own body). */
function bodyErrorHandler(err: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction): void {
  if (!err?.type?.startsWith('entity.') && err?.type !== 'encoding.unsupported') return next(err);
  const status = err.type === 'entity.too.large' ? 413 : (err.status ?? 400);
  const message =
    err.type === 'entity.parse.failed' ? 'Malformed JSON body' : err.type === 'entity.too.large' ? 'Request body too large' : 'Unreadable request body';
  res.status(status).json({ error: 'invalid_request', error_description: message });
}

/**
 * Graceful stop: refuse new connections, let in-flight requests finish (up to the timeout), then run
 * the shutdown hooks (audit flush, then the database pool and the embedded engine).
 */
export async function shutdown(app: NestExpressApplication, timeoutMs: number): Promise<void> {
  const server = app.getHttpServer();
  if (server.listening) {
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
  await app.close();
}

export function startupBanner(config: AppConfig): string {
  return [
    `secure-mcp-server is listening on ${config.publicUrl} (bound to ${config.host}:${config.port})`,
    `  MCP endpoint:              ${config.resourceUrl}`,
    `  Protected resource metadata: ${config.protectedResourceMetadataUrl}`,
    `  Database:                  ${config.databaseUrl ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`}`,
    `  Sign-in:                   ${config.github ? 'GitHub' : 'local sign-in page (no GitHub app configured)'}`,
    `Connect an MCP client: add a remote (Streamable HTTP) server with URL ${config.resourceUrl}`,
    `  e.g. claude mcp add --transport http notes ${config.resourceUrl}   (it opens the browser to sign in)`,
    `  Scripts: TOKEN=$(npm run -s token -- --user alice) and send "Authorization: Bearer $TOKEN"`,
  ].join('\n');
}

export const appLogger = new Logger('App');
