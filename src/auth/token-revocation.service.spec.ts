import { AppConfig } from '../config/app-config.js';
import type { SqlService } from '../database/sql.service.js';
import type { DataSource } from 'typeorm';
import { TokenRevocationService } from './token-revocation.service.js';

interface Row {
  id: string;
  kind: 'token' | 'grant' | 'client' | 'user';
  subject: string;
  revokedAt: number;
}

/**
 * A strict fake of SqlService for token_revocations: it answers only the INSERT and the SELECT the
 * service is expected to send, records every call, and fails on anything else.
 */
class FakeRevocationSql {
  readonly calls: Array<{ text: string; params: unknown[] }> = [];
  readonly table: Row[] = [];
  now = 1_000_000;

  async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    this.calls.push({ text, params });
    if (/INSERT INTO token_revocations/.test(text)) {
      const [kind, subject, ttl] = params as [Row['kind'], string, number];
      expect(typeof ttl).toBe('number');
      const row: Row = { id: String(this.table.length + 1), kind, subject, revokedAt: this.now };
      this.table.push(row);
      return [row as T];
    }
    if (/^\s*SELECT .* FROM token_revocations WHERE id > \$1/s.test(text)) {
      const after = BigInt(params[0] as string);
      return this.table.filter((r) => BigInt(r.id) > after) as T[];
    }
    throw new Error(`unexpected SQL: ${text}`);
  }

  /** A row written by another instance. */
  insertElsewhere(kind: Row['kind'], subject: string, revokedAt = this.now, id = String(this.table.length + 1)): void {
    this.table.push({ id, kind, subject, revokedAt });
  }
}

describe('TokenRevocationService', () => {
  const config = AppConfig.from({ ACCESS_TOKEN_TTL_SECONDS: '900' });
  let sql: FakeRevocationSql;
  let service: TokenRevocationService;
  const T = 1_000_000;

  beforeEach(() => {
    sql = new FakeRevocationSql();
    service = new TokenRevocationService(config, sql as unknown as SqlService, { options: {} } as unknown as DataSource);
  });
  afterEach(() => service.onModuleDestroy());

  it('nothing is revoked at first', () => {
    expect(service.isRevoked({ tokenId: 'j1', grantId: 'g1', clientId: 'c1', userId: 'u1', issuedAt: T })).toBe(false);
    expect(service.size).toBe(0);
  });

  it('a revoked token id is revoked at once on this instance, and only that token', async () => {
    await service.revoke('token', 'j1');
    expect(service.isRevoked({ tokenId: 'j1', issuedAt: T })).toBe(true);
    expect(service.isRevoked({ tokenId: 'j2', issuedAt: T })).toBe(false);
    expect(sql.calls[0].params).toEqual(['token', 'j1', 900 + 60]);
  });

  it('a revoked grant kills every token of the grant, whenever issued', async () => {
    await service.revoke('grant', 'g1');
    expect(service.isRevoked({ tokenId: 'a', grantId: 'g1', issuedAt: T - 100 })).toBe(true);
    expect(service.isRevoked({ tokenId: 'b', grantId: 'g1', issuedAt: T + 100 })).toBe(true);
    expect(service.isRevoked({ tokenId: 'c', grantId: 'g2', issuedAt: T })).toBe(false);
  });

  it.each(['client', 'user'] as const)('a revoked %s kills the tokens issued up to the revocation, not later ones', async (kind) => {
    await service.revoke(kind, 'subject-1');
    const subject = (issuedAt: number, id = 'subject-1') => (kind === 'client' ? { clientId: id, issuedAt } : { userId: id, issuedAt });
    expect(service.isRevoked(subject(T - 1))).toBe(true);
    expect(service.isRevoked(subject(T))).toBe(true);
    expect(service.isRevoked(subject(T + 1))).toBe(false);
    expect(service.isRevoked(subject(T - 1, 'subject-2'))).toBe(false);
  });

  it('a later revocation of the same client moves the cut-off forward, an older one never back', async () => {
    await service.revoke('client', 'c1');
    sql.now = T + 50;
    await service.revoke('client', 'c1');
    expect(service.isRevoked({ clientId: 'c1', issuedAt: T + 40 })).toBe(true);
    sql.insertElsewhere('client', 'c1', T - 500);
    await service.sync();
    expect(service.isRevoked({ clientId: 'c1', issuedAt: T + 40 })).toBe(true);
  });

  it('sync() applies rows other instances wrote, asking only for rows it has not seen', async () => {
    await service.onModuleInit();
    expect(sql.calls.at(-1)?.params).toEqual(['0']);
    sql.insertElsewhere('token', 'remote-jti');
    sql.insertElsewhere('grant', 'remote-grant');
    await service.sync();
    expect(service.isRevoked({ tokenId: 'remote-jti', issuedAt: T })).toBe(true);
    expect(service.isRevoked({ grantId: 'remote-grant', issuedAt: T })).toBe(true);
    await service.sync();
    expect(sql.calls.at(-1)?.params).toEqual(['2']);
  });

  it('compares row ids as numbers, not strings ("10" comes after "9")', async () => {
    for (let i = 1; i <= 9; i++) sql.insertElsewhere('token', `t${i}`);
    await service.sync();
    sql.insertElsewhere('token', 't10', T, '10');
    await service.sync();
    expect(sql.calls.at(-1)?.params).toEqual(['9']);
    expect(service.isRevoked({ tokenId: 't10', issuedAt: T })).toBe(true);
    await service.sync();
    expect(sql.calls.at(-1)?.params).toEqual(['10']);
  });

  it('age reports the time since the last successful sync', async () => {
    await service.sync();
    expect(service.age).toBeLessThan(1000);
  });
});
