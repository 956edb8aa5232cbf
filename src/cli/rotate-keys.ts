import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseConnector } from '../database/database-connector.service.js';
import { DatabaseModule } from '../database/database.module.js';
import { KeysModule } from '../keys/keys.module.js';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { CLI_DATABASE_WAIT_MS } from './cli-args.js';
import { cliLogger } from './cli-output.js';

/**
 * `npm run keys:rotate`: a new signing key becomes active; the previous one stays in the JWKS (and
 * keeps verifying) until every token it signed has expired. Running instances pick the new key up
 * when they first see its kid.
 */
async function main(): Promise<void> {
  const config = AppConfig.fromProcess();

  @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, KeysModule] })
  class RotateKeysModule {}

  const app = await NestFactory.createApplicationContext(RotateKeysModule, { logger: cliLogger() });
  try {
    await app.get(DatabaseConnector).whenReady(CLI_DATABASE_WAIT_MS);
    const kid = await app.get(SigningKeysService).rotate();
    console.log(`New active signing key: ${kid}. Previous keys stay published until their tokens expire.`);
  } finally {
    await app.close();
  }
}

main().catch((e: unknown) => {
  console.error(`Key rotation failed: ${(e as Error).message}`);
  process.exit(1);
});
