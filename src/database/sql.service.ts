import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnector } from './database-connector.service.js';
import { DatabaseNotConnectedError } from './database-errors.js';

export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export interface QueryOptions {
  /**
   * Run as a named statement: each connection parses and plans it once and then only binds values
   * (notes.list here: ~110 -> ~37 us of database CPU). For fixed statement texts on hot paths only:
   * every distinct text stays prepared on every connection.
   */
  prepare?: boolean;
}

/**
 * Parameterised SQL straight on the driver's pool, for repositories where TypeORM's per-query
 * QueryRunner costs more than the query. Always returns the result rows.
 */
@Injectable()
export class SqlService {
  private pool?: Pool;
  /** Decided once connected: DB_PREPARED_STATEMENTS, and never on the embedded engine. */
  private prepare = false;
  /** Statement name per text; the text fixes the name, so a connection never sees one name with two texts. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
    connector: DatabaseConnector,
  ) {
    connector.onConnected('prepared statements', async () => {
      // PGlite is one session shared by every connection: a second connection's Parse of a name would collide.
      this.prepare = config.dbPreparedStatements && !(await this.query<{ v: string }>('SELECT version() AS v'))[0].v.includes('PGlite');
    });
  }

  /** Whether `prepare: true` queries run as named statements on this database. */
  get preparesStatements(): boolean {
    return this.prepare;
  }

  async query<T>(text: string, params: unknown[] = [], options: QueryOptions = {}): Promise<T[]> {
    const query: QueryConfig = options.prepare && this.prepare ? { name: this.nameOf(text), text, values: params } : { text, values: params };
    const result = await this.getPool().query(query);
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

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `s_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
      this.names.set(text, name);
    }
    return name;
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
