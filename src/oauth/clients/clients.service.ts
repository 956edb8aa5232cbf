import { Injectable } from '@nestjs/common';
import { validateSync } from 'class-validator';
import { randomToken, sha256 } from '../../common/crypto.js';
import { isStorableText } from '../../common/text.js';
import { AppConfig } from '../../config/app-config.js';
import { JWT_BEARER } from '../id-jag/id-jag.verifier.js';
import { OAuthError } from '../oauth-error.js';
import { ScopePolicyService } from '../scope-policy.service.js';
import { ClientMetadataDocumentService } from './client-metadata-document.service.js';
import { asConfiguredHere } from './first-party-clients.js';
import { type GrantType, type OAuthClient } from './oauth-client.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { REGISTRATION_FIELDS, RegisterClientDto } from './register-client.dto.js';
import { redirectUriProblem } from './redirect-uri.js';

@Injectable()
export class ClientsService {
  constructor(
    private readonly clients: OAuthClientsRepository,
    private readonly documents: ClientMetadataDocumentService,
    private readonly scopes: ScopePolicyService,
    private readonly config: AppConfig,
  ) {}

  /**
   * RFC 7591 §3: validates the metadata strictly and registers a client, self-registered (`dcr`, POST
   * /register) or by an administrator (`admin`, POST /admin/clients, which works with DCR_ENABLED=false).
   */
  async register(body: unknown, kind: 'dcr' | 'admin' = 'dcr'): Promise<Record<string, unknown>> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new OAuthError('invalid_client_metadata', 'The request body must be a JSON object of client metadata');
    }
    // Only the metadata this server knows is read (RFC 7591 §2: others are ignored), copied as own
    // properties: class-transformer's plainToInstance threw on nested `constructor` keys (a 500), and
    // Object.assign would let a `__proto__` key swap the DTO's class and skip validation.
    const dto = new RegisterClientDto();
    for (const field of REGISTRATION_FIELDS) if (Object.hasOwn(body, field)) (dto as Record<string, unknown>)[field] = (body as Record<string, unknown>)[field];
    const errors = validateSync(dto, { forbidUnknownValues: false });
    if (errors.length) {
      const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
      const code = errors.some((e) => e.property === 'redirect_uris') ? 'invalid_redirect_uri' : 'invalid_client_metadata';
      throw new OAuthError(code, messages.join('; '));
    }
    const grantTypes: GrantType[] = dto.grant_types?.length ? [...new Set(dto.grant_types)] : ['authorization_code', 'refresh_token'];
    // RFC 7591 §2: the default method is client_secret_basic.
    const authMethod = dto.token_endpoint_auth_method ?? 'client_secret_basic';
    if (grantTypes.includes('client_credentials') && authMethod === 'none') {
      throw new OAuthError('invalid_client_metadata', 'client_credentials needs a confidential client: token_endpoint_auth_method must not be "none"');
    }
    if (grantTypes.includes(JWT_BEARER)) {
      // MCP Enterprise-Managed Authorization: the ID-JAG grant is for confidential clients, and only while an identity provider is trusted for it.
      if (!this.config.idJag) throw new OAuthError('invalid_client_metadata', `${JWT_BEARER} is not offered by this server (no TRUSTED_IDJAG_ISSUERS)`);
      if (authMethod === 'none')
        throw new OAuthError('invalid_client_metadata', `${JWT_BEARER} needs a confidential client: token_endpoint_auth_method must not be "none"`);
    }
    if (grantTypes.includes('refresh_token') && !grantTypes.includes('authorization_code')) {
      throw new OAuthError('invalid_client_metadata', 'refresh_token is only issued with authorization_code');
    }
    if (dto.response_types?.length && !grantTypes.includes('authorization_code')) {
      throw new OAuthError('invalid_client_metadata', 'response_types "code" needs the authorization_code grant type');
    }
    const redirectUris = [...new Set(dto.redirect_uris ?? [])];
    if (grantTypes.includes('authorization_code')) {
      if (redirectUris.length === 0) throw new OAuthError('invalid_redirect_uri', 'redirect_uris must list at least one URI for authorization_code');
      for (const uri of redirectUris) {
        const problem = redirectUriProblem(uri);
        if (problem) throw new OAuthError('invalid_redirect_uri', `redirect_uri ${JSON.stringify(uri)} ${problem}`);
      }
    } else if (redirectUris.length) {
      throw new OAuthError('invalid_client_metadata', 'redirect_uris are only used with authorization_code');
    }
    let scope: string | null = null;
    if (dto.scope) {
      try {
        scope = this.scopes.parse(dto.scope).join(' ');
      } catch (e) {
        throw new OAuthError('invalid_client_metadata', (e as OAuthError).description);
      }
    }

    const secret = authMethod === 'none' ? undefined : randomToken(32);
    const client = await this.clients.insert({
      clientId: `mcp_${randomToken(16)}`,
      kind,
      clientSecretHash: secret ? sha256(secret) : null,
      clientSecretExpiresAt: null,
      tokenEndpointAuthMethod: authMethod,
      grantTypes,
      redirectUris,
      scope,
      clientName: dto.client_name ?? null,
      applicationType: dto.application_type ?? null,
      scopesOfferedAtRegistration: this.scopes.offered(),
      metadata: { client_uri: dto.client_uri, logo_uri: dto.logo_uri, software_id: dto.software_id, software_version: dto.software_version },
    });
    return {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(new Date(client.createdAt).getTime() / 1000),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      redirect_uris: client.redirectUris,
      grant_types: client.grantTypes,
      response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      ...(client.clientName ? { client_name: client.clientName } : {}),
      ...(client.applicationType ? { application_type: client.applicationType } : {}),
      ...(client.scope ? { scope: client.scope } : {}),
      ...(dto.client_uri ? { client_uri: dto.client_uri } : {}),
      ...(dto.logo_uri ? { logo_uri: dto.logo_uri } : {}),
    };
  }

  /** A registered (or CIMD) client that is not revoked, or undefined. */
  async find(clientId: string): Promise<OAuthClient | undefined> {
    if (!clientId || clientId.length > 2000 || !isStorableText(clientId)) return undefined;
    if (this.documents.isDocumentUrl(clientId)) return this.documents.resolve(clientId);
    const client = await this.clients.findById(clientId);
    if (!client || client.revokedAt || client.kind === 'cimd') return undefined;
    return client.kind === 'static' ? asConfiguredHere(client, this.config.publicUrl) : client;
  }

  /** Last use, shown to administrators; failures here never fail the token request. */
  async recordUse(clientId: string): Promise<void> {
    await this.clients.touch(clientId).catch(() => undefined);
  }
}
