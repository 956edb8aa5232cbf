import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { KeysModule } from '../keys/keys.module.js';
import { AccessTokenService } from './access-token.service.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { RequestAuthenticator } from './request-authenticator.service.js';
import { RestScopeScanner } from './rest-scope.scanner.js';
import { AuthChallengeService } from './auth-challenge.service.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { ProtectedResourceController } from './protected-resource.controller.js';
import { ScopeRegistry } from './scope-registry.service.js';
import { TokenRevocationService } from './token-revocation.service.js';

@Module({
  imports: [KeysModule, DiscoveryModule],
  controllers: [ProtectedResourceController],
  providers: [
    AccessTokenService,
    AuthChallengeService,
    ScopeRegistry,
    TokenRevocationService,
    ApiKeysRepository,
    ApiKeysService,
    RestScopeScanner,
    RequestAuthenticator,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [RequestAuthenticator, AccessTokenService, AuthChallengeService, ScopeRegistry, TokenRevocationService, ApiKeysService, KeysModule],
})
export class AuthModule {}
