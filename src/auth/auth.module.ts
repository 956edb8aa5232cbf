import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PublicCorsMiddleware } from '../common/public-cors.middleware.js';
import { AppConfig } from '../config/app-config.js';
import { KeysModule } from '../keys/keys.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AdminAccessService } from './admin-access.service.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthChallengeService } from './auth-challenge.service.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { ExternalIdentityService } from './external/external-identity.service.js';
import { ExternalTokenVerifier } from './external/external-token.verifier.js';
import { TokenIntrospectionClient } from './external/token-introspection.client.js';
import { IssuerKeysService } from './federation/issuer-keys.service.js';
import { IssuerMetadataService } from './federation/issuer-metadata.service.js';
import { ProtectedResourceController } from './protected-resource.controller.js';
import { RequestAuthenticatorService } from './request-authenticator.service.js';
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
  imports: [KeysModule, DiscoveryModule, MetricsModule, UsersModule],
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
    RequestAuthenticatorService,
    IssuerMetadataService,
    IssuerKeysService,
    ExternalIdentityService,
    TokenIntrospectionClient,
    ExternalTokenVerifier,
    {
      provide: AccessTokenVerifier,
      useFactory: (config: AppConfig, builtin: AccessTokenService, external: ExternalTokenVerifier) => (config.authMode === 'external' ? external : builtin),
      inject: [AppConfig, AccessTokenService, ExternalTokenVerifier],
    },
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [
    RequestAuthenticatorService,
    AccessTokenService,
    AdminAccessService,
    AuthChallengeService,
    ScopeRegistry,
    RevocationService,
    ApiKeysService,
    KeysModule,
    IssuerMetadataService,
    IssuerKeysService,
  ],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(PublicCorsMiddleware)
      .forRoutes(...['.well-known/oauth-protected-resource', '.well-known/oauth-protected-resource/mcp'].map((path) => ({ path, method: RequestMethod.ALL })));
  }
}
