import { Injectable } from '@nestjs/common';

export interface RevocationSubject {
  tokenId?: string;
  grantId?: string;
  clientId?: string;
  userId?: string;
  /** Issued-at, seconds: a client or user revoked after this time invalidates the token. */
  issuedAt: number;
}

/**
 * In-memory revocation list consulted on every request (no database work on the hot path).
 * Revoked grants and token ids are final; clients and users carry the revocation time so that
 * only tokens issued before it die.
 */
@Injectable()
export class TokenRevocationService {
  private readonly tokens = new Set<string>();
  private readonly grants = new Set<string>();
  private readonly clients = new Map<string, number>();
  private readonly users = new Map<string, number>();

  isRevoked(s: RevocationSubject): boolean {
    if (s.tokenId && this.tokens.has(s.tokenId)) return true;
    if (s.grantId && this.grants.has(s.grantId)) return true;
    const clientAt = s.clientId ? this.clients.get(s.clientId) : undefined;
    if (clientAt !== undefined && s.issuedAt <= clientAt) return true;
    const userAt = s.userId ? this.users.get(s.userId) : undefined;
    return userAt !== undefined && s.issuedAt <= userAt;
  }

  revokeToken(tokenId: string): void {
    this.tokens.add(tokenId);
  }

  revokeGrant(grantId: string): void {
    this.grants.add(grantId);
  }

  revokeClient(clientId: string, at = nowSeconds()): void {
    this.clients.set(clientId, Math.max(at, this.clients.get(clientId) ?? 0));
  }

  revokeUser(userId: string, at = nowSeconds()): void {
    this.users.set(userId, Math.max(at, this.users.get(userId) ?? 0));
  }

  get size(): number {
    return this.tokens.size + this.grants.size + this.clients.size + this.users.size;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
