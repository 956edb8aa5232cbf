import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { SqlService } from '../database/sql.service.js';

const LOG_EVERY_MS = 30_000;

/**
 * Readiness of the database: one `SELECT 1` through the application's own pool. Why it failed (the
 * driver's message names the database host and port) goes to the log, never into the public body.
 */
@Injectable()
export class DatabaseHealthIndicator {
  private readonly logger = new Logger(DatabaseHealthIndicator.name);
  private lastLogged = 0;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly sql: SqlService,
  ) {}

  async ping(timeoutMs: number) {
    const indicator = this.health.check('database');
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([this.sql.query('SELECT 1'), timeout]);
      return indicator.up();
    } catch (e) {
      if (Date.now() - this.lastLogged >= LOG_EVERY_MS) {
        this.lastLogged = Date.now();
        this.logger.warn(`Readiness: database check failed: ${(e as Error).message}`);
      }
      return indicator.down();
    } finally {
      clearTimeout(timer);
    }
  }
}
