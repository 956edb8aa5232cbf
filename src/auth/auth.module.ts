import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { KeysModule } from '../keys/keys.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthChallengeService } from './auth-challenge.service.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { ProtectedResourceController } from './protected-resource.controller.js';
import { ScopeRegistry } from './scope-registry.service.js';
import { TokenRevocationService } from './token-revocation.service.js';

@Module({
  imports: [KeysModule],
  controllers: [ProtectedResourceController],
  providers: [
    AccessTokenService,
    AuthChallengeService,
    ScopeRegistry,
    TokenRevocationService,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [AccessTokenService, AuthChallengeService, ScopeRegistry, TokenRevocationService, KeysModule],
})
export class AuthModule {}
