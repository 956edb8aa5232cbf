import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

/**
 * Parameterised SQL straight on the driver's pool, for hot-path repositories where TypeORM's
 * per-query QueryRunner costs more than the query.
 */
@Injectable()
export class SqlService {
  private pool?: Pool;

  constructor(private readonly dataSource: DataSource) {}

  async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    this.pool ??= (this.dataSource.driver as unknown as { master: Pool }).master;
    const result = await this.pool.query(text, params);
    return result.rows as T[];
  }
}
