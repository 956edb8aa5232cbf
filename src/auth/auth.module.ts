import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { KeysModule } from '../keys/keys.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AdminAccessService } from './admin-access.service.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthChallengeService } from './auth-challenge.service.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { ProtectedResourceController } from './protected-resource.controller.js';
import { RequestAuthenticator } from './request-authenticator.service.js';
import { RestScopeScanner } from './rest-scope.scanner.js';
import { RevocationCache } from './revocation/revocation-cache.service.js';
import { RevocationRepository } from './revocation/revocation.repository.js';
import { RevocationService } from './revocation/revocation.service.js';
import { ScopeRegistry } from './scope-registry.service.js';

/**
 * The resource-server side: bearer and API-key verification, the revocation cache and the one
 * RevocationService (used by the authorization server and the admin API), scopes, the global guard
 * and the protected-resource metadata.
 */
@Module({
  imports: [KeysModule, DiscoveryModule, MetricsModule],
  controllers: [ProtectedResourceController],
  providers: [
    AccessTokenService,
    AdminAccessService,
    AuthChallengeService,
    ScopeRegistry,
    RevocationRepository,
    RevocationCache,
    RevocationService,
    ApiKeysRepository,
    ApiKeysService,
    RestScopeScanner,
    RequestAuthenticator,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [RequestAuthenticator, AccessTokenService, AdminAccessService, AuthChallengeService, ScopeRegistry, RevocationService, ApiKeysService, KeysModule],
})
export class AuthModule {}
