import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { safeEqual, sha256 } from '../../common/crypto.js';
import { RequestContextService } from '../../common/context/request-context.service.js';
import { OAuthError } from '../oauth-error.js';
import { ClientsService } from './clients.service.js';
import type { OAuthClient } from './oauth-client.js';

interface Presented {
  clientId: string;
  secret?: string;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/**
 * Client authentication at the token, revocation and introspection endpoints (OAuth 2.1 §2.4):
 * `none` (public clients, PKCE), `client_secret_basic`, `client_secret_post`. Only the hash of a
 * secret is stored, compared in constant time. Failures are `invalid_client` (401; with a Basic
 * challenge when Basic was tried).
 */
@Injectable()
export class ClientAuthenticationService {
  private readonly logger = new Logger(ClientAuthenticationService.name);

  constructor(
    private readonly clients: ClientsService,
    private readonly context: RequestContextService,
  ) {}

  async authenticate(req: Request): Promise<OAuthClient> {
    const presented = this.presented(req);
    const basic = presented.method === 'client_secret_basic';
    const fail = (why: string) => {
      this.logger.warn(`client authentication failed: ${why}`);
      return new OAuthError('invalid_client', 'Client authentication failed', { basicChallenge: basic });
    };
    let client: OAuthClient | undefined;
    try {
      client = await this.clients.find(presented.clientId);
    } catch {
      throw fail('client could not be resolved');
    }
    if (!client) throw fail('unknown or revoked client');
    if (client.tokenEndpointAuthMethod !== presented.method) {
      throw fail(`client uses ${client.tokenEndpointAuthMethod}, request used ${presented.method}`);
    }
    if (presented.method !== 'none') {
      if (!client.clientSecretHash || !presented.secret || !safeEqual(sha256(presented.secret), client.clientSecretHash)) {
        throw fail('wrong client secret');
      }
      if (client.clientSecretExpiresAt && new Date(client.clientSecretExpiresAt).getTime() < Date.now()) throw fail('client secret expired');
    }
    this.context.setClient(client.clientId);
    return client;
  }

  private presented(req: Request): Presented {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const header = req.headers.authorization;
    if (header && /^Basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials', { basicChallenge: true });
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
      const clientId = safeDecode(decoded.slice(0, colon));
      const secret = safeDecode(decoded.slice(colon + 1));
      if (typeof body.client_id === 'string' && body.client_id !== clientId) {
        throw new OAuthError('invalid_request', 'client_id in the body differs from the Basic credentials');
      }
      return { clientId, secret, method: 'client_secret_basic' };
    }
    if (header) throw new OAuthError('invalid_client', 'Unsupported Authorization scheme for client authentication', { basicChallenge: true });
    if (typeof body.client_id !== 'string' || body.client_id === '') {
      throw new OAuthError('invalid_client', 'Client authentication required (client_id missing)');
    }
    if (typeof body.client_secret === 'string') return { clientId: body.client_id, secret: body.client_secret, method: 'client_secret_post' };
    return { clientId: body.client_id, method: 'none' };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
