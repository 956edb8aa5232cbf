import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';

/** Owns the embedded engine when DATABASE_URL is unset; refuses it in production. */
@Injectable()
export class EmbeddedDatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddedDatabaseService.name);
  private engine?: EmbeddedPostgres;

  constructor(private readonly config: AppConfig) {}

  async connectionUrl(): Promise<string> {
    if (this.config.databaseUrl) return this.config.databaseUrl;
    if (this.config.isProduction) {
      throw new Error('DATABASE_URL is required in production; the embedded database is for local use only');
    }
    const started = Date.now();
    // Loaded only when used: PGlite is about 1 MB of JavaScript a server on DATABASE_URL never runs (idle RSS, start time).
    const { EmbeddedPostgres } = await import('./embedded-postgres.js');
    this.engine = new EmbeddedPostgres(this.config.dataDir);
    const url = await this.engine.start();
    this.logger.log(
      this.engine.owned
        ? `Embedded Postgres (PGlite) ready in ${Date.now() - started} ms, data in ${this.config.dataDir}`
        : `Joined the embedded Postgres already serving ${this.config.dataDir}`,
    );
    return url;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine?.stop();
  }
}
