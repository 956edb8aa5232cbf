import { DynamicModule, Module, type Type } from '@nestjs/common';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ContextModule } from './common/context/context.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { GithubModule } from './github/github.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpModule } from './http/http.module.js';
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
  /** `extraModules`: modules only tests and the conformance server add (fixture tools); production passes none. */
  static forRoot(config: AppConfig, logStream?: DestinationStream, extraModules: Type[] = []): DynamicModule {
    // AUTH_MODE=external: no authorization server here; the company's issues the tokens.
    const oauth = config.authMode === 'builtin' ? OAuthModule.forRoot(config) : undefined;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ContextModule,
        HttpModule,
        LoggingModule.forRoot(logStream),
        AuditModule,
        UsersModule,
        RateLimitModule,
        AuthModule,
        ...(oauth ? [oauth] : []),
        McpModule,
        NotesModule,
        // GitHub issue tools need the person's GitHub token: only with GitHub sign-in.
        ...(config.githubTools ? [GithubModule] : []),
        HealthModule,
        MetricsModule,
        AdminModule.forRoot(oauth),
        ...extraModules,
      ],
    };
  }
}
