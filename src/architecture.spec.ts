import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The dependency arrows of DESIGN.md and the one-owner-per-table rule, checked on the sources
 * (tests run from the repository root). Each rule names the files that break it.
 */

interface SourceFile {
  path: string;
  text: string;
  /** Relative imports resolved to source paths, with whether the import is type-only. */
  imports: Array<{ target: string; typeOnly: boolean }>;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /^(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm;

function load(): SourceFile[] {
  return walk('src').map((path) => {
    const text = readFileSync(path, 'utf8');
    const imports = [...text.matchAll(IMPORT)].map((m) => ({
      target: relative('.', resolve(dirname(path), m[3].replace(/\.js$/, '.ts'))),
      typeOnly: m[2] !== undefined,
    }));
    return { path, text, imports };
  });
}

const files = load();
const inside = (path: string, ...folders: string[]) => folders.some((f) => path.startsWith(`src/${f}/`));

/** Files under `from` that import (at run time, unless `types` is set) anything under `to`. */
function arrows(from: string[], to: string[], opts: { types?: boolean } = {}): string[] {
  return files.flatMap((f) =>
    inside(f.path, ...from) ? f.imports.filter((i) => inside(i.target, ...to) && (opts.types || !i.typeOnly)).map((i) => `${f.path} -> ${i.target}`) : [],
  );
}

describe('architecture', () => {
  it('finds the sources (a guard against passing on nothing)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.path === 'src/auth/revocation/revocation.service.ts')).toBe(true);
  });

  it('never imports test code (fixtures such as test/conformance/ load only through their own entry points)', () => {
    expect(files.flatMap((f) => f.imports.filter((i) => i.target.startsWith('test/')).map((i) => `${f.path} -> ${i.target}`))).toEqual([]);
  });

  it('has no import cycle between source files', () => {
    const graph = new Map(files.map((f) => [f.path, f.imports.map((i) => i.target)]));
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (node: string): void => {
      state.set(node, 'open');
      stack.push(node);
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next) && graph.has(next)) visit(next);
      }
      stack.pop();
      state.set(node, 'done');
    };
    for (const node of graph.keys()) if (!state.has(node)) visit(node);
    expect(cycles).toEqual([]);
  });

  it('the database layer knows no feature (feature modules register their own entities)', () => {
    expect(arrows(['database'], ['users', 'keys', 'notes', 'oauth', 'admin', 'auth', 'mcp', 'audit', 'health', 'metrics'], { types: true })).toEqual([]);
  });

  it('metrics depend on nothing above them (auth registers its own gauges)', () => {
    expect(arrows(['metrics'], ['auth', 'oauth', 'admin', 'mcp', 'notes'], { types: true })).toEqual([]);
  });

  it('auth (the resource server) never reaches up into the authorization server, admin, MCP or a feature', () => {
    expect(arrows(['auth'], ['oauth', 'admin', 'mcp', 'notes'], { types: true })).toEqual([]);
  });

  it('admin uses no OAuth code (revocation goes through AuthModule) but the registration rules, only its data shapes', () => {
    // POST /admin/clients registers with exactly the rules of POST /register: the one arrow allowed.
    expect(arrows(['admin'], ['oauth'])).toEqual(['src/admin/clients/admin-clients.service.ts -> src/oauth/clients/clients.service.ts']);
  });

  it('MCP never imports notes; OAuth never imports MCP or notes', () => {
    expect([...arrows(['mcp'], ['notes'], { types: true }), ...arrows(['oauth'], ['mcp', 'notes'], { types: true })]).toEqual([]);
  });

  it('revocation state has one writer: RevocationRepository', () => {
    const writes = /UPDATE\s+(grants|oauth_clients|api_keys)\s+SET\s+revoked_at|UPDATE\s+users\s+SET\s+disabled_at|INSERT\s+INTO\s+token_revocations/;
    const writers = files.filter((f) => writes.test(f.text)).map((f) => f.path);
    expect(writers).toEqual(['src/auth/revocation/revocation.repository.ts']);
  });

  it('admin repositories only read, and never read api_keys (ApiKeysService owns them)', () => {
    const admin = files.filter((f) => inside(f.path, 'admin'));
    expect(admin.filter((f) => /\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/i.test(f.text)).map((f) => f.path)).toEqual([]);
    expect(admin.filter((f) => /\bapi_keys\b/.test(f.text)).map((f) => f.path)).toEqual([]);
  });
});
