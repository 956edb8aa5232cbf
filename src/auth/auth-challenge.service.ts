import { HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { HttpErrorWithHeaders } from '../common/errors/http-error-with-headers.exception.js';
import { ScopeRegistry } from './scope-registry.service.js';
import { formatBearerChallenge } from './www-authenticate.js';

/** Builds the 401/403 responses of the resource server (RFC 6750 §3, RFC 9728 §5.1, MCP authorization §2.3). */
@Injectable()
export class AuthChallengeService {
  constructor(
    private readonly config: AppConfig,
    private readonly scopes: ScopeRegistry,
  ) {}

  /** No credentials: a bare challenge with no error code (RFC 6750 §3.1). */
  missing(): HttpErrorWithHeaders {
    return this.unauthorized(undefined, 'Authentication required');
  }

  invalidToken(description: string): HttpErrorWithHeaders {
    return this.unauthorized('invalid_token', description);
  }

  invalidRequest(description: string): HttpErrorWithHeaders {
    return this.unauthorized('invalid_request', description);
  }

  /**
   * MCP authorization step-up, RFC 6750 §3.1: the challenge names every scope the operation needs,
   * plus the granted ones so that a client re-authorizing with it keeps them. Only scopes of this
   * resource: never offline_access (an authorization server scope) or anything else a token carried.
   */
  insufficientScope(granted: Iterable<string>, required: readonly string[]): HttpErrorWithHeaders {
    const needed = [...new Set(required)];
    const scope = [...new Set([...[...granted].filter((s) => this.scopes.isKnown(s)), ...needed])].join(' ');
    const description = `This request needs scope: ${needed.join(' ')}`;
    return new HttpErrorWithHeaders(
      HttpStatus.FORBIDDEN,
      { error: 'insufficient_scope', error_description: description, scope },
      { 'WWW-Authenticate': formatBearerChallenge(this.config.protectedResourceMetadataUrl, { error: 'insufficient_scope', scope, description }) },
    );
  }

  private unauthorized(error: 'invalid_token' | 'invalid_request' | undefined, description: string): HttpErrorWithHeaders {
    const header = formatBearerChallenge(this.config.protectedResourceMetadataUrl, {
      scope: this.scopes.baseline() || undefined,
      error,
      description: error ? description : undefined,
    });
    return new HttpErrorWithHeaders(
      HttpStatus.UNAUTHORIZED,
      { error: error ?? 'unauthorized', error_description: description },
      { 'WWW-Authenticate': header },
    );
  }
}
