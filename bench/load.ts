/** One measured window of load on one server (autocannon), and the merge of several windows. */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { engineCpuDelta, engineCpuSnapshot, type Database } from './database.js';
import { incorrectness, type Expectation } from './correctness.js';
import { CLK_TCK, hostCpu, processCpuMs } from './measure.js';
import { CONNECTIONS } from './settings.js';
import type { ServerUnderTest } from './servers.js';

export interface RunStats {
  durationS: number;
  responses: number;
  correct: number;
  incorrect: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  reasons: Map<string, number>;
  samples: string[];
  latencies: Float64Array;
  serverCpuMs?: number;
  engineCpuMs?: number;
  loadgenCpuMs: number;
  hostBusyPct?: number;
  /** CPU of everything else on the host during the window (other processes), % of one core. */
  otherPct?: number;
  /** Monotonic µs, for cutting CPU profiles to the measured windows. */
  windowsUs: [number, number][];
}

export async function drive(s: ServerUnderTest, x: Expectation, durationS: number, db: Database | undefined): Promise<RunStats> {
  let seq = 0;
  const reasons = new Map<string, number>();
  const samples: string[] = [];
  let correct = 0;
  let incorrect = 0;
  let non2xx = 0;
  let latencies = new Float64Array(65_536);
  let n = 0;
  const cpu0 = processCpuMs(s.child.pid);
  const engine0 = db ? engineCpuSnapshot(db) : undefined;
  const host0 = hostCpu();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const w0 = Number(process.hrtime.bigint() / 1000n);
  const ac = await autocannon({
    url: `${s.baseUrl}/mcp`,
    connections: CONNECTIONS,
    duration: durationS,
    pipelining: 1,
    timeout: 10,
    method: 'POST',
    headers: s.request.headers,
    setupClient: (client) => {
      client.on('response', (_status: number, _bytes: number, ms: number) => {
        if (n === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[n++] = ms;
      });
    },
    requests: [
      {
        method: 'POST',
        path: '/mcp',
        setupRequest: (req, context) => {
          const id = ++seq;
          const user = id % s.tokens.length;
          context.id = id;
          context.user = user;
          req.headers.authorization = `Bearer ${s.tokens[user]}`;
          req.body = s.request.body(id);
          return req;
        },
        onResponse: (status, body, context) => {
          const reason = incorrectness(status, body, context.id as number, context.user as number, s.shape, x);
          if (reason === undefined) {
            correct++;
            return;
          }
          if (status === 200) incorrect++;
          else non2xx++;
          const kind = reason.replace(/ \(.*?\)/, '');
          reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
          if (samples.length < 3) samples.push(`${reason} ← ${body.slice(0, 200)}`);
        },
      },
    ],
  });
  const wallS = (performance.now() - t0) / 1000;
  const w1 = Number(process.hrtime.bigint() / 1000n);
  const cpu1 = processCpuMs(s.child.pid);
  const engine1 = db ? engineCpuSnapshot(db) : undefined;
  const host1 = hostCpu();
  const self = process.cpuUsage(self0);
  const sorted = latencies.slice(0, n).sort();
  return {
    durationS: wallS,
    responses: n,
    correct,
    incorrect,
    non2xx,
    errors: ac.errors,
    timeouts: ac.timeouts,
    reasons,
    samples,
    latencies: sorted,
    serverCpuMs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
    engineCpuMs: engineCpuDelta(engine0, engine1),
    loadgenCpuMs: (self.user + self.system) / 1000,
    hostBusyPct: host0 && host1 ? (100 * (host1.busy - host0.busy)) / Math.max(1, host1.total - host0.total) : undefined,
    otherPct:
      host0 && host1 && cpu0 !== undefined && cpu1 !== undefined
        ? Math.max(
            0,
            (100 *
              (((host1.processes - host0.processes) * 1000) / CLK_TCK -
                (cpu1 - cpu0) -
                (engineCpuDelta(engine0, engine1) ?? 0) -
                (self.user + self.system) / 1000)) /
              (wallS * 1000),
          )
        : undefined,
    windowsUs: [[w0, w1]],
  };
}

/** Two measured windows of the same server as one: counts and CPU add up, latencies pool. */
export function mergeStats(a: RunStats, b: RunStats): RunStats {
  const add = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? undefined : x + y);
  const weighted = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? undefined : (x * a.durationS + y * b.durationS) / (a.durationS + b.durationS);
  const latencies = new Float64Array(a.latencies.length + b.latencies.length);
  latencies.set(a.latencies);
  latencies.set(b.latencies, a.latencies.length);
  const reasons = new Map(a.reasons);
  for (const [k, v] of b.reasons) reasons.set(k, (reasons.get(k) ?? 0) + v);
  return {
    durationS: a.durationS + b.durationS,
    responses: a.responses + b.responses,
    correct: a.correct + b.correct,
    incorrect: a.incorrect + b.incorrect,
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    reasons,
    samples: [...a.samples, ...b.samples].slice(0, 3),
    latencies: latencies.sort(),
    serverCpuMs: add(a.serverCpuMs, b.serverCpuMs),
    engineCpuMs: add(a.engineCpuMs, b.engineCpuMs),
    loadgenCpuMs: a.loadgenCpuMs + b.loadgenCpuMs,
    hostBusyPct: weighted(a.hostBusyPct, b.hostBusyPct),
    otherPct: weighted(a.otherPct, b.otherPct),
    windowsUs: [...a.windowsUs, ...b.windowsUs],
  };
}
