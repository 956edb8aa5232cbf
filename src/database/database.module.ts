import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { DatabaseConnector } from './database-connector.service.js';
import { dataSourceOptions } from './data-source-options.js';
import { EmbeddedDatabaseService } from './embedded-database.service.js';
import { PgNotifications } from './pg-notifications.service.js';
import { SqlService } from './sql.service.js';

@Module({ providers: [EmbeddedDatabaseService], exports: [EmbeddedDatabaseService] })
class EmbeddedDatabaseModule {}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [AppConfig, EmbeddedDatabaseService],
      useFactory: async (config: AppConfig, embedded: EmbeddedDatabaseService) => ({
        // DatabaseConnector connects (and migrates) after the server listens, retrying until the database is there.
        ...dataSourceOptions(await embedded.connectionUrl(), config.dbPoolMax, false),
        autoLoadEntities: true,
        manualInitialization: true,
      }),
    }),
  ],
  providers: [SqlService, DatabaseConnector, PgNotifications],
  exports: [SqlService, DatabaseConnector, PgNotifications],
})
export class DatabaseModule {}
