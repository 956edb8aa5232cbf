import { mock } from 'node:test';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { RequestContextService } from '../common/context/request-context.service.js';
import { AppConfig } from '../config/app-config.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { AuditEvent } from './audit-event.js';
import type { AuditRepository } from './audit.repository.js';
import { AUDIT_BATCH_SIZE, AUDIT_BUFFER_MAX, AuditService } from './audit.service.js';

/** Postgres refusing a value (SQLSTATE 22P02 invalid_text_representation), as the pg driver reports it. */
const refused = () => Object.assign(new Error('invalid input syntax'), { code: '22P02' });
/** The database unreachable: no SQLSTATE. */
const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

interface Harness {
  service: AuditService;
  registry: Registry;
  /** Targets of each INSERT attempt, in order. */
  attempts: string[][];
  written: string[];
  logs: Array<{ level: string; message: unknown }>;
  setDatabase(state: 'up' | 'down'): void;
  /** Runs while each INSERT is in flight (events recorded then arrive during the write). */
  duringWrite(fn: (() => void) | undefined): void;
  advance(ms: number): void;
  metric(name: string): Promise<number>;
}

function harness(shutdownTimeoutMs = 10_000): Harness {
  let now = 1_000_000;
  mock.method(Date, 'now', () => now);
  let state: 'up' | 'down' = 'up';
  const attempts: string[][] = [];
  const written: string[] = [];
  let duringWrite: (() => void) | undefined;
  const repository = {
    insertMany: async (events: readonly AuditEvent[]) => {
      attempts.push(events.map((e) => e.target));
      await Promise.resolve();
      duringWrite?.();
      if (state === 'down') throw unreachable();
      if (events.some((e) => e.target.startsWith('refused'))) throw refused();
      written.push(...events.map((e) => e.target));
    },
  } as AuditRepository;
  const logs: Harness['logs'] = [];
  const capture = (level: string) => (message: unknown) => void logs.push({ level, message });
  Logger.overrideLogger({ log: capture('log'), error: capture('error'), warn: capture('warn') });
  const registry = new Registry();
  const config = AppConfig.from({ SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) });
  const service = new AuditService(config, repository, { current: () => undefined } as unknown as RequestContextService, { registry } as MetricsService);
  return {
    service,
    registry,
    attempts,
    written,
    logs,
    setDatabase: (s) => (state = s),
    duringWrite: (fn) => (duringWrite = fn),
    advance: (ms) => (now += ms),
    metric: async (name) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0,
  };
}

const event = (target: string) => ({ kind: 'tool' as const, target, outcome: 'ok' as const });

describe('AuditService', () => {
  afterEach(() => {
    mock.restoreAll();
    Logger.overrideLogger(false);
  });

  it('writes buffered events in one batch', async () => {
    const h = harness();
    for (const t of ['a', 'b', 'c']) h.service.record(event(t));
    await h.service.flush();
    expect(h.attempts).toEqual([['a', 'b', 'c']]);
  });

  it('under steady load a flush is one INSERT of what was buffered when it began; what arrives during the write waits for the next flush', async () => {
    const h = harness();
    let n = 0;
    // Ten new events during each of the first five writes, as calls keep coming in.
    h.duringWrite(() => {
      if (n < 50) for (let i = 0; i < 10; i++) h.service.record(event(`late${n++}`));
    });
    for (const t of ['a', 'b', 'c']) h.service.record(event(t));
    await h.service.flush();
    expect(h.attempts).toEqual([['a', 'b', 'c']]);
    await h.service.flush();
    expect(h.attempts.map((a) => a.length)).toEqual([3, 10]);
    h.duringWrite(undefined);
    await h.service.flush();
    expect(h.written).toHaveLength(3 + 10 + 10);
  });

  it('a batch that fills during a write is written by the same flush, in full batches, and starts no second write loop', async () => {
    const h = harness();
    let once = true;
    h.duringWrite(() => {
      if (!once) return;
      once = false;
      for (let i = 0; i < AUDIT_BATCH_SIZE + 7; i++) h.service.record(event(`burst${i}`));
    });
    for (const t of ['a', 'b']) h.service.record(event(t));
    await h.service.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.attempts.map((a) => a.length)).toEqual([2, AUDIT_BATCH_SIZE]);
    await h.service.flush();
    expect(h.attempts.map((a) => a.length)).toEqual([2, AUDIT_BATCH_SIZE, 7]);
    expect(new Set(h.written).size).toBe(2 + AUDIT_BATCH_SIZE + 7);
  });

  it('a refused event is split out of its batch: every other event is written, it goes to the log as a dead letter and is counted', async () => {
    const h = harness();
    const targets = Array.from({ length: 64 }, (_, i) => (i === 37 ? 'refused-37' : `ok-${i}`));
    for (const t of targets) h.service.record(event(t));
    await h.service.flush();
    expect(h.written.sort()).toEqual(targets.filter((t) => t !== 'refused-37').sort());
    expect(await h.metric('audit_events_dead_letter_total')).toBe(1);
    const dead = h.logs.filter((l) => l.level === 'error');
    expect(dead).toHaveLength(1);
    expect(dead[0].message).toMatchObject({ msg: 'Audit event not written (dead letter)', auditEvent: { target: 'refused-37', kind: 'tool' } });
    // Halving: about 2·log2(64) attempts, not one per event.
    expect(h.attempts.length).toBeLessThanOrEqual(14);
    // Nothing is retried afterwards: the buffer is empty.
    await h.service.flush();
    expect(h.attempts.length).toBeLessThanOrEqual(14);
  });

  it('NUL and lone surrogates are cleaned before the event is buffered', async () => {
    const h = harness();
    h.service.record({ kind: 'admin', target: 'clients.get', outcome: 'denied', detail: { params: { clientId: '\u0000\uD800' } } });
    await h.service.flush();
    expect(h.written).toEqual(['clients.get']);
  });

  it('while the database is unreachable: nothing is dead-lettered, retries back off exponentially with jitter, and all is written once it is back', async () => {
    const h = harness();
    h.setDatabase('down');
    h.service.record(event('kept'));
    await h.service.flush();
    expect(h.attempts).toHaveLength(1);
    // Attempt n waits between half and all of min(30 s, 250 ms · 2^(n-1)).
    for (let n = 1; n <= 10; n++) {
      const ceiling = Math.min(30_000, 250 * 2 ** (n - 1));
      h.advance(ceiling / 2 - 1);
      await h.service.flush();
      expect(h.attempts).toHaveLength(n); // still waiting
      h.advance(ceiling / 2 + 1);
      await h.service.flush();
      expect(h.attempts).toHaveLength(n + 1);
    }
    expect(await h.metric('audit_events_dead_letter_total')).toBe(0);
    h.setDatabase('up');
    h.advance(30_000);
    await h.service.flush();
    expect(h.written).toEqual(['kept']);
    expect(h.logs.some((l) => l.level === 'log' && String(l.message).startsWith('Audit writes resumed'))).toBe(true);
  });

  it('ten minutes of outage, flushed every second and on every full batch: at most one attempt per 15 s once backed off, one warning a minute', async () => {
    const h = harness();
    h.setDatabase('down');
    for (let second = 0; second < 600; second++) {
      for (let i = 0; i < 10; i++) h.service.record(event(`e${second}-${i}`));
      await h.service.flush();
      h.advance(1000);
    }
    expect(h.attempts.length).toBeLessThanOrEqual(8 + 600 / 15);
    expect(h.logs.filter((l) => l.level === 'warn').length).toBeLessThanOrEqual(10);
    expect(await h.metric('audit_events_buffered')).toBe(6000);
  });

  it(`holds at most ${AUDIT_BUFFER_MAX} events and counts the ones it drops`, async () => {
    const h = harness();
    h.setDatabase('down');
    h.service.record(event('first'));
    await h.service.flush(); // now backing off
    for (let i = 1; i < AUDIT_BUFFER_MAX + 25; i++) h.service.record(event(`e${i}`));
    expect(await h.metric('audit_events_buffered')).toBe(AUDIT_BUFFER_MAX);
    expect(await h.metric('audit_events_dropped_total')).toBe(25);
    expect(h.logs.filter((l) => l.level === 'error' && String(l.message).startsWith('Audit buffer full'))).toHaveLength(1);
  });

  it('on shutdown every buffered event is written, even during a backoff period', async () => {
    const h = harness();
    h.setDatabase('down');
    h.service.record(event('a'));
    await h.service.flush();
    h.setDatabase('up');
    h.service.record(event('b'));
    await h.service.beforeApplicationShutdown();
    expect(h.written).toEqual(['a', 'b']);
  });

  it('on shutdown with the database unreachable, what is left goes to the log as dead letters: nothing is lost silently', async () => {
    mock.restoreAll();
    const h = harness(0);
    mock.restoreAll(); // real time: the shutdown retries are bounded by SHUTDOWN_TIMEOUT_MS (0 here)
    h.setDatabase('down');
    for (const t of ['x', 'y']) h.service.record(event(t));
    await h.service.beforeApplicationShutdown();
    const dead = h.logs.filter((l) => l.level === 'error').map((l) => (l.message as { auditEvent: AuditEvent; reason: string }).auditEvent.target);
    expect(dead).toEqual(['x', 'y']);
    expect(await h.metric('audit_events_dead_letter_total')).toBe(2);
  });
});
