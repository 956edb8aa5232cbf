import { it as nodeIt } from 'node:test';
import fc from 'fast-check';
import { toolCall } from './factories/json-rpc.factory.js';
import { credentials, registerServiceClient } from './factories/oauth-client.factory.js';
import { describeCase, keepAliveAgent, RejectionWatch, send, violations, type FuzzResult } from './fuzz/invariants.js';
import { TARGETS, type FuzzCase, type FuzzValues } from './fuzz/targets.js';
import { LogSink } from './helpers/log-sink.js';
import { basicHeader } from './helpers/oauth-http.js';
import { signInForTokens } from './helpers/oauth-flow.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

/**
 * Issue 7, "Fuzzing in CI": property-based fuzzing (fast-check) of every input surface, with the
 * invariants checked on every case: no 5xx, no unhandled rejection, no -32603 / "Internal error"
 * result, no stack trace in a body, an answer within the deadline (no hang), the process up and the
 * audit log still taking events after each target.
 *
 *   FUZZ_RUNS         cases per target (default 2000)
 *   FUZZ_SEED         the run's seed (printed; target i uses FUZZ_SEED + i), to replay a failure
 *   FUZZ_TARGETS      comma-separated target names (default: all)
 *   FUZZ_CONCURRENCY  cases in flight at once (default 4)
 *   FUZZ_DEADLINE_MS  time for a whole answer (default 15000)
 *   FUZZ_SHRINK=1     shrink a failure to a minimal case (slow when the failure is a hang)
 *   FUZZ_TRACE=1      print every answer's status and start
 * `npm run fuzz -- --runs N [--seed S] [--targets a,b]` sets these.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() % 2 ** 31) ^ Math.floor(Math.random() * 2 ** 20);
const CONCURRENCY = Math.max(1, Number(process.env.FUZZ_CONCURRENCY ?? 4));
const DEADLINE_MS = Number(process.env.FUZZ_DEADLINE_MS ?? 15_000);
const ONLY = process.env.FUZZ_TARGETS ? process.env.FUZZ_TARGETS.split(',') : undefined;
const SHRINK = process.env.FUZZ_SHRINK === '1';
/** FUZZ_TRACE=1 prints each answer's status and first 200 characters (to see how deep the cases reach). */
const TRACE = process.env.FUZZ_TRACE === '1' || process.env.FUZZ_TRACE === '2';
const TRACE_CASES = process.env.FUZZ_TRACE === '2';
/** Per target: 2,000 cases take well under a minute; allow for a loaded machine. */
const TARGET_TIMEOUT_MS = Number(process.env.FUZZ_TARGET_TIMEOUT_MS ?? Math.max(300_000, RUNS * 150));
const ADMIN = 'fuzz-admin';

console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} per target, ${CONCURRENCY} at a time (replay: npm run fuzz -- --seed ${SEED} --runs ${RUNS})`);

describe('fuzzing every input surface (issue 7, "Fuzzing in CI")', () => {
  let t: TestApp;
  let values: FuzzValues;
  const sink = new LogSink();
  const watch = new RejectionWatch();
  const agent = keepAliveAgent(CONCURRENCY);

  beforeAll(async () => {
    watch.start();
    t = await startTestApp({ ADMIN_GITHUB_LOGINS: ADMIN, LOG_LEVEL: 'error' }, { logStream: sink });
    const login = uniqueLogin('fuzz');
    const service = await registerServiceClient(t);
    const { auth, tokens } = await signInForTokens(t);
    values = {
      ZZUSERTOKENZZ: await t.token(login, ['notes:read', 'notes:write'], { ttlSeconds: 3600 }),
      ZZADMINTOKENZZ: await t.token(ADMIN, ['admin', 'notes:read', 'notes:write'], { ttlSeconds: 3600 }),
      ZZVICTIMTOKENZZ: await t.token(uniqueLogin('fuzz-victim'), ['notes:read'], { ttlSeconds: 3600 }),
      ZZREFRESHZZ: tokens.refresh_token ?? 'no-refresh-token',
      ZZCLIENTIDZZ: service.client_id,
      ZZCLIENTSECRETZZ: service.client_secret ?? '',
      ZZBASICZZ: basicHeader(credentials(service)).replace(/^Basic /, ''),
      ZZPUBLICCLIENTZZ: auth.client.client_id,
      ZZREDIRECTZZ: auth.redirectUri,
      ZZUSERIDZZ: await t.userId(login),
    };
  });
  afterAll(async () => {
    agent.destroy();
    await t?.close();
    watch.stop();
  });

  /** A valid tools/call is answered and lands in the audit log (read back through /admin/audit). */
  async function auditStillWorks(): Promise<void> {
    const login = uniqueLogin('fuzz-audit');
    const token = await t.token(login);
    const call = await t.rpc(toolCall('notes.create', { title: 'after fuzzing' }), { authorization: `Bearer ${token}` });
    expect(call.status).toBe(200);
    expect(call.body.result?.isError).toBeFalsy();
    const userId = await t.userId(login);
    const audit = await pollUntil(
      () =>
        fetch(`${t.baseUrl}/admin/audit?userId=${userId}&target=notes.create`, { headers: { authorization: `Bearer ${values.ZZADMINTOKENZZ}` } }).then(
          (r) => r.json() as Promise<{ events?: unknown[] }>,
        ),
      (body: { events?: unknown[] }) => (body.events?.length ?? 0) > 0,
      5000,
    );
    expect(audit.events).toEqual([expect.objectContaining({ kind: 'tool', target: 'notes.create', outcome: 'ok', userId })]);
  }

  const targets = Object.entries(TARGETS).filter(([name]) => !ONLY || ONLY.includes(name));
  for (const [name, arbitrary] of targets) {
    void nodeIt(`${name}: ${RUNS} generated cases keep every invariant`, { timeout: TARGET_TIMEOUT_MS }, async (ctx) => {
      const seed = SEED + Object.keys(TARGETS).indexOf(name);
      const started = Date.now();
      const statuses = new Map<number, number>();
      let cases = 0;
      let slowest = 0;
      const logLinesBefore = sink.lines.length;
      const property = fc.asyncProperty(fc.tuple(...Array.from({ length: CONCURRENCY }, () => arbitrary)), async (batch: FuzzCase[]) => {
        const rejectionsBefore = watch.reasons.length;
        const outcomes = await Promise.all(
          batch.map((c) =>
            send(t.baseUrl, c, values, DEADLINE_MS, agent).then(
              (r): { c: FuzzCase; r?: FuzzResult; error?: string } => ({ c, r }),
              (e: unknown): { c: FuzzCase; r?: FuzzResult; error?: string } => ({
                c,
                error: e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e),
              }),
            ),
          ),
        );
        const problems: string[] = [];
        for (const { c, r, error } of outcomes) {
          cases++;
          if (error || !r) {
            problems.push(`${error}: ${describeCase(c)}`);
            continue;
          }
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (TRACE) console.log(`${r.status} ${r.text.slice(0, 200).replace(/\s+/g, ' ')}${TRACE_CASES ? ` <= ${describeCase(c)}` : ''}`);
          slowest = Math.max(slowest, r.ms);
          for (const v of violations(r)) problems.push(`${v}: ${describeCase(c, r)}`);
        }
        if (watch.reasons.length > rejectionsBefore) problems.push(`unhandled rejection: ${watch.reasons.slice(rejectionsBefore).join('\n')}`);
        if (problems.length) throw new Error(problems.join('\n\n'));
      });
      let details: fc.RunDetails<[FuzzCase[]]>;
      try {
        details = await fc.check(property, { seed, numRuns: Math.ceil(RUNS / CONCURRENCY), endOnFailure: !SHRINK });
      } finally {
        const histogram = [...statuses.entries()]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ');
        const report = `fuzz ${name}: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${seed}, slowest answer ${slowest} ms): ${histogram}`;
        console.log(report);
        ctx.diagnostic(report);
      }
      // The failing case(s) as the invariants describe them (fast-check's own print of 10 KB strings is unreadable).
      if (details.failed) {
        const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        const logged = sink.lines.slice(logLinesBefore).filter((l) => /"level":(50|60)/.test(l));
        throw new Error(
          `${name}: an invariant broke (replay: FUZZ_SEED=${SEED} FUZZ_TARGETS=${name}; fast-check seed ${seed}, path ${details.counterexamplePath})\n${cause}` +
            (logged.length ? `\nThe server logged:\n${logged.slice(0, 5).join('\n').slice(0, 4000)}` : ''),
        );
      }
      // Rejections that surfaced after their response, and errors the server logged.
      await new Promise((r) => setTimeout(r, 200));
      expect(watch.reasons).toEqual([]);
      const errors = sink.lines.slice(logLinesBefore).filter((l) => /"level":(50|60)/.test(l));
      expect(errors).toEqual([]);
      // The process is up and the audit log still takes events.
      expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
      await auditStillWorks();
    });
  }
});
