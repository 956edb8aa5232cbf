import { DynamicModule, Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module.js';
import { AdminAuditInterceptor } from './admin-audit.interceptor.js';
import { AdminAuditRecorder } from './admin-audit.recorder.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { createValidationPipe } from './admin-validation.js';
import { AdminApiKeysController } from './api-keys/admin-api-keys.controller.js';
import { AdminApiKeysService } from './api-keys/admin-api-keys.service.js';
import { AdminAuditQueryService } from './audit/admin-audit-query.service.js';
import { AdminAuditController } from './audit/admin-audit.controller.js';
import { AdminAuditRepository } from './audit/admin-audit.repository.js';
import { AdminClientsController } from './clients/admin-clients.controller.js';
import { AdminClientsRepository } from './clients/admin-clients.repository.js';
import { AdminClientsService } from './clients/admin-clients.service.js';
import { AdminGrantsController } from './grants/admin-grants.controller.js';
import { AdminGrantsRepository } from './grants/admin-grants.repository.js';
import { AdminGrantsService } from './grants/admin-grants.service.js';
import { AdminRevocationsController } from './revocations/admin-revocations.controller.js';
import { AdminSigningKeysController } from './signing-keys/admin-signing-keys.controller.js';
import { AdminSigningKeysRepository } from './signing-keys/admin-signing-keys.repository.js';
import { AdminSigningKeysService } from './signing-keys/admin-signing-keys.service.js';
import { AdminUsersController } from './users/admin-users.controller.js';
import { AdminUsersRepository } from './users/admin-users.repository.js';
import { AdminUsersService } from './users/admin-users.service.js';

/**
 * REST /admin/*: clients, users, grants, signing keys, API keys and the audit trail, for holders of
 * the `admin` scope. Every request is audited (kind `admin`). Also registers the application's
 * ValidationPipe (DTO classes only; the other modules' handlers take no DTOs). Revocation goes
 * through AuthModule's RevocationService; client registration (POST /admin/clients) through
 * OAuthModule's ClientsService, the rules of /register.
 */
@Module({})
export class AdminModule {
  /**
   * `oauthModule`: the authorization server AppModule imports (AUTH_MODE=builtin). Without it
   * (AUTH_MODE=external) there are no local OAuth clients or grants to manage; the deny list for the
   * company authorization server's tokens (POST /admin/revocations) takes their place.
   */
  static forRoot(oauthModule?: DynamicModule): DynamicModule {
    const builtin = oauthModule !== undefined;
    const oauth = builtin ? [AdminClientsController, AdminGrantsController] : [AdminRevocationsController];
    return {
      module: AdminModule,
      // The authorization server's module (the same instance AppModule imports) for client registration.
      imports: [AuthModule, ...(builtin ? [oauthModule] : [])],
      controllers: [...oauth, AdminUsersController, AdminSigningKeysController, AdminApiKeysController, AdminAuditController],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        AdminAuditRecorder,
        AdminAuditInterceptor,
        AdminExceptionFilter,
        ...(builtin ? [AdminClientsRepository, AdminClientsService] : []),
        AdminUsersRepository,
        AdminUsersService,
        AdminGrantsRepository,
        AdminGrantsService,
        AdminSigningKeysRepository,
        AdminSigningKeysService,
        AdminApiKeysService,
        AdminAuditRepository,
        AdminAuditQueryService,
      ],
    };
  }
}
