/** The benchmark's settings (environment variables), the servers it measures and the targets it judges them by. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(DIST, '..');
export const envInt = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min} (got ${JSON.stringify(raw)})`);
  return n;
};
export const DURATION_S = envInt('BENCH_DURATION', 10);
export const ROUNDS = Math.floor(envInt('BENCH_ROUNDS', 2));
export const WARMUP_S = envInt('BENCH_WARMUP', 3, 0);
export const CONNECTIONS = envInt('BENCH_CONNECTIONS', 20);
export const SEED_USERS = envInt('BENCH_USERS', 200);
export const NOTES_PER_USER = envInt('BENCH_NOTES_PER_USER', 20);
export const TOKEN_USERS = Math.min(envInt('BENCH_TOKEN_USERS', 20), SEED_USERS);
export const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
export const PAGE = 10;
export const MINT_PARALLEL = 4;
export const SCOPES = 'notes:read notes:write';
/**
 * What is measured: secure-mcp-server in each protocol era (one process, answering 2025-06-18 requests
 * and 2026-07-28 requests), the tutorial baseline and the bare floor.
 */
export type ServerName = 'secure' | 'secure-modern' | 'tutorial' | 'floor';
export const ALL_SERVERS: ServerName[] = ['secure', 'secure-modern', 'tutorial', 'floor'];
export const ONLY = process.env.BENCH_ONLY ? (process.env.BENCH_ONLY.split(',').map((s) => s.trim()) as ServerName[]) : ALL_SERVERS;
if (ONLY.length === 0 || ONLY.some((n) => !ALL_SERVERS.includes(n))) throw new Error(`BENCH_ONLY must list some of: ${ALL_SERVERS.join(', ')}`);
export const TITLES: Record<ServerName, string> = {
  secure: 'secure-mcp-server 2025',
  'secure-modern': 'secure-mcp-server 2026-07-28',
  tutorial: 'tutorial baseline',
  floor: 'bare floor',
};
/** The two eras of secure-mcp-server, each judged against the targets. */
export const SECURE_ERAS: ServerName[] = ['secure', 'secure-modern'];

/** Issue 8 "Performance": each era of secure-mcp-server against the floor and the tutorial baseline. */
export const TARGETS = { cpuVsFloor: 1.25, rpsVsTutorial: 2.5, p99VsFloor: 1.5, idleRssMb: 120, readyMs: 2000 };
