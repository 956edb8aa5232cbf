import { Injectable } from '@nestjs/common';
import { ScopeRegistry } from '../auth/scope-registry.service.js';
import type { OAuthClient } from './clients/oauth-client.js';
import { OAuthError } from './oauth-error.js';

/** OpenID-style scope that asks for a long-lived refresh token (MCP 2026 guidance). */
export const OFFLINE_ACCESS = 'offline_access';

/** Shown for a scope whose team declared no description: honest, never a vague "access granted". */
export const UNDESCRIBED_SCOPE = 'Use the tools that require this permission (their authors did not describe it)';

/** Which scopes the authorization server offers, and how requests for them are read (RFC 6749 §3.3). */
@Injectable()
export class ScopePolicyService {
  constructor(private readonly registry: ScopeRegistry) {
    registry.describe(OFFLINE_ACCESS, 'Stay connected when you are not using it (a long-lived refresh token)');
  }

  /** What each scope lets the client do, for people: the declared description or UNDESCRIBED_SCOPE. */
  describe(scopes: readonly string[]): { scope: string; description: string }[] {
    return scopes.map((scope) => ({ scope, description: this.registry.description(scope) ?? UNDESCRIBED_SCOPE }));
  }

  /** RFC 8414 §2 extension `scope_descriptions`: every offered scope and what it means. */
  descriptions(): Record<string, string> {
    return Object.fromEntries(this.describe(this.offered()).map((d) => [d.scope, d.description]));
  }

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

  /**
   * The requested scopes this client may not have: a registered `scope` limits the client (RFC 7591
   * §2) only among the scopes offered when it registered, so a scope added since stays grantable to
   * an existing registration (MCP 2026-07-28 step-up; the person still consents to it).
   */
  notRegisteredFor(client: Pick<OAuthClient, 'scope' | 'scopesOfferedAtRegistration'>, requested: readonly string[]): string[] {
    if (!client.scope) return [];
    const registered = new Set(client.scope.split(' '));
    const knownThen = new Set(client.scopesOfferedAtRegistration ?? registered);
    return requested.filter((s) => !registered.has(s) && knownThen.has(s));
  }
}
