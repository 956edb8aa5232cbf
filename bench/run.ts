/**
 * `npm run bench`: the performance budget of ../shared/DESIGN.md, measured in one run on one machine.
 *
 * 1. A database: a fresh `mcp_bench_<ts>` on DATABASE_URL's server (dropped at the end), or the
 *    project's embedded engine (PGlite) in a temporary folder, in its own process. Migrations once.
 * 2. Seed: BENCH_USERS dev users with BENCH_NOTES_PER_USER notes each (bulk SQL).
 * 3. Three servers, each its own child process, each answering the same authenticated
 *    `tools/call notes.list {limit: 10}` for the token's user with the same SQL:
 *    secure-mcp-server (dist/src/main.js, audit on, tokens minted by its own CLI), the tutorial
 *    baseline (bench/baseline-tutorial.ts) and the bare node:http floor (bench/floor.ts).
 * 4. autocannon, BENCH_CONNECTIONS connections: a self-check and a warm-up per server, then the
 *    measured time split into BENCH_ROUNDS rounds that visit the servers in turn (so that a
 *    disturbance on a shared machine spreads over all three). Only correct responses count: HTTP 200,
 *    a JSON-RPC result with the caller's request id, and exactly the token user's 10 newest notes in order.
 * 5. Report: correct req/s, p50/p99, server CPU per correct request (/proc/<pid>/stat), failures;
 *    ratios against the targets; idle RSS and time-to-ready of the secure server. Exit code 0 unless
 *    the benchmark itself crashes.
 *
 * Env: DATABASE_URL, BENCH_DURATION (measured s per server, 10), BENCH_ROUNDS (2), BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (20),
 * BENCH_USERS (200), BENCH_NOTES_PER_USER (20), BENCH_TOKEN_USERS (20), BENCH_ONLY (e.g. "secure,floor"),
 * BENCH_CPU_PROF=1 (profile the servers with node --cpu-prof and print their top self-time functions;
 * the profiler slows them, so read ratios from a run without it).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { summarizeProfile } from './profile-summary.js';

// ---------------------------------------------------------------------------------------------
// Settings

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(DIST, '..');
const envInt = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min} (got ${JSON.stringify(raw)})`);
  return n;
};
const DURATION_S = envInt('BENCH_DURATION', 10);
const ROUNDS = Math.floor(envInt('BENCH_ROUNDS', 2));
const WARMUP_S = envInt('BENCH_WARMUP', 3, 0);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 20);
const SEED_USERS = envInt('BENCH_USERS', 200);
const NOTES_PER_USER = envInt('BENCH_NOTES_PER_USER', 20);
const TOKEN_USERS = Math.min(envInt('BENCH_TOKEN_USERS', 20), SEED_USERS);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const PAGE = 10;
const MINT_PARALLEL = 4;
const SCOPES = 'notes:read notes:write';
const CLK_TCK = 100; // USER_HZ on Linux; /proc/<pid>/stat counts CPU time in these ticks
const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

type ServerName = 'secure' | 'tutorial' | 'floor';
const ALL_SERVERS: ServerName[] = ['secure', 'tutorial', 'floor'];
const ONLY = process.env.BENCH_ONLY ? (process.env.BENCH_ONLY.split(',').map((s) => s.trim()) as ServerName[]) : ALL_SERVERS;
if (ONLY.length === 0 || ONLY.some((n) => !ALL_SERVERS.includes(n))) throw new Error(`BENCH_ONLY must list some of: ${ALL_SERVERS.join(', ')}`);
const TITLES: Record<ServerName, string> = { secure: 'secure-mcp-server', tutorial: 'tutorial baseline', floor: 'bare floor' };

const TARGETS = { cpuVsFloor: 1.5, rpsVsTutorial: 2.5, p99VsFloor: 2, idleRssMb: 120, readyMs: 2000 };

// ---------------------------------------------------------------------------------------------
// Small helpers

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const step = (line: string): void => out(`[bench] ${line}`);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/** User + system CPU time of a process (all its threads), in ms. */
function processCpuMs(pid: number): number | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** VmRSS / VmHWM of a process, in MB. */
function processMemMb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Jiffies of the whole machine (all cores): busy (everything but idle/iowait), process time
 * (user + nice + system, which processes are charged with) and total.
 */
function hostCpu(): { busy: number; processes: number; total: number } | undefined {
  if (!HAS_PROC) return undefined;
  const [, ...nums] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const v = nums.map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, processes: v[0] + v[1] + v[2], total };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const fmt = (n: number | undefined, digits = 2): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

/** Cleanup actions, run in reverse order, once. */
class Cleanup {
  private readonly actions: { label: string; fn: () => Promise<void> }[] = [];
  private ran = false;

  push(label: string, fn: () => Promise<void>): void {
    this.actions.push({ label, fn });
  }

  async run(): Promise<void> {
    if (this.ran) return;
    this.ran = true;
    for (const { label, fn } of this.actions.reverse()) {
      try {
        await fn();
      } catch (e) {
        out(`[bench] clean-up "${label}" failed: ${(e as Error).message}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * The environment of every child: only what Node needs from ours plus what the benchmark sets, so a
 * developer's shell (REDIS_URL, ALLOWED_ORIGINS, NODE_ENV, ...) cannot change what is measured.
 */
function childEnv(vars: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'NODE_EXTRA_CA_CERTS']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...vars };
}

interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The last lines the child printed, for diagnosis. */
  log: () => string;
  exited: Promise<number | null>;
}

function spawnNode(name: string, script: string, env: Record<string, string>, opts: { ipc?: boolean; profileDir?: string; cwd?: string } = {}): Child {
  const args = [...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []), script];
  const proc = spawn(process.execPath, args, {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])],
  });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  return { name, proc, pid: proc.pid, log: () => lines.join('\n'), exited };
}

/** SIGTERM, then SIGKILL if it does not exit in time. */
async function stopChild(child: Child, timeoutMs = 15_000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), timeoutMs).unref());
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    out(`[bench] ${child.name} did not stop within ${timeoutMs} ms; killing it`);
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

function waitForIpc<T extends { type: string }>(child: Child, type: string, timeoutMs: number): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${child.name} did not report "${type}" within ${timeoutMs} ms\n${child.log()}`)), timeoutMs);
    child.proc.on('message', (m: T) => {
      if (m?.type !== type) return;
      clearTimeout(timer);
      done(m);
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${child.name} exited (code ${code}) before it was ready\n${child.log()}`));
    });
  });
}

/** Polls `url` until it answers 200; resolves with the time of the first 200 (performance.now()). */
async function waitFor200(child: Child, url: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (performance.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it was ready\n${child.log()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms\n${child.log()}`);
}

// ---------------------------------------------------------------------------------------------
// Database

interface Database {
  url: string;
  engine: 'postgres' | 'embedded';
  /** The embedded engine's process, for its CPU. */
  enginePid?: number;
  /** The bench database's name on a real Postgres, to find its backend processes. */
  name?: string;
}

/** CPU ms per process of the database side: the embedded engine, or the Postgres backends serving the bench database. */
function engineCpuSnapshot(db: Database): Map<number, number> | undefined {
  if (!HAS_PROC) return undefined;
  const snapshot = new Map<number, number>();
  if (db.enginePid) {
    const ms = processCpuMs(db.enginePid);
    if (ms !== undefined) snapshot.set(db.enginePid, ms);
    return snapshot;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.startsWith('postgres:') || !cmdline.includes(` ${db.name} `)) continue;
      const ms = processCpuMs(Number(entry));
      if (ms !== undefined) snapshot.set(Number(entry), ms);
    } catch {
      // gone
    }
  }
  return snapshot;
}

function engineCpuDelta(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function openDatabase(cleanup: Cleanup): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `mcp_bench_${Date.now()}_${randomBytes(2).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    cleanup.push(`drop database ${name}`, async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
        step(`dropped database ${name}`);
      } finally {
        await c.end();
      }
    });
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    step(`database: fresh ${name} on ${u.host} (real Postgres)`);
    return { url: u.toString(), engine: 'postgres', name };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-db-'));
  cleanup.push('remove embedded data', async () => rmSync(dataDir, { recursive: true, force: true }));
  const started = performance.now();
  const child = spawnNode('embedded-db', join(DIST, 'bench/embedded-db.js'), childEnv({ DATA_DIR: dataDir }), { ipc: true });
  cleanup.push('stop embedded engine', async () => {
    await stopChild(child);
    step('embedded engine stopped');
  });
  const { url } = await waitForIpc<{ type: string; url: string }>(child, 'listening', 60_000);
  step(`database: embedded PGlite (pid ${child.pid}) at ${url}, data in ${dataDir}, up in ${(performance.now() - started).toFixed(0)} ms`);
  return { url, engine: 'embedded', enginePid: child.pid };
}

async function migrate(url: string): Promise<void> {
  const started = performance.now();
  const ds = new DataSource(dataSourceOptions(url, 1, false));
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    step(`migrations: ${applied.length} applied in ${(performance.now() - started).toFixed(0)} ms`);
  } finally {
    await ds.destroy();
  }
}

interface BenchUser {
  login: string;
  id: string;
  /** The ids notes.list {limit: 10} must return for this user, in order. */
  expected: string[];
}

async function seed(pool: pg.Pool): Promise<{ users: BenchUser[]; noteOwner: Map<string, number> }> {
  const started = performance.now();
  const login = (i: number) => `bench-u${String(i).padStart(4, '0')}`;
  await pool.query(
    `INSERT INTO users (source, login, last_login_at)
     SELECT 'dev', 'bench-u' || lpad(g::text, 4, '0'), now() FROM generate_series(1, $1::int) g`,
    [SEED_USERS],
  );
  await pool.query(
    `INSERT INTO notes (owner_id, title, body, created_at, updated_at)
     SELECT u.id,
            'Note ' || n || ' of ' || u.login,
            'Body of note ' || n || ' for ' || u.login || '. ' || repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 1 + n % 4),
            now() - make_interval(mins => n), now() - make_interval(mins => n)
     FROM users u CROSS JOIN generate_series(1, $1::int) n
     WHERE u.source = 'dev' AND u.login LIKE 'bench-u%'`,
    [NOTES_PER_USER],
  );
  await pool.query('ANALYZE users');
  await pool.query('ANALYZE notes');
  const logins = Array.from({ length: TOKEN_USERS }, (_, i) => login(i + 1));
  const { rows } = await pool.query<{ login: string; id: string; expected: string[] }>(
    `SELECT u.login, u.id::text AS id,
            array(SELECT n.id::text FROM notes n WHERE n.owner_id = u.id ORDER BY n.created_at DESC, n.id DESC LIMIT ${PAGE}) AS expected
     FROM users u WHERE u.source = 'dev' AND u.login = ANY($1) ORDER BY u.login`,
    [logins],
  );
  const users = rows.map((r) => ({ login: r.login, id: r.id, expected: r.expected }));
  if (users.length !== TOKEN_USERS || users.some((u) => u.expected.length !== Math.min(PAGE, NOTES_PER_USER)))
    throw new Error('seeding did not produce the expected users and notes');
  const noteOwner = new Map<string, number>();
  users.forEach((u, i) => u.expected.forEach((id) => noteOwner.set(id, i)));
  const counts = await pool.query<{ users: string; notes: string }>(`SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM notes) AS notes`);
  step(
    `seeded ${counts.rows[0].users} users and ${counts.rows[0].notes} notes in ${(performance.now() - started).toFixed(0)} ms; load spread over ${users.length} users`,
  );
  return { users, noteOwner };
}

// ---------------------------------------------------------------------------------------------
// Correctness

type Shape = 'structured' | 'text';

interface Expectation {
  users: BenchUser[];
  noteOwner: Map<string, number>;
}

/**
 * Why a response is not the correct answer to `tools/call notes.list {limit: 10}` with JSON-RPC id
 * `rpcId` for users[userIndex]; undefined when it is. `structured` servers must return the notes in
 * structuredContent (and a text copy); `text` servers (the tutorial) as JSON in content[0].text.
 */
function incorrectness(status: number, body: string, rpcId: number, userIndex: number, shape: Shape, x: Expectation): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  let msg: { jsonrpc?: unknown; id?: unknown; error?: { code?: unknown; message?: unknown }; result?: Record<string, any> };
  try {
    msg = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  if (msg?.jsonrpc !== '2.0') return 'not a JSON-RPC 2.0 message';
  if (msg.error) return `JSON-RPC error ${String(msg.error.code)}: ${String(msg.error.message).slice(0, 120)}`;
  if (msg.id !== rpcId) return `JSON-RPC id ${JSON.stringify(msg.id)} instead of ${rpcId}`;
  const result = msg.result;
  if (!result || typeof result !== 'object') return 'no result';
  const first = Array.isArray(result.content) ? result.content[0] : undefined;
  if (result.isError) return `tool error: ${String(first?.text).slice(0, 120)}`;
  if (first?.type !== 'text' || typeof first.text !== 'string') return 'no text content';
  let notes: unknown;
  if (shape === 'structured') {
    if (!first.text.startsWith('{"notes":[')) return 'text content is not the notes JSON';
    notes = result.structuredContent?.notes;
  } else {
    try {
      notes = JSON.parse(first.text).notes;
    } catch {
      return 'text content is not JSON';
    }
  }
  if (!Array.isArray(notes)) return 'no notes array';
  const expected = x.users[userIndex].expected;
  if (notes.length !== expected.length) return `${notes.length} notes instead of ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const id = (notes[i] as { id?: unknown } | null)?.id;
    if (id === expected[i]) continue;
    const owner = typeof id === 'string' ? x.noteOwner.get(id) : undefined;
    return owner !== undefined && owner !== userIndex ? `another user's note (${x.users[owner].login}'s) in the answer` : `wrong note at position ${i}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Servers under test

interface ServerUnderTest {
  name: ServerName;
  shape: Shape;
  child: Child;
  baseUrl: string;
  /** Bearer token per user (same order as Expectation.users). */
  tokens: string[];
  /** A token that must be refused (signed by someone else). */
  foreignToken: string;
  readyMs?: number;
  idleRssMb?: number;
  /** Anonymous (heap, stacks) and file-backed (code) parts of the idle RSS. */
  idleRssSplit?: { anon?: number; file?: number };
  peakRssMb?: number;
  profileDir?: string;
}

const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
};

const callBody = (id: number): string => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"notes.list","arguments":{"limit":${PAGE}}}}`;

function profileDirFor(name: ServerName, root: string | undefined): string | undefined {
  if (!root) return undefined;
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function startSecure(db: Database, users: BenchUser[], scratch: string, profileRoot: string | undefined, cleanup: Cleanup): Promise<ServerUnderTest> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = join(scratch, 'secure-data');
  mkdirSync(dataDir, { recursive: true });
  const env = childEnv({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${port}`,
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    MIGRATIONS_RUN: 'false',
    KEY_ENCRYPTION_SECRET: randomBytes(36).toString('base64'),
    LOG_LEVEL: 'warn',
    // The benchmark is 20 callers at hundreds of calls per second each; the per-credential limiter
    // still runs on every call (its cost is measured) but must not turn answers into 429s.
    RATE_LIMIT_MCP_PER_MINUTE: '1000000',
    // The same V8 flags `npm start` and the Dockerfile use (BENCH_SECURE_NODE_OPTIONS overrides).
    NODE_OPTIONS: process.env.BENCH_SECURE_NODE_OPTIONS ?? '--max-semi-space-size=2',
  });
  const profileDir = profileDirFor('secure', profileRoot);
  const spawned = performance.now();
  // cwd = scratch: the app and its CLI read ./.env when present; the benchmark must not pick one up.
  const child = spawnNode('secure-mcp-server', join(DIST, 'src/main.js'), env, { profileDir, cwd: scratch });
  cleanup.push('stop secure-mcp-server', () => stopChild(child));
  const readyAt = await waitFor200(child, `${baseUrl}/readyz`, 60_000);
  const readyMs = readyAt - spawned;
  step(`secure-mcp-server (pid ${child.pid}) ready in ${readyMs.toFixed(0)} ms (spawn → first 200 on /readyz)`);

  // Tokens from the app's own dev CLI (same signer, same database), MINT_PARALLEL at a time.
  const started = performance.now();
  const tokens: string[] = new Array(users.length);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      tokens[i] = await mintWithCli(env, users[i].login, scratch);
      const sub = decodeJwt(tokens[i]).sub;
      if (sub !== users[i].id) throw new Error(`token CLI returned a token for ${sub}, expected ${users[i].login} = ${users[i].id}`);
    }
  };
  await Promise.all(Array.from({ length: MINT_PARALLEL }, worker));
  step(`minted ${tokens.length} tokens with dist/src/cli/token.js in ${(performance.now() - started).toFixed(0)} ms (${MINT_PARALLEL} at a time)`);

  // A structurally valid ES256 token from a key the server never saw.
  const { privateKey } = await generateKeyPair('ES256');
  const foreignToken = await new SignJWT({ client_id: 'dev-cli', scope: SCOPES })
    .setProtectedHeader({ alg: 'ES256', kid: decodeProtectedKid(tokens[0]), typ: 'at+jwt' })
    .setIssuer(env.PUBLIC_URL)
    .setAudience(`${env.PUBLIC_URL}/mcp`)
    .setSubject(users[0].id)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  return { name: 'secure', shape: 'structured', child, baseUrl, tokens, foreignToken, readyMs, profileDir };
}

function decodeProtectedKid(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid: string }).kid;
}

function mintWithCli(env: Record<string, string>, login: string, cwd: string): Promise<string> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, [join(DIST, 'src/cli/token.js'), '--user', login, '--scope', SCOPES, '--ttl', '3600'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    proc.once('error', fail);
    proc.once('exit', (code) => {
      const token = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) done(token);
      else fail(new Error(`token CLI for ${login} failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

async function startTutorial(db: Database, users: BenchUser[], profileRoot: string | undefined, cleanup: Cleanup): Promise<ServerUnderTest> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const secret = randomBytes(32).toString('base64url');
  const issuer = `http://localhost:${port}`;
  const audience = `${issuer}/mcp`;
  const sign = (sub: string, key: string) =>
    new SignJWT({ scope: SCOPES })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(key));
  const tokens = await Promise.all(users.map((u) => sign(u.id, secret)));
  const foreignToken = await sign(users[0].id, randomBytes(32).toString('base64url'));
  const env = childEnv({ PORT: String(port), DATABASE_URL: db.url, TUTORIAL_JWT_SECRET: secret, TUTORIAL_ISSUER: issuer, TUTORIAL_AUDIENCE: audience });
  const profileDir = profileDirFor('tutorial', profileRoot);
  const spawned = performance.now();
  const child = spawnNode('tutorial baseline', join(DIST, 'bench/baseline-tutorial.js'), env, { ipc: true, profileDir });
  cleanup.push('stop tutorial baseline', () => stopChild(child));
  await waitForIpc(child, 'listening', 30_000);
  step(`tutorial baseline (pid ${child.pid}) listening in ${(performance.now() - spawned).toFixed(0)} ms`);
  return { name: 'tutorial', shape: 'text', child, baseUrl, tokens, foreignToken, profileDir };
}

async function startFloor(db: Database, users: BenchUser[], profileRoot: string | undefined, cleanup: Cleanup): Promise<ServerUnderTest> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `http://localhost:${port}`;
  const audience = `${issuer}/mcp`;
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256');
  const sign = (sub: string, key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({ client_id: 'bench', scope: SCOPES, username: sub })
      .setProtectedHeader({ alg: 'ES256', kid: 'floor-1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(sub)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  const tokens = await Promise.all(users.map((u) => sign(u.id, privateKey)));
  const foreignToken = await sign(users[0].id, other.privateKey);
  const env = childEnv({
    PORT: String(port),
    DATABASE_URL: db.url,
    FLOOR_PUBLIC_JWK: JSON.stringify(await exportJWK(publicKey)),
    FLOOR_ISSUER: issuer,
    FLOOR_AUDIENCE: audience,
  });
  const profileDir = profileDirFor('floor', profileRoot);
  const spawned = performance.now();
  const child = spawnNode('bare floor', join(DIST, 'bench/floor.js'), env, { ipc: true, profileDir });
  cleanup.push('stop bare floor', () => stopChild(child));
  await waitForIpc(child, 'listening', 30_000);
  step(`bare floor (pid ${child.pid}) listening in ${(performance.now() - spawned).toFixed(0)} ms`);
  return { name: 'floor', shape: 'structured', child, baseUrl, tokens, foreignToken, profileDir };
}

/**
 * Before any load: one real call must be judged correct, the same answer judged against another user
 * must be rejected, and a token the server did not issue must be refused. Proves both the server and
 * the correctness check work.
 */
async function selfCheck(s: ServerUnderTest, x: Expectation): Promise<string[]> {
  const problems: string[] = [];
  const call = async (token: string, id: number) => {
    const res = await fetch(`${s.baseUrl}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` }, body: callBody(id) });
    return { status: res.status, body: await res.text() };
  };
  const good = await call(s.tokens[1], 424242);
  const verdict = incorrectness(good.status, good.body, 424242, 1, s.shape, x);
  if (verdict) problems.push(`a real call was judged incorrect (${verdict}): ${good.body.slice(0, 300)}`);
  const crossUser = incorrectness(good.status, good.body, 424242, 0, s.shape, x);
  if (!crossUser?.startsWith("another user's note"))
    problems.push(`user 1's answer was not rejected as another user's notes when checked for user 0 (${crossUser ?? 'accepted'})`);
  if (!incorrectness(good.status, good.body, 424243, 1, s.shape, x)) problems.push('an answer carrying the wrong JSON-RPC id was accepted');
  if (!incorrectness(good.status, damaged(good.body, s.shape), 424242, 1, s.shape, x)) problems.push('an answer with a damaged note was accepted');
  const foreign = await call(s.foreignToken, 7);
  if (foreign.status !== 401) problems.push(`a token signed by a foreign key got HTTP ${foreign.status}, not 401`);
  if (!incorrectness(foreign.status, foreign.body, 7, 0, s.shape, x)) problems.push('a 401 answer was accepted');
  return problems;
}

/** The same answer with the last note dropped and the first note's id changed, wherever the notes travel. */
function damaged(body: string, shape: Shape): string {
  try {
    const msg = JSON.parse(body);
    const spoil = (v: { notes: { id: string }[] }) => {
      v.notes.pop();
      v.notes[0].id = randomUUID();
      return v;
    };
    if (shape === 'structured') spoil(msg.result.structuredContent);
    else msg.result.content[0].text = JSON.stringify(spoil(JSON.parse(msg.result.content[0].text)));
    return JSON.stringify(msg);
  } catch {
    return body;
  }
}

// ---------------------------------------------------------------------------------------------
// Load

interface RunStats {
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

async function drive(s: ServerUnderTest, x: Expectation, durationS: number, db: Database | undefined): Promise<RunStats> {
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
    headers: MCP_HEADERS,
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
          req.body = callBody(id);
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
function mergeStats(a: RunStats, b: RunStats): RunStats {
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

interface Row {
  server: ServerUnderTest;
  stats: RunStats;
  rps: number;
  p50: number;
  p99: number;
  cpuPerReq?: number;
  selfCheck: string[];
  /** HTTP 200 answers during the warm-up (for the audit cross-check). */
  warmAnswered: number;
  audit?: { events: number; answered: number };
}

/** Self-check, idle RSS and warm-up of one server, before any measured window. */
async function prepare(s: ServerUnderTest, x: Expectation): Promise<{ selfCheck: string[]; warmAnswered: number }> {
  const problems = await selfCheck(s, x);
  step(
    `${TITLES[s.name]}: self-check ${problems.length ? `FAILED:\n  - ${problems.join('\n  - ')}` : "ok (correct answer accepted; other user's answer, wrong id, damaged note, 401 rejected; foreign-key token refused)"}`,
  );
  // Idle RSS: after start-up (and token minting), before any load (the self-check's two calls aside).
  await new Promise((r) => setTimeout(r, 500));
  s.idleRssMb = processMemMb(s.child.pid, 'VmRSS');
  s.idleRssSplit = { anon: processMemMb(s.child.pid, 'RssAnon'), file: processMemMb(s.child.pid, 'RssFile') };
  let warmAnswered = 0;
  if (WARMUP_S > 0) {
    const warm = await drive(s, x, WARMUP_S, undefined);
    warmAnswered = warm.correct + warm.incorrect;
    step(`${TITLES[s.name]}: warm-up ${WARMUP_S} s, ${warm.responses} responses (${warm.correct} correct)`);
  }
  return { selfCheck: problems, warmAnswered };
}

function describeWindow(name: ServerName, pid: number, st: RunStats, label: string): void {
  step(
    `${TITLES[name]}: ${label} ${st.durationS.toFixed(1)} s: ${st.correct} correct (${(st.correct / st.durationS).toFixed(0)}/s), ` +
      `${st.incorrect} incorrect, ${st.non2xx} non-2xx, ${st.errors} errors, ${st.timeouts} timeouts; ` +
      `server CPU ${fmt(st.serverCpuMs, 0)} ms, RSS ${fmt(processMemMb(pid, 'VmRSS'), 0)} MB; other processes ${fmt(st.otherPct, 0)}% of a core`,
  );
  for (const sample of st.samples) step(`  sample failure: ${sample}`);
}

function toRow(s: ServerUnderTest, stats: RunStats, prep: { selfCheck: string[]; warmAnswered: number }): Row {
  return {
    server: s,
    stats,
    rps: stats.correct / stats.durationS,
    p50: percentile(stats.latencies, 50),
    p99: percentile(stats.latencies, 99),
    cpuPerReq: stats.serverCpuMs !== undefined && stats.correct > 0 ? stats.serverCpuMs / stats.correct : undefined,
    selfCheck: prep.selfCheck,
    warmAnswered: prep.warmAnswered,
  };
}

/** After the secure server stopped (its shutdown flushes the audit buffer): audit rows vs calls answered. */
async function auditCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE kind = 'tool' AND target = 'notes.list' AND outcome = 'ok'`);
  return Number(rows[0].n);
}

// ---------------------------------------------------------------------------------------------
// Report

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function report(rows: Row[], db: Database, totalMs: number): void {
  const by = (name: ServerName) => rows.find((r) => r.server.name === name);
  out();
  out('='.repeat(100));
  out(
    `secure-mcp-server benchmark: tools/call notes.list {limit: ${PAGE}}, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per server (${ROUNDS} interleaved rounds)`,
  );
  const cpuModel = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  out(
    `host: ${cpus().length} × ${cpuModel}, node ${process.version}, database: ${db.engine === 'postgres' ? 'real Postgres (DATABASE_URL)' : 'embedded PGlite (single-threaded engine, own process)'}`,
  );
  out(`data: ${SEED_USERS} users × ${NOTES_PER_USER} notes; load spread over ${TOKEN_USERS} users' tokens; audit on in secure-mcp-server`);
  out('='.repeat(100));
  const headers = [
    'server',
    'correct req/s',
    'p50 ms',
    'p99 ms',
    'CPU ms/req',
    'incorrect',
    'non-2xx',
    'errors',
    'timeouts',
    'idle RSS MB',
    'loadgen CPU%',
    'other CPU%',
    'host busy%',
  ];
  headers.push('DB CPU ms/req');
  const cells = rows.map((r) => {
    const c = [
      TITLES[r.server.name],
      r.rps.toFixed(0),
      fmt(r.p50),
      fmt(r.p99),
      fmt(r.cpuPerReq, 3),
      String(r.stats.incorrect),
      String(r.stats.non2xx),
      String(r.stats.errors),
      String(r.stats.timeouts),
      fmt(r.server.idleRssMb, 1),
      fmt((100 * r.stats.loadgenCpuMs) / (r.stats.durationS * 1000), 0),
      fmt(r.stats.otherPct, 0),
      fmt(r.stats.hostBusyPct, 0),
    ];
    c.push(fmt(r.stats.engineCpuMs !== undefined && r.stats.correct ? r.stats.engineCpuMs / r.stats.correct : undefined, 3));
    return c;
  });
  out(table(headers, cells));
  out('CPU ms/req = CPU time (user+sys, all threads) of the server process over its measured windows ÷ correct responses.');
  out(
    `DB CPU ms/req = the same for ${db.engine === 'postgres' ? 'the Postgres backends serving the bench database' : 'the embedded engine process'} (secure-mcp-server's includes its audit writes).`,
  );
  out('loadgen CPU% = the benchmark process itself (autocannon + response checks), % of one core.');
  out(
    `other CPU% = user+system time of every other process on the host, % of one core${db.engine === 'postgres' ? " (Postgres's background processes included)" : ''};`,
  );
  out(`  more than ~10% means someone else was using the machine and the figures are disturbed. host busy% = all ${cpus().length} cores.`);
  out('p50/p99 over every response of the measured windows (all of them correct unless a count above says otherwise).');
  for (const r of rows) {
    if (r.stats.reasons.size) out(`${TITLES[r.server.name]} failures: ${[...r.stats.reasons].map(([k, v]) => `${v} × ${k}`).join('; ')}`);
    if (r.selfCheck.length) out(`${TITLES[r.server.name]} SELF-CHECK FAILED: ${r.selfCheck.join('; ')}`);
  }

  out();
  out('Targets (secure-mcp-server, audit on):');
  const secure = by('secure');
  const floor = by('floor');
  const tutorial = by('tutorial');
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a ' : ok ? 'PASS' : 'FAIL');
  const line = (label: string, value: string, target: string, ok: boolean | undefined, note = '') =>
    out(`  ${verdict(ok)}  ${label.padEnd(44)} ${value.padStart(10)}   target ${target}${note ? `   ${note}` : ''}`);
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
  const cpuRatio = ratio(secure?.cpuPerReq, floor?.cpuPerReq);
  line(
    'server CPU/request ÷ floor',
    cpuRatio === undefined ? 'n/a' : `${cpuRatio.toFixed(2)}×`,
    `≤ ${TARGETS.cpuVsFloor}×`,
    cpuRatio === undefined ? undefined : cpuRatio <= TARGETS.cpuVsFloor,
    secure?.cpuPerReq !== undefined && floor?.cpuPerReq !== undefined ? `(${secure.cpuPerReq.toFixed(3)} vs ${floor.cpuPerReq.toFixed(3)} ms)` : '',
  );
  const rpsRatio = ratio(secure?.rps, tutorial?.rps);
  line(
    'correct req/s ÷ tutorial baseline',
    rpsRatio === undefined ? 'n/a' : `${rpsRatio.toFixed(2)}×`,
    `≥ ${TARGETS.rpsVsTutorial}×`,
    rpsRatio === undefined ? undefined : rpsRatio >= TARGETS.rpsVsTutorial,
    secure && tutorial ? `(${secure.rps.toFixed(0)} vs ${tutorial.rps.toFixed(0)} req/s)` : '',
  );
  const p99Ratio = ratio(secure?.p99, floor?.p99);
  line(
    'p99 latency ÷ floor',
    p99Ratio === undefined ? 'n/a' : `${p99Ratio.toFixed(2)}×`,
    `≤ ${TARGETS.p99VsFloor}×`,
    p99Ratio === undefined ? undefined : p99Ratio <= TARGETS.p99VsFloor,
    secure && floor ? `(${secure.p99.toFixed(2)} vs ${floor.p99.toFixed(2)} ms)` : '',
  );
  const rss = secure?.server.idleRssMb;
  line(
    'idle RSS',
    rss === undefined ? 'n/a' : `${rss.toFixed(1)} MB`,
    `≤ ${TARGETS.idleRssMb} MB`,
    rss === undefined ? undefined : rss <= TARGETS.idleRssMb,
    secure?.server.peakRssMb !== undefined
      ? `(${fmt(secure.server.idleRssSplit?.anon, 1)} MB anonymous + ${fmt(secure.server.idleRssSplit?.file, 1)} MB file-backed; peak under load ${secure.server.peakRssMb.toFixed(1)} MB)`
      : '',
  );
  const ready = secure?.server.readyMs;
  line(
    'time to ready (spawn → 200 on /readyz)',
    ready === undefined ? 'n/a' : `${ready.toFixed(0)} ms`,
    `≤ ${TARGETS.readyMs} ms`,
    ready === undefined ? undefined : ready <= TARGETS.readyMs,
    db.engine === 'embedded' ? '(target is for real Postgres; this run used the embedded engine)' : '',
  );
  const correctness = rows.every(
    (r) => r.stats.incorrect === 0 && r.stats.non2xx === 0 && r.stats.errors === 0 && r.stats.timeouts === 0 && r.selfCheck.length === 0,
  );
  out(`  ${verdict(correctness)}  ${'every response correct, every self-check passed'.padEnd(44)}`);
  if (secure?.audit) {
    out(
      `  ${verdict(secure.audit.events >= secure.audit.answered)}  ${'audit: one event per answered call'.padEnd(44)} ${String(secure.audit.events).padStart(10)}   events for ${secure.audit.answered} calls answered with HTTP 200 (≥: calls in flight when a run stops are answered but not counted)`,
    );
  }
  if (db.engine === 'embedded') {
    out();
    out('Note: the embedded engine runs every query on one thread; when it is saturated it caps all three servers alike,');
    out("so req/s and latency ratios compress towards 1. CPU per request is still the server process's own cost.");
  }
  out(`Total benchmark time: ${(totalMs / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const cleanup = new Cleanup();
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      out(`[bench] ${signal}: cleaning up`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }
  const scratch = mkdtempSync(join(tmpdir(), 'mcp-bench-'));
  cleanup.push('remove scratch folder', async () => rmSync(scratch, { recursive: true, force: true }));
  const profileRoot = CPU_PROF ? mkdtempSync(join(tmpdir(), 'mcp-bench-profiles-')) : undefined;
  try {
    const loadavg = HAS_PROC ? `, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}` : '';
    step(`host: ${cpus().length} CPUs${loadavg}; servers: ${ONLY.join(', ')}`);
    if (!HAS_PROC) step('no /proc: CPU and RSS figures are unavailable on this platform');
    const db = await openDatabase(cleanup);
    await migrate(db.url);
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    cleanup.push('close bench pool', () => pool.end());
    const { users, noteOwner } = await seed(pool);
    const x: Expectation = { users, noteOwner };

    // All servers up at once (an idle one costs nothing), then measured in interleaved rounds so that a
    // disturbance on a shared machine spreads over all of them instead of landing on one.
    const servers: ServerUnderTest[] = [];
    for (const name of ALL_SERVERS.filter((n) => ONLY.includes(n))) {
      if (interrupted) break;
      servers.push(
        name === 'secure'
          ? await startSecure(db, users, scratch, profileRoot, cleanup)
          : name === 'tutorial'
            ? await startTutorial(db, users, profileRoot, cleanup)
            : await startFloor(db, users, profileRoot, cleanup),
      );
    }
    const prepared = new Map<ServerName, { selfCheck: string[]; warmAnswered: number }>();
    for (const server of servers) if (!interrupted) prepared.set(server.name, await prepare(server, x));
    const measured = new Map<ServerName, RunStats>();
    for (let round = 1; round <= ROUNDS && !interrupted; round++) {
      // Alternate the order so that no server always follows the same one.
      const order = round % 2 === 1 ? servers : [...servers].reverse();
      for (const server of order) {
        if (interrupted) break;
        const st = await drive(server, x, DURATION_S / ROUNDS, db);
        describeWindow(server.name, server.child.pid, st, `round ${round}/${ROUNDS},`);
        const before = measured.get(server.name);
        measured.set(server.name, before ? mergeStats(before, st) : st);
      }
    }
    const rows: Row[] = [];
    for (const server of servers) {
      if (interrupted) break;
      server.peakRssMb = processMemMb(server.child.pid, 'VmHWM');
      await stopChild(server.child);
      const row = toRow(server, measured.get(server.name)!, prepared.get(server.name)!);
      if (server.name === 'secure') {
        const answered = 1 + row.warmAnswered + row.stats.correct + row.stats.incorrect;
        row.audit = { events: await auditCount(pool), answered };
      }
      rows.push(row);
      if (server.profileDir) {
        const files = readdirSync(server.profileDir).filter((f) => f.endsWith('.cpuprofile'));
        for (const f of files) {
          out(`\n[bench] CPU profile of ${TITLES[server.name]}: ${join(server.profileDir, f)}`);
          out(summarizeProfile(join(server.profileDir, f), 30, { windowsUs: row.stats.windowsUs, requests: row.stats.correct }));
        }
      }
    }
    if (!interrupted) report(rows, db, performance.now() - started);
  } finally {
    if (!interrupted) await cleanup.run();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
