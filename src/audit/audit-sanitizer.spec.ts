import fc from 'fast-check';
import type { AuditEvent } from './audit-event.js';
import { AUDIT_LIMITS, cleanString, sanitizeAuditEvent } from './audit-sanitizer.js';

// eslint-disable-next-line no-control-regex -- NUL is what is being tested for
const UNWRITABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any UTF-16 string: NUL, lone surrogates and control characters included. */
const anyString = (maxLength = 3000) =>
  fc.string({
    unit: fc.oneof(fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\uD83D\uDE00'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    maxLength,
  });
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyString(50),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 60 }),
    fc.dictionary(anyString(120), tie('value'), { maxKeys: 60 }),
  ),
})).value;
const anyEvent: fc.Arbitrary<AuditEvent> = fc.record(
  {
    occurredAt: fc.date({ noInvalidDate: false }),
    requestId: anyString(300),
    userId: fc.oneof(fc.uuid(), anyString(60)),
    clientId: anyString(3000),
    kind: fc.constantFrom('tool', 'admin', 'auth'),
    target: anyString(20_000),
    outcome: fc.constantFrom('ok', 'denied'),
    latencyMs: fc.oneof(fc.double(), fc.integer()),
    detail: fc.dictionary(anyString(200), anyJson, { maxKeys: 80 }),
  },
  { requiredKeys: ['occurredAt', 'kind', 'target', 'outcome'] },
);

/** Every string in a value, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object' && !(value instanceof Date))
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  return out;
}

describe('sanitizeAuditEvent', () => {
  it('leaves an ordinary event as it is', () => {
    const event: AuditEvent = {
      occurredAt: new Date('2026-01-02T03:04:05.678Z'),
      requestId: 'req-1',
      userId: '11111111-1111-4111-8111-111111111111',
      clientId: 'https://app.example/client.json',
      kind: 'tool',
      target: 'notes.create',
      outcome: 'ok',
      latencyMs: 3,
      detail: { scopes: ['notes:read'], nested: { a: 1, ok: true, nothing: null }, emoji: '😀' },
    };
    expect(sanitizeAuditEvent(event)).toEqual(event);
  });

  it('replaces NUL and lone surrogates, which Postgres refuses in text and jsonb, and keeps pairs', () => {
    const clean = sanitizeAuditEvent({
      occurredAt: new Date(),
      kind: 'admin',
      target: 'a\u0000b\uD800c\uDC00d😀',
      outcome: 'denied',
      detail: { params: { clientId: '\u0000' } },
    });
    expect(clean.target).toBe('a\uFFFDb\uFFFDc\uFFFDd😀');
    expect(clean.detail).toEqual({ params: { clientId: '\uFFFD' } });
  });

  it('caps lengths without splitting a surrogate pair into a lone half', () => {
    const target = `${'x'.repeat(AUDIT_LIMITS.target - 2)}😀😀`;
    const clean = cleanString(target, AUDIT_LIMITS.target);
    expect(clean.length).toBeLessThanOrEqual(AUDIT_LIMITS.target);
    expect(clean).toMatch(/…$/);
    expect(UNWRITABLE.test(clean)).toBe(false);
  });

  it('moves a userId that is not a uuid into the detail (the column is uuid)', () => {
    const clean = sanitizeAuditEvent({ occurredAt: new Date(), kind: 'tool', target: 't', outcome: 'ok', userId: 'not-a-uuid' });
    expect(clean.userId).toBeUndefined();
    expect(clean.detail).toEqual({ invalidUserId: 'not-a-uuid' });
  });

  it('turns a non-finite latency into none and an invalid or out-of-range date into now (int4 and timestamptz columns)', () => {
    const before = Date.now();
    const clean = sanitizeAuditEvent({ occurredAt: new Date(NaN), kind: 'tool', target: 't', outcome: 'ok', latencyMs: Number.POSITIVE_INFINITY });
    expect(clean.latencyMs).toBeUndefined();
    expect(clean.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(clean.detail).toEqual({ invalidOccurredAt: 'Invalid Date' });
    const bc = sanitizeAuditEvent({ occurredAt: new Date('-004713-11-23T23:59:59.999Z'), kind: 'tool', target: 't', outcome: 'ok' });
    expect(bc.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(sanitizeAuditEvent({ occurredAt: new Date(), kind: 'tool', target: 't', outcome: 'ok', latencyMs: 1e12 }).latencyMs).toBe(2_147_483_647);
  });

  it('keeps an oversized detail as cut JSON text that still fits once escaped', () => {
    const detail = { quotes: '"\\\u0001'.repeat(900), more: 'x'.repeat(900) };
    const clean = sanitizeAuditEvent({ occurredAt: new Date(), kind: 'tool', target: 't', outcome: 'ok', detail });
    expect(clean.detail).toMatchObject({ truncated: true, json: expect.stringMatching(/^\{"quotes":"\\"/) });
    expect(JSON.stringify(clean.detail).length).toBeLessThanOrEqual(AUDIT_LIMITS.detailJson);
  });

  it('survives a circular, deep or throwing detail', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) deep = { deep };
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter failed');
      },
    });
    for (const detail of [circular, deep, throwing]) {
      const clean = sanitizeAuditEvent({ occurredAt: new Date(), kind: 'tool', target: 't', outcome: 'ok', detail });
      expect(JSON.stringify(clean.detail).length).toBeLessThanOrEqual(AUDIT_LIMITS.detailJson);
    }
  });

  it('cleans and caps string fields that features add to the event', () => {
    const event = { occurredAt: new Date(), kind: 'tool', target: 't', outcome: 'ok', apiKeyId: `k\u0000${'y'.repeat(1000)}` } as AuditEvent;
    const clean = sanitizeAuditEvent(event) as AuditEvent & { apiKeyId: string };
    expect(clean.apiKeyId.startsWith('k\uFFFDy')).toBe(true);
    expect(clean.apiKeyId.length).toBeLessThanOrEqual(AUDIT_LIMITS.other);
  });

  it('property: for any event, every string is writable and within its cap, and detail JSON fits', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        const clean = sanitizeAuditEvent(event);
        for (const s of strings(clean)) expect(UNWRITABLE.test(s)).toBe(false);
        expect(clean.target.length).toBeLessThanOrEqual(AUDIT_LIMITS.target);
        expect((clean.clientId ?? '').length).toBeLessThanOrEqual(AUDIT_LIMITS.clientId);
        expect((clean.requestId ?? '').length).toBeLessThanOrEqual(AUDIT_LIMITS.requestId);
        if (clean.userId !== undefined) expect(clean.userId).toMatch(/^[0-9a-f-]{36}$/i);
        if (clean.latencyMs !== undefined) expect(Number.isInteger(clean.latencyMs)).toBe(true);
        expect(clean.occurredAt.getUTCFullYear()).toBeGreaterThanOrEqual(1970);
        expect(clean.occurredAt.getUTCFullYear()).toBeLessThanOrEqual(9999);
        const json = JSON.stringify(clean.detail ?? {});
        expect(json.length).toBeLessThanOrEqual(AUDIT_LIMITS.detailJson);
        expect(json).not.toContain('\\u0000');
        expect(json).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i); // JSON.stringify escapes only lone surrogates
      }),
      // No shrinking: these inputs are large, and shrinking them takes minutes; the first failure is shown.
      { numRuns: 150, endOnFailure: true },
    );
  });
});
