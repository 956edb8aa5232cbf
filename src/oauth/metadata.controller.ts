import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../common/public.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { JWT_BEARER } from './id-jag/id-jag.verifier.js';
import { ScopePolicyService } from './scope-policy.service.js';

/** RFC 8414 authorization server metadata (also at the OpenID discovery path some clients try) and the JWKS. */
@Public()
@Controller()
export class MetadataController {
  constructor(
    private readonly config: AppConfig,
    private readonly scopes: ScopePolicyService,
    private readonly keys: SigningKeysService,
  ) {}

  @Get(['.well-known/oauth-authorization-server', '.well-known/openid-configuration'])
  @Header('Cache-Control', 'public, max-age=300')
  metadata(): Record<string, unknown> {
    const base = this.config.publicUrl;
    return {
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      // RFC 8414 §2: present only while dynamic registration (RFC 7591) is enabled.
      ...(this.config.dcrEnabled ? { registration_endpoint: `${base}/register` } : {}),
      revocation_endpoint: `${base}/revoke`,
      introspection_endpoint: `${base}/introspect`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      scopes_supported: this.scopes.offered(),
      // RFC 8414 §2 allows further members: what each scope means, as the consent page says it.
      scope_descriptions: this.scopes.descriptions(),
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      // RFC 7523 §2.1 jwt-bearer with ID-JAGs (MCP Enterprise-Managed Authorization), while an identity provider is trusted for it.
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', ...(this.config.idJag ? [JWT_BEARER] : [])],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      // MCP 2026-07-28 client registration: Client ID Metadata Documents are the primary way to register.
      client_id_metadata_document_supported: true,
      protected_resources: [this.config.resourceUrl],
    };
  }

  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: unknown[] } {
    return { keys: this.keys.publicJwks() };
  }
}
