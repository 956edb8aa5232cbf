import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ContextModule } from './common/context/context.module.js';
import { HttpErrorFilter } from './common/errors/http-error.filter.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { McpModule } from './mcp/mcp.module.js';
import type { DestinationStream } from 'pino';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotesModule } from './notes/notes.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logStream?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ContextModule,
        LoggingModule.forRoot(logStream),
        AuditModule,
        UsersModule,
        ScheduleModule.forRoot(),
        RateLimitModule,
        AuthModule,
        OAuthModule.forRoot(config),
        McpModule,
        NotesModule,
        HealthModule,
        MetricsModule,
        AdminModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
