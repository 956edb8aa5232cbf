/**
 * Issue 7, "Fuzzing in CI": a seeded hostile-load test against the built server.
 *   npm run test:load -- [--seconds 60] [--seed N] [--hostile 2]
 *
 * Spawns dist/src/main.js (embedded database in a temporary DATA_DIR), then for `--seconds`:
 *   - 4 valid users, 2 on MCP 2026-07-28 and 2 on 2025-11-25, each creating, reading, listing,
 *     searching and deleting their notes and checking every result;
 *   - hostile workers: generated fuzz cases of every target (test/fuzz), 5 MB bodies, batches,
 *     floods of unknown tool names, cancellations of the valid users' request ids, slow-loris bodies.
 * Valid users are not rate-limited by hostile ones: /mcp limits by verified user × client
 * (rateLimitKey.caller), and each valid user has its own login and client id, which no hostile
 * worker uses; the per-IP limit covers only the sign-in and OAuth endpoints, which valid users do
 * not call. Each valid user paces itself under its own per-minute limit (RATE_LIMIT_MCP_PER_MINUTE).
 *
 * Passes when the server stays up, every valid request succeeds, no answer is a 5xx, the server logs
 * no unhandled rejection, and its RSS at the end (lowest in the 15 s after the load) is within 50 MB of its RSS after warm-up.
 * Prints requests, failures, RSS before/after and the seed.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import fc from 'fast-check';
import { materialize } from '../fuzz/invariants.js';
import { TARGETS, type FuzzCase, type FuzzValues } from '../fuzz/targets.js';
import { freePort } from '../helpers/free-port.js';
import { startFlags } from '../../bench/start-flags.js';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' }, hostile: { type: 'string', default: '2' } },
});
const SECONDS = Number(args.seconds);
const SEED = args.seed !== undefined ? Number(args.seed) : Date.now() % 2 ** 31;
const HOSTILE = Number(args.hostile);
const WARM_UP_MS = 8_000;
const RSS_BUDGET_MB = 50;
/** How long the server may take, once the load has stopped, to give back what the load held. */
const SETTLE_MS = 15_000;
const DEADLINE_MS = 20_000;
const MODERN = '2026-07-28';
if (!Number.isFinite(SECONDS) || SECONDS < 1 || !Number.isInteger(SEED)) {
  console.error('usage: npm run test:load -- [--seconds N] [--seed N] [--hostile N]');
  process.exit(2);
}

interface Reply {
  status: number;
  text: string;
  json: any;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let base = '';
const stats = { valid: 0, validFailures: [] as string[], hostile: 0, hostileStatuses: new Map<number, number>(), serverErrors: [] as string[] };

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string, deadlineMs = DEADLINE_MS): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port: url.port, method, path, headers: { host: url.host, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => (req.destroy(), reject(new Error(`no answer within ${deadlineMs} ms`))), deadlineMs);
    req.on('error', (e) => (clearTimeout(timer), reject(e)));
    req.end(body);
  });
}

function countHostile(status: number): void {
  stats.hostile++;
  stats.hostileStatuses.set(status, (stats.hostileStatuses.get(status) ?? 0) + 1);
}

// ------------------------------------------------------------------------------------------ server

async function startServer(): Promise<{ child: ChildProcess; env: Record<string, string>; log: () => string; dataDir: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-load-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: join(dataDir, 'data'),
    LOG_LEVEL: 'warn',
    ADMIN_GITHUB_LOGINS: 'load-admin',
  };
  const child = spawn(process.execPath, [...startFlags(process.cwd()), join(process.cwd(), 'dist/src/main.js')], {
    env,
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${out}`);
    const ready = await send('GET', '/readyz', {}, undefined, 2000).catch(() => undefined);
    if (ready?.status === 200) break;
    if (Date.now() > until) throw new Error(`the server was not ready within 180 s:\n${out}`);
    await sleep(250);
  }
  return { child, env, log: () => out, dataDir };
}

async function mintToken(env: Record<string, string>, user: string, client: string, scope = 'notes:read notes:write'): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['dist/src/cli/token.js', '--user', user, '--client', client, '--scope', scope, '--ttl', '3600'],
    { env },
  );
  return stdout.trim();
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------- valid users

interface Session {
  login: string;
  era: 'modern' | 'legacy';
  token: string;
  nextId: number;
}

/** One MCP request as a conforming client of `era` sends it; returns the JSON-RPC result or throws. */
async function call(s: Session, method: string, params: Record<string, unknown>): Promise<any> {
  const id = s.nextId++;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${s.token}`,
  };
  let body: Record<string, unknown>;
  if (s.era === 'modern') {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: s.login, version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    body = { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } };
    Object.assign(headers, { 'mcp-protocol-version': MODERN, 'mcp-method': method }, method === 'tools/call' ? { 'mcp-name': String(params.name) } : {});
  } else {
    body = { jsonrpc: '2.0', id, method, params };
    headers['mcp-protocol-version'] = '2025-11-25';
  }
  stats.valid++;
  const res = await send('POST', '/mcp', headers, JSON.stringify(body));
  if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  // A JSON answer, or an event stream whose last message is the answer.
  const last = res.json === undefined ? /(?:^|\n)data: (.*)\n\n(?![^]*\ndata: )/.exec(res.text)?.[1] : undefined;
  const msg = (last ? JSON.parse(last) : res.json) as { id?: unknown; result?: any; error?: { code: number; message: string } } | undefined;
  if (!msg || msg.id !== id) throw new Error(`${method}: not the answer to id ${id}: ${res.text.slice(0, 300)}`);
  if (msg.error) throw new Error(`${method}: JSON-RPC error ${msg.error.code} ${msg.error.message}`);
  if (msg.result?.isError) throw new Error(`${method}: tool error ${JSON.stringify(msg.result.content).slice(0, 300)}`);
  return msg.result;
}

/** A valid user's loop: create, get, list, search, delete, each result checked; about `perMinute` requests a minute. */
async function validUser(s: Session, until: number, perMinute: number, rng: () => number): Promise<void> {
  const pause = 60_000 / perMinute;
  let n = 0;
  const step = async (what: () => Promise<void>) => {
    const started = Date.now();
    try {
      await what();
    } catch (e) {
      stats.validFailures.push(`${s.login} (${s.era}): ${(e as Error).message}`);
    }
    await sleep(Math.max(0, pause - (Date.now() - started)));
  };
  while (Date.now() < until) {
    const title = `${s.login} note ${++n} ${Math.floor(rng() * 1e9)}`;
    let id = '';
    await step(async () => {
      const r = await call(s, 'tools/call', { name: 'notes.create', arguments: { title, body: `body of ${title}` } });
      id = r.structuredContent?.note?.id;
      if (r.structuredContent?.note?.title !== title) throw new Error(`notes.create returned ${JSON.stringify(r).slice(0, 200)}`);
    });
    if (!id) continue;
    await step(async () => {
      const r = await call(s, 'tools/call', { name: 'notes.get', arguments: { id } });
      if (r.structuredContent?.note?.body !== `body of ${title}`) throw new Error(`notes.get returned ${JSON.stringify(r).slice(0, 200)}`);
    });
    await step(async () => {
      const r = await call(s, 'tools/call', { name: 'notes.list', arguments: { limit: 5 } });
      const notes = (r.structuredContent?.notes ?? []) as Array<{ id: string; title: string }>;
      if (!notes.some((x) => x.id === id)) throw new Error(`notes.list misses ${id}`);
      if (notes.some((x) => !x.title.startsWith(`${s.login} `))) throw new Error(`notes.list shows another user's note`);
    });
    if (n % 3 === 0) {
      await step(async () => {
        const r = await call(s, 'tools/call', { name: 'notes.search', arguments: { query: 'note', limit: 5 } });
        if (!Array.isArray(r.structuredContent?.results)) throw new Error(`notes.search returned ${JSON.stringify(r).slice(0, 200)}`);
      });
    }
    if (n % 2 === 0) {
      await step(async () => {
        const r = await call(s, 'tools/call', { name: 'notes.delete', arguments: { id } });
        if (r.structuredContent?.deleted !== true) throw new Error(`notes.delete returned ${JSON.stringify(r).slice(0, 200)}`);
      });
    }
  }
}

// ---------------------------------------------------------------------------------- hostile workers

const rpcHeaders = (token: string, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${token}`,
  ...extra,
});

async function hostile(kind: string, until: number, token: string, values: FuzzValues, seed: number): Promise<void> {
  const cases: FuzzCase[] = [];
  if (kind === 'fuzz') {
    for (const [i, arb] of Object.values(TARGETS).entries()) cases.push(...fc.sample(arb, { seed: seed + i, numRuns: 300 }));
  }
  let i = 0;
  while (Date.now() < until) {
    i++;
    try {
      let res: Reply;
      switch (kind) {
        case 'fuzz': {
          const c = cases[(i * 7919) % cases.length];
          const m = materialize(c, values);
          const headers: Record<string, string> = { ...m.headers, ...(m.body ? { 'content-length': String(m.body.length) } : {}) };
          if (c.mayStream) headers.accept = 'application/json'; // a listen stream would stay open: ask for JSON
          res = await send(c.method, m.path, headers, m.body, 10_000).catch((e: Error) => ({ status: 0, text: e.message, json: undefined }));
          break;
        }
        case 'huge':
          res = await send('POST', '/mcp', rpcHeaders(token), Buffer.alloc(5 * 1024 * 1024, 'a'));
          break;
        case 'batch':
          res = await send(
            'POST',
            '/mcp',
            rpcHeaders(token),
            JSON.stringify(
              Array.from({ length: 10 + (i % 2) }, (_, k) => ({
                jsonrpc: '2.0',
                id: k,
                method: 'tools/call',
                params: { name: 'notes.list', arguments: { limit: 50 } },
              })),
            ),
          );
          break;
        case 'unknown-tools':
          res = await send(
            'POST',
            '/mcp',
            rpcHeaders(token, { 'mcp-protocol-version': '2025-11-25' }),
            JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: `no.such.tool.${i}.${'x'.repeat(i % 200)}`, arguments: {} } }),
          );
          break;
        case 'cancel':
          // Ids the valid users send (they count from 1): a cancellation must only reach the sender's own requests.
          res = await send(
            'POST',
            '/mcp',
            rpcHeaders(token, { 'mcp-protocol-version': '2025-11-25' }),
            JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: i % 400, reason: 'hostile' } }),
          );
          break;
        case 'slowloris':
          res = await slowLoris();
          break;
        default:
          throw new Error(kind);
      }
      countHostile(res.status);
      if (res.status >= 500) stats.serverErrors.push(`${kind}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    } catch (e) {
      // A refused or reset connection is a fair answer to hostile input; a server that is gone is caught by the liveness check.
      countHostile(0);
    }
  }
}

/** Headers, then a body of 2,000 declared bytes sent 10 bytes a second: the server must time it out or wait, not fall over. */
function slowLoris(): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), '127.0.0.1');
    let answer = '';
    const drip = setInterval(() => socket.write('aaaaaaaaaa'), 1000);
    const done = (status: number) => {
      clearInterval(drip);
      socket.destroy();
      resolve({ status, text: answer.slice(0, 200), json: undefined });
    };
    socket.on('connect', () => socket.write(`POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n`));
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('close', () => done(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', () => done(0));
    setTimeout(() => done(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)), 30_000);
  });
}

// -------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  console.log(
    `hostile load: seed ${SEED}, ${SECONDS} s, 4 valid users, ${HOSTILE} hostile workers of each kind (replay: npm run test:load -- --seconds ${SECONDS} --seed ${SEED})`,
  );
  const server = await startServer();
  const pid = server.child.pid!;
  try {
    const rng = (() => {
      let x = SEED || 1;
      return () => (x = (x * 48271) % 2147483647) / 2147483647;
    })();
    const [m1, m2, l1, l2, hostileToken, admin] = await Promise.all([
      mintToken(server.env, 'load-modern-1', 'load-client-m1'),
      mintToken(server.env, 'load-modern-2', 'load-client-m2'),
      mintToken(server.env, 'load-legacy-1', 'load-client-l1'),
      mintToken(server.env, 'load-legacy-2', 'load-client-l2'),
      mintToken(server.env, 'load-hostile', 'load-hostile-client'),
      mintToken(server.env, 'load-admin', 'load-admin-client', 'admin notes:read notes:write'),
    ]);
    const sessions: Session[] = [
      { login: 'load-modern-1', era: 'modern', token: m1, nextId: 1 },
      { login: 'load-modern-2', era: 'modern', token: m2, nextId: 1 },
      { login: 'load-legacy-1', era: 'legacy', token: l1, nextId: 1 },
      { login: 'load-legacy-2', era: 'legacy', token: l2, nextId: 1 },
    ];
    const values: FuzzValues = {
      ZZUSERTOKENZZ: hostileToken,
      ZZADMINTOKENZZ: admin,
      ZZVICTIMTOKENZZ: hostileToken,
      ZZREFRESHZZ: 'no-refresh-token',
      ZZCLIENTIDZZ: 'load-hostile-client',
      ZZCLIENTSECRETZZ: 'nope',
      ZZBASICZZ: Buffer.from('load-hostile-client:nope').toString('base64'),
      ZZPUBLICCLIENTZZ: 'load-hostile-client',
      ZZREDIRECTZZ: 'http://127.0.0.1:9/cb',
      ZZUSERIDZZ: '00000000-0000-0000-0000-000000000000',
    };
    const rssStart = rssMb(pid);
    const warmEnd = Date.now() + WARM_UP_MS;
    const end = warmEnd + SECONDS * 1000;
    // Valid users: 300 requests a minute each, half of the default per-caller limit of 600.
    const valid = sessions.map((s) => validUser(s, end, 300, rng));
    const kinds = ['fuzz', 'fuzz', 'huge', 'batch', 'unknown-tools', 'cancel', 'slowloris', 'slowloris'];
    const workers: Promise<void>[] = [];
    for (let w = 0; w < HOSTILE; w++) for (const [k, kind] of kinds.entries()) workers.push(hostile(kind, end, hostileToken, values, SEED + w * 100 + k * 10));
    await sleep(WARM_UP_MS);
    const rssBefore = rssMb(pid);
    let rssPeak = rssBefore;
    let down = '';
    const sampler = setInterval(() => {
      if (server.child.exitCode !== null) down = `the server exited with ${server.child.exitCode}`;
      else rssPeak = Math.max(rssPeak, rssMb(pid));
    }, 1000);
    await Promise.all([...valid, ...workers]);
    clearInterval(sampler);
    await sleep(2000);
    const alive = server.child.exitCode === null && (await send('GET', '/healthz', {}, undefined, 5000).catch(() => ({ status: 0 }))).status === 200;
    // Memory the load was still holding (a 5 MB body being drained, a slow client's socket, garbage
    // not yet collected) goes within seconds; what is retained does not. So "after" is the lowest RSS
    // seen in up to SETTLE_MS once the load has stopped, read every second until within budget.
    let rssAfter = alive ? rssMb(pid) : NaN;
    let settledMs = 0;
    while (alive && rssAfter - rssBefore > RSS_BUDGET_MB && settledMs < SETTLE_MS && server.child.exitCode === null) {
      await sleep(1000);
      settledMs += 1000;
      rssAfter = Math.min(rssAfter, rssMb(pid));
    }
    const unhandled = server
      .log()
      .split('\n')
      .filter((l) => l.includes('Unhandled promise rejection') || l.includes('Unhandled error'));

    const statuses = [...stats.hostileStatuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s || 'closed'}×${n}`)
      .join(' ');
    console.log(`requests: ${stats.valid + stats.hostile} (valid ${stats.valid}, hostile ${stats.hostile}: ${statuses})`);
    console.log(
      `failures: ${stats.validFailures.length} valid request(s) failed, ${stats.serverErrors.length} 5xx, ${unhandled.length} unhandled error(s) logged`,
    );
    console.log(
      `RSS: ${rssStart.toFixed(1)} MB at start, ${rssBefore.toFixed(1)} MB after ${WARM_UP_MS / 1000} s warm-up (before), ${rssAfter.toFixed(1)} MB after${settledMs ? ` (lowest in the ${settledMs / 1000} s after the load)` : ''} (peak ${rssPeak.toFixed(1)} MB; budget +${RSS_BUDGET_MB} MB)`,
    );
    console.log(`seed: ${SEED}`);
    const problems = [
      ...(down || !alive ? [`the server is down: ${down || '/healthz did not answer 200'}`] : []),
      ...stats.validFailures.slice(0, 10).map((f) => `valid request failed: ${f}`),
      ...stats.serverErrors.slice(0, 10),
      ...unhandled.slice(0, 5),
      ...(rssAfter - rssBefore > RSS_BUDGET_MB ? [`RSS grew by ${(rssAfter - rssBefore).toFixed(1)} MB (budget ${RSS_BUDGET_MB} MB)`] : []),
    ];
    if (problems.length) {
      console.log(`FAILED:\n  ${problems.join('\n  ')}\n--- server output (last 3,000 characters) ---\n${server.log().slice(-3000)}`);
      return 1;
    }
    console.log('PASSED');
    return 0;
  } finally {
    agent.destroy();
    server.child.kill('SIGTERM');
    await new Promise((r) => (server.child.exitCode !== null ? r(undefined) : server.child.once('exit', r)));
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
