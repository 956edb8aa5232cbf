import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LintContext, readRepoFile } from './context.js';
import { asArray, asObject, imagePinned, type JsonObject, str } from './shared.js';
import { parseYamlMapping } from './yaml-file.js';

const TOP_KEYS = new Set(['name', 'services', 'volumes', 'networks', 'configs', 'secrets', 'include', 'version']);

/** Compose `environment` (a map or a KEY=value list) as a map. */
function envMap(env: unknown): Record<string, unknown> {
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as unknown[]).map((e) => {
        const s = str(e);
        const i = s.indexOf('=');
        return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  return asObject(env) ?? {};
}

/** A healthcheck's `test` as a list (a string is CMD-SHELL). */
function healthTest(hc: unknown): string[] | null {
  const t = asObject(hc)?.test;
  if (!hc) return null;
  return Array.isArray(t) ? (t as unknown[]).map(str) : typeof t === 'string' ? ['CMD-SHELL', t] : null;
}

/** docker-compose.yml: structure, pinned images, references, and the app/postgres services' settings. */
export function checkCompose(ctx: LintContext): void {
  const { report } = ctx;
  report.section('docker-compose.yml');
  const text = readRepoFile(ctx, 'docker-compose.yml');
  if (text === null) {
    report.bad('docker-compose.yml exists');
    return;
  }
  const c = parseYamlMapping(ctx, 'docker-compose.yml', text);
  if (!c) return;
  const unknown = Object.keys(c).filter((k) => !TOP_KEYS.has(k) && !k.startsWith('x-'));
  report.check(unknown.length === 0, 'only known top-level keys', `unknown: ${unknown.join(', ')}`);
  if ('version' in c) report.warn('top-level "version" is obsolete in the Compose Specification');
  const services = asObject(c.services);
  if (!services) {
    report.bad('has a services mapping');
    return;
  }
  const names = Object.keys(services);
  report.check(names.includes('postgres') && names.includes('app'), 'services postgres and app defined', `found: ${names.join(', ')}`);
  const declaredVolumes = new Set(Object.keys(asObject(c.volumes) ?? {}));
  for (const [name, raw] of Object.entries(services)) {
    const s = asObject(raw);
    if (!s) {
      report.bad(`service ${name} is a mapping`);
      continue;
    }
    if (!s.image && !s.build) report.bad(`service ${name} has image or build`);
    if (s.image) imagePinned(ctx, str(s.image), `service ${name}`);
    const deps = Array.isArray(s.depends_on) ? asArray(s.depends_on).map(str) : Object.keys(asObject(s.depends_on) ?? {});
    for (const d of deps) report.check(names.includes(d), `service ${name}: depends_on ${d} exists`);
    for (const v of asArray(s.volumes)) {
      const src = typeof v === 'string' ? v.split(':')[0] : asObject(v)?.source;
      if (typeof src === 'string' && src && !/^[./~]/.test(src) && !src.startsWith('$')) {
        report.check(declaredVolumes.has(src), `service ${name}: named volume ${src} is declared`);
      }
    }
    if (s.healthcheck) {
      const t = healthTest(s.healthcheck);
      report.check(t && ['CMD', 'CMD-SHELL', 'NONE'].includes(t[0]), `service ${name}: healthcheck.test starts with CMD/CMD-SHELL`);
    }
  }

  const pg = asObject(services.postgres);
  if (pg) checkPostgres(ctx, pg);
  const app = asObject(services.app);
  if (app) checkApp(ctx, app);
}

function checkPostgres(ctx: LintContext, pg: JsonObject): void {
  const { report } = ctx;
  report.check(/^postgres:16([.-]|$)/.test(str(pg.image ?? '')), 'postgres: image is postgres:16', `got ${str(pg.image)}`);
  const t = healthTest(pg.healthcheck);
  report.check(t && t.join(' ').includes('pg_isready'), 'postgres: healthcheck runs pg_isready');
  const env = envMap(pg.environment);
  report.check(env.POSTGRES_DB === 'mcp', 'postgres: POSTGRES_DB=mcp');
  report.check(!!env.POSTGRES_PASSWORD, 'postgres: POSTGRES_PASSWORD set');
}

function checkApp(ctx: LintContext, app: JsonObject): void {
  const { report } = ctx;
  const build = typeof app.build === 'string' ? { context: app.build } : asObject(app.build);
  if (!build) {
    report.bad('app: built from the Dockerfile (build:)');
  } else {
    const context = build.context ?? '.';
    const dockerfile = build.dockerfile ?? 'Dockerfile';
    report.check(
      typeof context === 'string' && typeof dockerfile === 'string' && existsSync(join(resolve(ctx.root, context), dockerfile)),
      `app: build dockerfile ${str(dockerfile)} exists in context ${str(context)}`,
    );
  }
  const envFiles = (Array.isArray(app.env_file) ? asArray(app.env_file) : app.env_file ? [app.env_file] : []).map((e) =>
    typeof e === 'string' ? { path: e, required: true } : asObject(e),
  );
  const dotEnv = envFiles.find((e) => e?.path === '.env' || e?.path === './.env');
  if (dotEnv) report.check(dotEnv.required === false, 'app: env_file .env is optional (required: false)');
  else report.warn('app: no env_file .env');
  const env = envMap(app.environment);
  report.check(
    env.DATABASE_URL === 'postgres://postgres:postgres@postgres:5432/mcp',
    'app: DATABASE_URL points at the postgres service',
    `got ${str(env.DATABASE_URL)}`,
  );
  for (const k of ['PUBLIC_URL', 'KEY_ENCRYPTION_SECRET']) {
    const v = env[k];
    report.check(typeof v === 'string' && /\$\{?[A-Z_]/.test(v), `app: ${k} taken from the environment`, `got ${str(v)}`);
  }
  const kes = env.KEY_ENCRYPTION_SECRET;
  if (kes && !/\$\{?KEY_ENCRYPTION_SECRET/.test(str(kes))) report.bad('app: KEY_ENCRYPTION_SECRET is not hard-coded');
  const dep = asObject(app.depends_on)?.postgres;
  report.check(asObject(dep)?.condition === 'service_healthy', 'app: depends_on postgres with condition service_healthy');
  const t = healthTest(app.healthcheck);
  report.check(t && t.join(' ').includes('/healthz'), 'app: healthcheck probes /healthz');
  report.check(t && !/\b(curl|wget)\b/.test(t.join(' ')), 'app: healthcheck needs no curl/wget');
  report.check(app.read_only === true, 'app: read_only: true');
  const tmpfs = Array.isArray(app.tmpfs) ? asArray(app.tmpfs) : app.tmpfs ? [app.tmpfs] : [];
  report.check(
    tmpfs.some((x) => str(x).split(':')[0] === '/tmp'),
    'app: tmpfs /tmp',
  );
  const ports = asArray(app.ports).map((p) => {
    const o = asObject(p);
    return o ? `${str(o.published)}:${str(o.target)}` : str(p);
  });
  report.check(ports.includes('3000:3000'), 'app: publishes 3000:3000', `got ${ports.join(', ')}`);
  if (app.user && /^(root|0)(:|$)/.test(str(app.user))) report.bad('app: does not run as root');
}
