import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseNotConnectedError } from './database-errors.js';

export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/**
 * Parameterised SQL straight on the driver's pool, for repositories where TypeORM's per-query
 * QueryRunner costs more than the query. Always returns the result rows.
 */
@Injectable()
export class SqlService {
  private pool?: Pool;

  constructor(private readonly dataSource: DataSource) {}

  async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.getPool().query(text, params);
    return result.rows as T[];
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.getPool().connect();
    try {
      await client.query('BEGIN');
      const result = await work(async <R>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as R[]);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  private getPool(): Pool {
    if (!this.pool) {
      // Before DatabaseConnector has connected, the driver has no pool yet.
      if (!this.dataSource.isInitialized) throw new DatabaseNotConnectedError();
      this.pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    }
    return this.pool;
  }
}
