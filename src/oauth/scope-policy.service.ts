import { Injectable } from '@nestjs/common';
import { ScopeRegistry } from '../auth/scope-registry.service.js';
import { OAuthError } from './oauth-error.js';

/** OpenID-style scope that asks for a long-lived refresh token (MCP 2026 guidance). */
export const OFFLINE_ACCESS = 'offline_access';

/** Which scopes the authorization server offers, and how requests for them are read (RFC 6749 §3.3). */
@Injectable()
export class ScopePolicy {
  constructor(private readonly registry: ScopeRegistry) {}

  offered(): string[] {
    return [...this.registry.all(), OFFLINE_ACCESS];
  }

  /** Parses a requested scope string; absent means the baseline (every ordinary tool's scope). */
  parse(scope: string | undefined | null): string[] {
    if (scope === undefined || scope === null || scope.trim() === '') return this.registry.baseline().split(' ').filter(Boolean);
    const requested = [...new Set(scope.split(' ').filter(Boolean))];
    const offered = new Set(this.offered());
    const unknown = requested.filter((s) => !offered.has(s));
    if (unknown.length) throw new OAuthError('invalid_scope', `Unknown scope: ${unknown.join(' ')}. Offered: ${this.offered().join(' ')}`);
    return requested;
  }
}
