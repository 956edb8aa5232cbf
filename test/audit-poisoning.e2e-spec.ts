import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { AuditEvent } from '../src/audit/audit-event.js';
import { sanitizeAuditEvent } from '../src/audit/audit-sanitizer.js';
import { AuditRepository } from '../src/audit/audit.repository.js';
import { toolCall } from './factories/json-rpc.factory.js';
import { withDb } from './helpers/db.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

/** The audit rows of the given request ids (targets and the detail as text). */
function auditRows(requestIds: string[]): Promise<Array<{ request_id: string; target: string; outcome: string; detail: string | null }>> {
  return withDb(async (db) => {
    const { rows } = await db.query(`SELECT request_id, target, outcome, detail::text AS detail FROM audit_events WHERE request_id = ANY($1) ORDER BY id`, [
      requestIds,
    ]);
    return rows;
  });
}

const hasAll = (ids: string[]) => (rows: Array<{ request_id: string }>) => ids.every((id) => rows.some((r) => r.request_id === id));

describe('audit poisoning (issue 7 item 1): one bad request never stops the audit log', () => {
  let t: TestApp;
  const tag = randomUUID().slice(0, 8);
  const id = (name: string) => `poison-${tag}-${name}`;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /admin/clients/%00 (anonymous, 401) is audited with the NUL replaced, and later events are written', async () => {
    const poison = await fetch(`${t.baseUrl}/admin/clients/%00`, { headers: { 'x-request-id': id('admin-nul') } });
    expect(poison.status).toBe(401);
    const later = await fetch(`${t.baseUrl}/admin/clients/ordinary-${tag}`, { headers: { 'x-request-id': id('admin-later') } });
    expect(later.status).toBe(401);

    const ids = [id('admin-nul'), id('admin-later')];
    const rows = await pollUntil(() => auditRows(ids), hasAll(ids), 5000);
    expect(rows.map((r) => r.request_id).sort()).toEqual([...ids].sort());
    const nul = rows.find((r) => r.request_id === id('admin-nul'))!;
    expect(nul).toMatchObject({ target: 'clients.get', outcome: 'denied' });
    expect(JSON.parse(nul.detail!)).toMatchObject({ params: { clientId: '\uFFFD' } });
    expect(JSON.parse(rows.find((r) => r.request_id === id('admin-later'))!.detail!)).toMatchObject({ params: { clientId: `ordinary-${tag}` } });
  });

  it('a tools/call whose name contains \\u0000 (and one 10 KB long) is audited, and later calls are too', async () => {
    const token = await t.token(uniqueLogin('poison'));
    const auth = { authorization: `Bearer ${token}` };
    const nul = await t.rpc(toolCall('notes.\u0000list', {}), { ...auth, 'x-request-id': id('tool-nul') });
    expect(nul.status).toBeLessThan(500);
    const long = await t.rpc(toolCall(`x${'\uD800'.repeat(10_000)}`, {}), { ...auth, 'x-request-id': id('tool-long') });
    expect(long.status).toBeLessThan(500);
    const later = await t.rpc(toolCall('notes.list', {}), { ...auth, 'x-request-id': id('tool-later') });
    expect(later.status).toBe(200);
    expect(later.body.result.isError).toBeFalsy();

    const ids = [id('tool-nul'), id('tool-long'), id('tool-later')];
    const rows = await pollUntil(() => auditRows(ids), hasAll(ids), 5000);
    expect(rows.map((r) => r.request_id).sort()).toEqual([...ids].sort());
    for (const row of rows) {
      expect(row.target).not.toContain('\u0000');
      expect(row.target.length).toBeLessThanOrEqual(200);
    }
    expect(rows.find((r) => r.request_id === id('tool-later'))).toMatchObject({ target: 'notes.list', outcome: 'ok' });
  });

  it('property: the database accepts every sanitised event, whatever the input (batches of 20)', async () => {
    const repository = t.app.get(AuditRepository);
    const text = fc.string({
      unit: fc.oneof(fc.constantFrom('\u0000', '\uD800', '\uDC00', '😀', '\\', '"', "'"), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
      maxLength: 600,
    });
    const json = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 8 }),
        fc.dictionary(text, tie('v'), { maxKeys: 8 }),
      ),
    })).v;
    const event = fc.record({
      occurredAt: fc.date({ noInvalidDate: false }),
      requestId: text,
      userId: fc.oneof(fc.uuid(), text),
      clientId: text,
      kind: fc.constantFrom('tool', 'admin', 'auth'),
      target: fc.string({ unit: 'binary', maxLength: 5000 }),
      outcome: fc.constantFrom('ok', 'denied'),
      latencyMs: fc.double(),
      detail: fc.dictionary(text, json, { maxKeys: 10 }),
    }) as fc.Arbitrary<AuditEvent>;
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 20 }), async (events) => {
        await repository.insertMany(events.map((e) => sanitizeAuditEvent({ ...e, requestId: id('property') })));
      }),
      { numRuns: 40 },
    );
    const written = await withDb(async (db) =>
      Number((await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1`, [id('property')])).rows[0].n),
    );
    expect(written).toBeGreaterThanOrEqual(40);
  });
});
