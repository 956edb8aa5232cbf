import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities.js';

/** One definition for the app, the migration CLI and the tests. `synchronize` is never on. */
export function dataSourceOptions(url: string, poolMax: number, migrationsRun: boolean): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    extra: { max: poolMax, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 },
  };
}
