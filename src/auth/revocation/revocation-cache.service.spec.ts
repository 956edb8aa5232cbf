import type { DatabaseConnector } from '../../database/database-connector.service.js';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { Registry } from 'prom-client';
import type { PgNotifications } from '../../database/pg-notifications.service.js';
import type { RevocationKind, RevocationRow } from './revocation.js';
import { RevocationCache } from './revocation-cache.service.js';
import type { RevocationRepository } from './revocation.repository.js';

/**
 * A strict fake of the announcements table: `since` answers from the rows, other instances' writes
 * are added with `insertElsewhere`, and every call is recorded.
 */
class FakeAnnouncements {
  readonly calls: string[] = [];
  readonly table: RevocationRow[] = [];
  now = 1_000_000;

  since(lastId: string): Promise<RevocationRow[]> {
    this.calls.push(lastId);
    return Promise.resolve(this.table.filter((r) => BigInt(r.id) > BigInt(lastId)));
  }

  /** A row written (and announced) on this instance, as RevocationService hands it to the cache. */
  write(kind: RevocationKind, subject: string): RevocationRow {
    const row = { id: String(this.table.length + 1), kind, subject, revokedAt: this.now };
    this.table.push(row);
    return row;
  }

  /** A row written by another instance. */
  insertElsewhere(kind: RevocationKind, subject: string, revokedAt = this.now, id = String(this.table.length + 1)): void {
    this.table.push({ id, kind, subject, revokedAt });
  }
}

describe('RevocationCache', () => {
  let sql: FakeAnnouncements;
  let service: RevocationCache;
  const T = 1_000_000;

  beforeEach(() => {
    sql = new FakeAnnouncements();
    service = new RevocationCache(
      sql as unknown as RevocationRepository,
      { on: () => () => undefined, notificationsWork: false, listening: false } as unknown as PgNotifications,
      { registry: new Registry() } as unknown as MetricsService,
      { onConnected: () => undefined } as unknown as DatabaseConnector,
    );
  });
  afterEach(() => service.onModuleDestroy());

  it('nothing is revoked at first', () => {
    expect(service.isRevoked({ tokenId: 'j1', grantId: 'g1', clientId: 'c1', userId: 'u1', issuedAt: T })).toBe(false);
    expect(service.size).toBe(0);
  });

  it('a revoked token id is revoked at once on this instance, and only that token', async () => {
    service.apply(sql.write('token', 'j1'));
    expect(service.isRevoked({ tokenId: 'j1', issuedAt: T })).toBe(true);
    expect(service.isRevoked({ tokenId: 'j2', issuedAt: T })).toBe(false);
  });

  it('a revoked grant kills every token of the grant, whenever issued', async () => {
    service.apply(sql.write('grant', 'g1'));
    expect(service.isRevoked({ tokenId: 'a', grantId: 'g1', issuedAt: T - 100 })).toBe(true);
    expect(service.isRevoked({ tokenId: 'b', grantId: 'g1', issuedAt: T + 100 })).toBe(true);
    expect(service.isRevoked({ tokenId: 'c', grantId: 'g2', issuedAt: T })).toBe(false);
  });

  it('a revoked client kills the tokens issued up to the revocation, not later ones', async () => {
    service.apply(sql.write('client', 'c1'));
    expect(service.isRevoked({ clientId: 'c1', issuedAt: T - 1 })).toBe(true);
    expect(service.isRevoked({ clientId: 'c1', issuedAt: T })).toBe(true);
    expect(service.isRevoked({ clientId: 'c1', issuedAt: T + 1 })).toBe(false);
    expect(service.isRevoked({ clientId: 'c2', issuedAt: T - 1 })).toBe(false);
  });

  it("a disabled user's tokens are refused whenever issued, until the user is enabled; then only the old ones", async () => {
    service.apply(sql.write('user', 'u1'));
    expect(service.isRevoked({ userId: 'u1', issuedAt: T - 1 })).toBe(true);
    expect(service.isRevoked({ userId: 'u1', issuedAt: T + 3600 })).toBe(true);
    expect(service.isRevoked({ userId: 'u2', issuedAt: T - 1 })).toBe(false);
    sql.now = T + 10;
    service.apply(sql.write('user_enabled', 'u1'));
    expect(service.isRevoked({ userId: 'u1', issuedAt: T })).toBe(true);
    expect(service.isRevoked({ userId: 'u1', issuedAt: T + 11 })).toBe(false);
  });

  it('disable, enable and disable again within one second: the order of the rows decides, not their seconds', async () => {
    service.apply(sql.write('user', 'u1'));
    service.apply(sql.write('user_enabled', 'u1'));
    expect(service.isRevoked({ userId: 'u1', issuedAt: T + 1 })).toBe(false);
    service.apply(sql.write('user', 'u1'));
    expect(service.isRevoked({ userId: 'u1', issuedAt: T + 1 })).toBe(true);
  });

  it('an enable that another instance wrote is applied by sync, after an older disable applied locally', async () => {
    service.apply(sql.write('user', 'u1'));
    sql.now = T + 5;
    sql.insertElsewhere('user_enabled', 'u1');
    expect(service.isRevoked({ userId: 'u1', issuedAt: T + 6 })).toBe(true);
    await service.sync();
    expect(service.isRevoked({ userId: 'u1', issuedAt: T + 6 })).toBe(false);
  });

  it('a later revocation of the same client moves the cut-off forward, an older one never back', async () => {
    service.apply(sql.write('client', 'c1'));
    sql.now = T + 50;
    service.apply(sql.write('client', 'c1'));
    expect(service.isRevoked({ clientId: 'c1', issuedAt: T + 40 })).toBe(true);
    sql.insertElsewhere('client', 'c1', T - 500);
    await service.sync();
    expect(service.isRevoked({ clientId: 'c1', issuedAt: T + 40 })).toBe(true);
  });

  it('sync() applies rows other instances wrote, asking only for rows it has not seen', async () => {
    await service.sync();
    expect(sql.calls.at(-1)).toBe('0');
    sql.insertElsewhere('token', 'remote-jti');
    sql.insertElsewhere('grant', 'remote-grant');
    await service.sync();
    expect(service.isRevoked({ tokenId: 'remote-jti', issuedAt: T })).toBe(true);
    expect(service.isRevoked({ grantId: 'remote-grant', issuedAt: T })).toBe(true);
    await service.sync();
    expect(sql.calls.at(-1)).toBe('2');
  });

  it('compares row ids as numbers, not strings ("10" comes after "9")', async () => {
    for (let i = 1; i <= 9; i++) sql.insertElsewhere('token', `t${i}`);
    await service.sync();
    sql.insertElsewhere('token', 't10', T, '10');
    await service.sync();
    expect(sql.calls.at(-1)).toBe('9');
    expect(service.isRevoked({ tokenId: 't10', issuedAt: T })).toBe(true);
    await service.sync();
    expect(sql.calls.at(-1)).toBe('10');
  });

  it('age reports the time since the last successful sync', async () => {
    await service.sync();
    expect(service.age).toBeLessThan(1000);
  });
});
