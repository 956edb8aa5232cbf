import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { boundedFetch, jsonObject, OutboundFetchError } from '../federation/bounded-fetch.js';
import { IssuerMetadataService } from '../federation/issuer-metadata.service.js';

export interface IntrospectedToken {
  issuer: string;
  claims: Record<string, unknown>;
}

const TIMEOUT_MS = 5000;
const MAX_BYTES = 64 * 1024;

/**
 * RFC 7662 introspection of opaque access tokens at the company authorization server, as the
 * configured confidential client (client_secret_basic, RFC 6749 §2.3.1). Asks the first configured
 * issuer that publishes an introspection endpoint.
 */
@Injectable()
export class TokenIntrospectionClient {
  constructor(
    private readonly config: AppConfig,
    private readonly metadata: IssuerMetadataService,
  ) {}

  get enabled(): boolean {
    return this.config.external?.introspection !== undefined;
  }

  /** The token's claims when active; undefined when the server says it is not active. */
  async introspect(token: string): Promise<IntrospectedToken | undefined> {
    const external = this.config.external!;
    const client = external.introspection!;
    const { issuer, endpoint } = await this.endpoint(external.issuers);
    const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
    const res = await boundedFetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      timeoutMs: TIMEOUT_MS,
      maxBytes: MAX_BYTES,
    });
    if (res.status !== 200) throw new OutboundFetchError(`introspection at ${new URL(endpoint).host} answered ${res.status}`);
    const claims = await jsonObject(res, 'The introspection response');
    // RFC 7662 §2.2: only a boolean true means active.
    if (claims.active !== true) return undefined;
    return { issuer, claims };
  }

  private async endpoint(issuers: readonly string[]): Promise<{ issuer: string; endpoint: string }> {
    for (const issuer of issuers) {
      const endpoint = (await this.metadata.get(issuer)).introspection_endpoint;
      if (endpoint) return { issuer, endpoint };
    }
    throw new OutboundFetchError('none of the configured issuers publishes an introspection_endpoint');
  }
}
