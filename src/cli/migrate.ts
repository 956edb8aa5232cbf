import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';

/** Applies pending migrations (`npm run migration:run`); also the Kubernetes migration Job's command. */
async function main(): Promise<void> {
  const config = AppConfig.fromProcess();
  const embedded = config.databaseUrl ? undefined : new EmbeddedPostgres(config.dataDir);
  if (embedded && config.isProduction) throw new Error('DATABASE_URL is required in production');
  const url = config.databaseUrl ?? (await embedded!.start());
  const dataSource = new DataSource(dataSourceOptions(url, 2, false));
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}` : 'Database is up to date.');
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`Migration failed: ${(e as Error).message}`);
  process.exit(1);
});
