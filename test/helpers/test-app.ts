import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JWTPayload } from 'jose';
import { createApp, shutdown, type CreateAppOptions } from '../../src/app.factory.js';
import { AccessTokenService } from '../../src/auth/access-token.service.js';
import { AppConfig } from '../../src/config/app-config.js';
import { DatabaseConnector } from '../../src/database/database-connector.service.js';
import { SigningKeysService } from '../../src/keys/signing-keys.service.js';
import { UsersRepository } from '../../src/users/users.repository.js';
import { freePort } from './free-port.js';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** e.g. http://localhost:PORT */
  baseUrl: string;
  /** baseUrl + /mcp */
  mcpUrl: string;
  /** Creates (or finds) the dev user `login` and returns a valid access token for it. */
  token(login: string, scopes?: string[], opts?: { clientId?: string; ttlSeconds?: number }): Promise<string>;
  /** Signs arbitrary claims with the server's own active key (for wrong aud/iss/expired tests). */
  signRaw(claims: JWTPayload, opts?: { typ?: string; expiresIn?: number }): Promise<string>;
  /** Stable user id of a dev user. */
  userId(login: string): Promise<string>;
  /** An official MCP SDK client connected with a bearer token. */
  client(token: string): Promise<Client>;
  /** POST a JSON-RPC message to /mcp with fetch; returns status, headers and parsed body. */
  rpc(body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export const ALL_NOTES_SCOPES = ['notes:read', 'notes:write'];

let loginCounter = 0;
/** A login unique to this test run, so tests never see each other's data. */
export function uniqueLogin(prefix = 'user'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++loginCounter}`.slice(0, 39);
}

/** Boots the real application on a random port against the run's migrated database. */
export async function startTestApp(env: Record<string, string> = {}, opts: CreateAppOptions = {}): Promise<TestApp> {
  const port = Number(env.PORT ?? (await freePort()));
  const config = AppConfig.from({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'mcp-app-')),
    MIGRATIONS_RUN: 'false',
    KEY_ENCRYPTION_SECRET: process.env.E2E_KEY_SECRET,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
    AUDIT_FLUSH_INTERVAL_MS: '100',
    RATE_LIMIT_MCP_PER_MINUTE: '100000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    ...env,
  });
  const app = await createApp(config, opts);
  await app.listen(config.port, config.host);
  // The server listens before the database is connected (issue 7 item 14); tests start once it is ready.
  await app
    .get(DatabaseConnector)
    .whenReady()
    .catch(async (e: unknown) => {
      await shutdown(app, 1000);
      throw e;
    });
  const baseUrl = config.publicUrl;
  const mcpUrl = config.resourceUrl;
  const users = app.get(UsersRepository);
  const tokens = app.get(AccessTokenService);
  const keys = app.get(SigningKeysService);
  const clients: Client[] = [];

  const t: TestApp = {
    app,
    config,
    baseUrl,
    mcpUrl,
    async token(login, scopes = ALL_NOTES_SCOPES, opts = {}) {
      const user = await users.upsertDevUser(login);
      const issued = await tokens.issue({ userId: user.id, login: user.login, clientId: opts.clientId ?? 'test-client', scopes, ttlSeconds: opts.ttlSeconds });
      return issued.token;
    },
    signRaw(claims, opts = {}) {
      return keys.sign(claims, opts.typ ?? 'at+jwt', opts.expiresIn ?? 300);
    },
    async userId(login) {
      return (await users.upsertDevUser(login)).id;
    },
    async client(token) {
      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      clients.push(client);
      return client;
    },
    async rpc(body, headers = {}) {
      const res = await fetch(mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep the text */
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await shutdown(app, 2000);
    },
  };
  return t;
}
