import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AccessTokenService } from '../auth/access-token.service.js';
import { AdminAccessService } from '../auth/admin-access.service.js';
import { AuthModule } from '../auth/auth.module.js';
import { ContextModule } from '../common/context/context.module.js';
import { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { npmPrintedBanner } from '../config/running-server.js';
import { DatabaseConnector } from '../database/database-connector.service.js';
import { DatabaseModule } from '../database/database.module.js';
import { UsersModule } from '../users/users.module.js';
import { UsersRepository } from '../users/users.repository.js';
import { CLI_DATABASE_WAIT_MS, parseCliArgs } from './cli-args.js';
import { checkServer, cliLogger, note, writeResult } from './cli-output.js';

const USAGE = 'Usage: npm run -s token -- --user <login> [--scope "notes:read notes:write"] [--ttl <seconds>] [--client <id>]';

/**
 * Dev-only: mints an access token with the server's own signer for a local (dev) user. Only the token
 * goes to stdout (so `TOKEN=$(npm run -s token -- ...)` captures exactly it); everything else to stderr.
 */
async function main(): Promise<void> {
  const args = parseCliArgs({
    user: { type: 'string' },
    scope: { type: 'string', default: 'notes:read notes:write' },
    ttl: { type: 'string' },
    client: { type: 'string', default: 'dev-cli' },
    help: { type: 'boolean', default: false },
  });
  if (args.help || !args.user) throw new Error(USAGE);
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/.test(args.user)) throw new Error('--user must look like a GitHub login (letters, digits, dashes)');
  const ttl = args.ttl === undefined ? undefined : Number(args.ttl);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 86400)) throw new Error('--ttl must be a whole number of seconds from 1 to 86400');
  const { config, running, adopted } = AppConfig.forLocalServer();
  if (config.isProduction) throw new Error('npm run token is a development tool and is refused when NODE_ENV=production');
  if (config.authMode === 'external') throw new Error('AUTH_MODE=external: /mcp accepts only tokens of your authorization server; get one there');

  @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, ContextModule, AuthModule, UsersModule] })
  class TokenCliModule {}

  if (adopted) note(`Using PUBLIC_URL=${config.publicUrl}: the server running with DATA_DIR ${config.dataDir} (pid ${running!.pid})`);
  else if (running && running.publicUrl !== config.publicUrl) {
    note(
      `Warning: the server running with DATA_DIR ${config.dataDir} (pid ${running.pid}) is ${running.publicUrl}, but PORT/PUBLIC_URL here say ${config.publicUrl}`,
    );
  }
  if (npmPrintedBanner()) note('Warning: npm printed its own lines on stdout before the token; capture it with "npm run -s token" (-s keeps npm quiet)');

  const app = await NestFactory.createApplicationContext(TokenCliModule, { logger: cliLogger() });
  try {
    await app.get(DatabaseConnector).whenReady(CLI_DATABASE_WAIT_MS);
    const user = await app.get(UsersRepository).upsertDevUser(args.user);
    // SECURITY 35: no token for a disabled user, and admin only for ADMIN_GITHUB_LOGINS.
    if (user.disabledAt) throw new Error(`User ${user.login} is disabled; enable them first (POST /admin/users/${user.id}/enable)`);
    const scopes = args.scope.split(/\s+/).filter(Boolean);
    const forbidden = app.get(AdminAccessService).forbiddenScopes(user.login, scopes);
    if (forbidden.length) throw new Error(`--scope ${forbidden.join(' ')}: only for users listed in ADMIN_GITHUB_LOGINS (${user.login} is not)`);
    const { token, expiresIn } = await app
      .get(AccessTokenService)
      .issue({ userId: user.id, login: user.login, clientId: args.client, scopes, ttlSeconds: ttl });
    const server = await checkServer(config.publicUrl);
    // The token is signed for iss = PUBLIC_URL and aud = PUBLIC_URL/mcp: a server with other settings refuses it.
    if (server.kind === 'other')
      throw new Error(`The server at ${config.publicUrl} is not the one this token would be for (${server.detail}). ${SETTINGS_HINT}`);
    await writeResult(token);
    note(`Token for ${user.login} (user id ${user.id}), scope "${args.scope}", expires in ${expiresIn} s, audience ${config.resourceUrl}`);
    if (server.kind === 'unreachable')
      note(`Warning: no server answers at ${config.publicUrl} (${server.reason}); the token works only there. ${SETTINGS_HINT}`);
  } finally {
    await app.close();
  }
}

const SETTINGS_HINT =
  'Run the CLI with the settings of your server: the same .env and DATA_DIR, and its PORT or PUBLIC_URL (e.g. PORT=8080 npm run -s token -- ...). ' +
  'A server started in this folder without them is found through DATA_DIR.';

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
