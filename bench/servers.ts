/** The servers under test, each its own child process: secure-mcp-server, the tutorial baseline and the bare floor. */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { childEnv, spawnNode, stopChild, waitFor200, waitForIpc, type Child } from './children.js';
import type { Shape } from './correctness.js';
import type { BenchUser, Database } from './database.js';
import { freePort, step, type Cleanup } from './measure.js';
import { DIST, MINT_PARALLEL, PAGE, ROOT, SCOPES, type ServerName } from './settings.js';
import { startFlags } from './start-flags.js';

export interface ServerUnderTest {
  name: ServerName;
  shape: Shape;
  request: BenchRequest;
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

/** The call every server answers, as a client of each era sends it. */
export interface BenchRequest {
  headers: Record<string, string>;
  body: (id: number) => string;
}

/** 2025-06-18 (the tutorial and the floor speak only this era): the version header, no `_meta`. */
export const LEGACY_REQUEST: BenchRequest = {
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
  body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"notes.list","arguments":{"limit":${PAGE}}}}`,
};

/** 2026-07-28: the per-request `_meta` envelope and the standard headers (Mcp-Method, Mcp-Name), as the SDK v2 client sends them. */
const MODERN_META = JSON.stringify({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
});
export const MODERN_REQUEST: BenchRequest = {
  headers: { ...LEGACY_REQUEST.headers, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'notes.list' },
  body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"notes.list","arguments":{"limit":${PAGE}},"_meta":${MODERN_META}}}`,
};

/** The 2026-07-28 era of a running secure-mcp-server: the same process, tokens and database, modern requests. */
export function modernEra(secure: ServerUnderTest): ServerUnderTest {
  return { ...secure, name: 'secure-modern', shape: 'modern', request: MODERN_REQUEST };
}

export function profileDirFor(name: ServerName, root: string | undefined): string | undefined {
  if (!root) return undefined;
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function startSecure(
  db: Database,
  users: BenchUser[],
  scratch: string,
  profileRoot: string | undefined,
  cleanup: Cleanup,
): Promise<ServerUnderTest> {
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
  });
  // The Node flags of `npm start` and the Dockerfile (BENCH_SECURE_NODE_ARGS, space-separated, replaces them).
  const nodeArgs = process.env.BENCH_SECURE_NODE_ARGS !== undefined ? process.env.BENCH_SECURE_NODE_ARGS.split(/\s+/).filter(Boolean) : startFlags(ROOT);
  const profileDir = profileDirFor('secure', profileRoot);
  const spawned = performance.now();
  // cwd = scratch: the app and its CLI read ./.env when present; the benchmark must not pick one up.
  const child = spawnNode('secure-mcp-server', join(DIST, 'src/main.js'), env, { profileDir, cwd: scratch, nodeArgs });
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
  return { name: 'secure', shape: 'structured', request: LEGACY_REQUEST, child, baseUrl, tokens, foreignToken, readyMs, profileDir };
}

export function decodeProtectedKid(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid: string }).kid;
}

export function mintWithCli(env: Record<string, string>, login: string, cwd: string): Promise<string> {
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

export async function startTutorial(db: Database, users: BenchUser[], profileRoot: string | undefined, cleanup: Cleanup): Promise<ServerUnderTest> {
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
  return { name: 'tutorial', shape: 'text', request: LEGACY_REQUEST, child, baseUrl, tokens, foreignToken, profileDir };
}

export async function startFloor(db: Database, users: BenchUser[], profileRoot: string | undefined, cleanup: Cleanup): Promise<ServerUnderTest> {
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
  return { name: 'floor', shape: 'structured', request: LEGACY_REQUEST, child, baseUrl, tokens, foreignToken, profileDir };
}
