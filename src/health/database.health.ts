import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { SqlService } from '../database/sql.service.js';

/** Readiness of the database: one `SELECT 1` through the application's own pool. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly sql: SqlService,
  ) {}

  ping(timeoutMs: number) {
    return this.health
      .check('database')
      .attempt(async () => {
        await this.sql.query('SELECT 1');
      })
      .withTimeout(timeoutMs);
  }
}
