import { DynamicModule, MiddlewareConsumer, Module, NestModule, type Provider, RequestMethod } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthModule } from '../auth/auth.module.js';
import { AppConfig } from '../config/app-config.js';
import { PublicCorsMiddleware } from '../common/public-cors.middleware.js';
import { UsersModule } from '../users/users.module.js';
import { AuthorizationRequestsRepository } from './authorize/authorization-requests.repository.js';
import { AuthorizationService } from './authorize/authorization.service.js';
import { AuthorizeController } from './authorize/authorize.controller.js';
import { BrowserSessionService } from './authorize/browser-session.service.js';
import { BrowserSessionsRepository } from './authorize/browser-sessions.repository.js';
import { ConsentsRepository } from './authorize/consents.repository.js';
import { SignInCompletionService } from './authorize/sign-in-completion.service.js';
import { OAuthCleanupTask } from './cleanup.task.js';
import { ClientAuthenticationService } from './clients/client-authentication.service.js';
import { ClientMetadataDocumentService } from './clients/client-metadata-document.service.js';
import { ClientsService } from './clients/clients.service.js';
import { FirstPartyClientsService } from './clients/first-party-clients.service.js';
import { OAuthClientsRepository } from './clients/oauth-clients.repository.js';
import { RegistrationController } from './clients/registration.controller.js';
import { IdJagGrantService } from './id-jag/id-jag-grant.service.js';
import { IdJagUsesRepository } from './id-jag/id-jag-uses.repository.js';
import { IdJagVerifier } from './id-jag/id-jag.verifier.js';
import { MetadataController } from './metadata.controller.js';
import { ScopePolicyService } from './scope-policy.service.js';
import { AuthorizationCodesRepository } from './tokens/authorization-codes.repository.js';
import { GrantsRepository } from './tokens/grants.repository.js';
import { IntrospectionController } from './tokens/introspection.controller.js';
import { RevocationController } from './tokens/revocation.controller.js';
import { TokenController } from './tokens/token.controller.js';
import { TokenService } from './tokens/token.service.js';
import { DevLoginController } from './upstream/dev-login.controller.js';
import { DevLoginService } from './upstream/dev-login.service.js';
import { GithubCallbackController } from './upstream/github-callback.controller.js';
import { GithubLoginService } from './upstream/github-login.service.js';
import { GithubStrategy } from './upstream/github.strategy.js';
import { OidcCallbackController } from './upstream/oidc-callback.controller.js';
import { OidcLoginService } from './upstream/oidc-login.service.js';
import { SignInChoiceController } from './upstream/sign-in-choice.controller.js';
import { SignInChoiceService } from './upstream/sign-in-choice.service.js';
import { UpstreamAccessService } from './upstream/upstream-access.service.js';
import { UpstreamLogin } from './upstream/upstream-login.js';

/**
 * The in-process OAuth 2.1 authorization server. The upstream sign-in is GitHub and/or an OpenID
 * provider (a choice page when both are configured), otherwise (never in production) the local dev
 * sign-in page.
 */
@Module({})
export class OAuthModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    const github = config.github !== undefined;
    const oidc = config.oidc !== undefined;
    const upstream: Provider[] = [
      ...(github ? [GithubStrategy, GithubLoginService] : []),
      ...(oidc ? [OidcLoginService] : []),
      github && oidc
        ? { provide: UpstreamLogin, useClass: SignInChoiceService }
        : github
          ? { provide: UpstreamLogin, useExisting: GithubLoginService }
          : oidc
            ? { provide: UpstreamLogin, useExisting: OidcLoginService }
            : { provide: UpstreamLogin, useClass: DevLoginService },
    ];
    return {
      module: OAuthModule,
      imports: [AuthModule, UsersModule, PassportModule],
      controllers: [
        MetadataController,
        // DCR_ENABLED=false: no /register at all (404); the metadata then names no registration_endpoint.
        ...(config.dcrEnabled ? [RegistrationController] : []),
        AuthorizeController,
        TokenController,
        RevocationController,
        IntrospectionController,
        ...(github ? [GithubCallbackController] : []),
        ...(oidc ? [OidcCallbackController] : []),
        ...(github && oidc ? [SignInChoiceController] : []),
        ...(!github && !oidc ? [DevLoginController] : []),
      ],
      providers: [
        ScopePolicyService,
        OAuthClientsRepository,
        ClientMetadataDocumentService,
        ClientsService,
        FirstPartyClientsService,
        ClientAuthenticationService,
        AuthorizationRequestsRepository,
        ConsentsRepository,
        BrowserSessionsRepository,
        BrowserSessionService,
        AuthorizationService,
        SignInCompletionService,
        AuthorizationCodesRepository,
        GrantsRepository,
        TokenService,
        IdJagVerifier,
        IdJagUsesRepository,
        IdJagGrantService,
        OAuthCleanupTask,
        UpstreamAccessService,
        ...upstream,
      ],
      // AdminModule registers clients for administrators (POST /admin/clients) with the same rules as /register.
      exports: [ClientsService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(PublicCorsMiddleware)
      .forRoutes(
        ...['.well-known/oauth-authorization-server', '.well-known/openid-configuration', '.well-known/jwks.json', 'register', 'token', 'revoke'].map(
          (path) => ({ path, method: RequestMethod.ALL }),
        ),
      );
  }
}
