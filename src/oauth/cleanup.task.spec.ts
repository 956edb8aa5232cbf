import { mock } from 'node:test';
import { AuditRetentionTask } from '../audit/audit-retention.task.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { AppConfig } from '../config/app-config.js';
import type { SqlService } from '../database/sql.service.js';
import { OAuthCleanupTask } from './cleanup.task.js';

describe('clean-up schedules', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.UTC(2026, 10, 30, 15, 0, 30) }));
  afterEach(() => mock.timers.reset());

  it('the OAuth clean-up runs every 10 minutes on the clock, the audit retention 5 minutes after it, from application start until shutdown', async () => {
    const runs: string[] = [];
    const at = (what: string) => runs.push(`${what} ${new Date(Date.now()).toISOString().slice(11, 16)}`);
    const config = AppConfig.from({});
    const sql = { transaction: async () => void at('oauth') } as unknown as SqlService;
    const audit = { deleteOlderThan: async () => void at('audit') } as unknown as AuditRepository;
    const cleanup = new OAuthCleanupTask(sql, config);
    const retention = new AuditRetentionTask(config, audit);
    cleanup.onApplicationBootstrap();
    retention.onApplicationBootstrap();
    // 15:00:30 -> 15:05, 15:10, 15:15, 15:20 (each tick ends on a slot)
    for (const ms of [270_000, 300_000, 300_000, 300_000]) {
      mock.timers.tick(ms);
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    cleanup.onModuleDestroy();
    retention.onModuleDestroy();
    mock.timers.tick(3_600_000);
    expect(runs).toEqual(['audit 15:05', 'oauth 15:10', 'audit 15:15', 'oauth 15:20']);
  });
});
