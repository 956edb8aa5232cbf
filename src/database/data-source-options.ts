import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

/**
 * One definition for the app, the migration CLI and the tests. `synchronize` is never on. Entities are
 * not listed here: feature modules register their own (`TypeOrmModule.forFeature`, loaded by the app's
 * `autoLoadEntities`), so the database layer knows nothing of them.
 */
export function dataSourceOptions(url: string, poolMax: number, migrationsRun: boolean): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: { max: poolMax, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 },
  };
}
