#!/usr/bin/env bash
# lint-deploy.sh — static checks of the deployment files, no Docker engine needed.
#
#   bash scripts/lint-deploy.sh            # from anywhere inside the repo
#
# Checks:
#   docker-compose.yml  parsed as YAML (yaml@2.9.1) and its structure validated: known top-level
#                       keys, services postgres (postgres:16, pg_isready healthcheck) and app
#                       (build from ./Dockerfile, DATABASE_URL/PUBLIC_URL/KEY_ENCRYPTION_SECRET,
#                       depends_on postgres service_healthy, /healthz healthcheck, read_only with
#                       tmpfs /tmp, ports 3000:3000, optional .env), no `latest`/untagged images,
#                       depends_on and named volumes resolve.
#   Dockerfile          syntax via dockerfile-utils@0.16.3 (the VS Code Dockerfile validator), then
#                       hadolint-style rules: multi-stage, every base image pinned to a tag (no
#                       `latest`), `npm ci` (never `npm install`), production deps via
#                       `npm ci --omit=dev`, final stage runs as a non-root USER, HEALTHCHECK
#                       without curl/wget, CMD in exec form matching package.json's start script,
#                       EXPOSE matches PORT, NODE_ENV=production, COPY --from names a known stage,
#                       ADD not used for local files, apt-get hygiene, absolute WORKDIR, one CMD.
#   .dockerignore       exists and keeps node_modules, dist, .git, .env and .data out.
#   scripts             `node --check` on scripts/*.mjs; shellcheck on scripts/*.sh when installed.
#   hadolint            run as well when a `hadolint` binary is on PATH. No npm package ships
#                       hadolint (the npm registry has only unrelated or unofficial linters) and
#                       Debian bookworm has none, so the rules above stand in for it.
#
# The two npm packages go to a cache dir (LINT_DEPLOY_CACHE, default $TMPDIR/secure-mcp-lint-deploy)
# with `npm install --no-save --prefix`; nothing is added to package.json.
# Exit status: 0 when every check passed (warnings allowed), 1 when any failed, 2 on setup errors.
set -euo pipefail

readonly YAML_VERSION="2.9.1"
readonly DOCKERFILE_UTILS_VERSION="0.16.3"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${LINT_DEPLOY_CACHE:-${TMPDIR:-/tmp}/secure-mcp-lint-deploy}"
mkdir -p "$cache_dir"

installed_version() {
  node -p "require('$cache_dir/node_modules/$1/package.json').version" 2>/dev/null || true
}
if [[ "$(installed_version yaml)" != "$YAML_VERSION" || "$(installed_version dockerfile-utils)" != "$DOCKERFILE_UTILS_VERSION" ]]; then
  echo "lint-deploy: installing yaml@$YAML_VERSION dockerfile-utils@$DOCKERFILE_UTILS_VERSION into $cache_dir"
  if ! npm install --no-save --no-audit --no-fund --no-update-notifier --loglevel=error \
      --prefix "$cache_dir" "yaml@$YAML_VERSION" "dockerfile-utils@$DOCKERFILE_UTILS_VERSION" >"$cache_dir/npm.log" 2>&1; then
    cat "$cache_dir/npm.log" >&2
    echo "lint-deploy: npm install failed" >&2
    exit 2
  fi
fi

status=0

echo "== node --check scripts/*.mjs"
shopt -s nullglob
for f in "$repo_root"/scripts/*.mjs; do
  if node --check "$f"; then echo "  ok    ${f#"$repo_root"/}"; else echo "  FAIL  ${f#"$repo_root"/}"; status=1; fi
done

echo "== shellcheck scripts/*.sh"
if command -v shellcheck >/dev/null; then
  sh_files=("$repo_root"/scripts/*.sh)
  if ((${#sh_files[@]})); then
    if shellcheck -S warning "${sh_files[@]}"; then echo "  ok    ${#sh_files[@]} file(s)"; else echo "  FAIL  shellcheck"; status=1; fi
  fi
else
  echo "  skip  shellcheck not installed (apt-get install shellcheck)"
fi

echo "== hadolint Dockerfile"
if command -v hadolint >/dev/null; then
  if hadolint "$repo_root/Dockerfile"; then echo "  ok    hadolint"; else echo "  FAIL  hadolint"; status=1; fi
else
  echo "  skip  no hadolint binary (none on npm or in Debian); built-in rules below stand in"
fi

cat >"$cache_dir/lint-deploy.mjs" <<'EOF'
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument, isMap } from 'yaml';
import { validate as validateDockerfile } from 'dockerfile-utils';

const root = process.argv[2];
let failures = 0;
let warnings = 0;
const ok = (msg) => console.log(`  ok    ${msg}`);
const bad = (msg) => { failures++; console.log(`  FAIL  ${msg}`); };
const warn = (msg) => { warnings++; console.log(`  warn  ${msg}`); };
const check = (cond, msg, detail = '') => (cond ? ok(msg) : bad(detail ? `${msg} — ${detail}` : msg));
const read = (rel) => (existsSync(join(root, rel)) ? readFileSync(join(root, rel), 'utf8') : null);
const asObject = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);

/** image reference -> { name, tag, digest } */
function parseImage(ref) {
  let rest = ref;
  let digest = null;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : null;
  const name = colon > slash ? rest.slice(0, colon) : rest;
  return { name, tag, digest };
}
function imagePinned(ref, where) {
  if (/\$\{?[A-Za-z_]/.test(ref)) { warn(`${where}: image "${ref}" uses a variable, cannot check its tag`); return; }
  const { tag, digest } = parseImage(ref);
  if (!tag && !digest) bad(`${where}: image "${ref}" has no tag (means :latest)`);
  else if (tag === 'latest') bad(`${where}: image "${ref}" uses the latest tag`);
  else ok(`${where}: image "${ref}" is pinned`);
}
/** compose environment (map or list) -> map */
function envMap(env) {
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => { const s = String(e); const i = s.indexOf('='); return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)]; }));
  }
  return asObject(env) ?? {};
}
function healthTest(hc) {
  if (!hc) return null;
  const t = hc.test;
  return Array.isArray(t) ? t.map(String) : typeof t === 'string' ? ['CMD-SHELL', t] : null;
}

// ------------------------------------------------------------------ docker-compose.yml
console.log('== docker-compose.yml');
const composeText = read('docker-compose.yml');
if (composeText === null) {
  bad('docker-compose.yml exists');
} else {
  const doc = parseDocument(composeText, { prettyErrors: true, uniqueKeys: true });
  for (const w of doc.warnings) warn(`YAML: ${w.message}`);
  if (doc.errors.length) {
    for (const e of doc.errors) bad(`YAML: ${e.message}`);
  } else if (!isMap(doc.contents)) {
    bad('docker-compose.yml top level is a mapping');
  } else {
    ok('parses as YAML');
    const c = doc.toJS();
    const topKeys = new Set(['name', 'services', 'volumes', 'networks', 'configs', 'secrets', 'include', 'version']);
    const unknown = Object.keys(c).filter((k) => !topKeys.has(k) && !k.startsWith('x-'));
    check(unknown.length === 0, 'only known top-level keys', `unknown: ${unknown.join(', ')}`);
    if ('version' in c) warn('top-level "version" is obsolete in the Compose Specification');
    const services = asObject(c.services);
    if (!services) {
      bad('has a services mapping');
    } else {
      const names = Object.keys(services);
      check(names.includes('postgres') && names.includes('app'), 'services postgres and app defined', `found: ${names.join(', ')}`);
      const declaredVolumes = new Set(Object.keys(asObject(c.volumes) ?? {}));
      for (const [name, raw] of Object.entries(services)) {
        const s = asObject(raw);
        if (!s) { bad(`service ${name} is a mapping`); continue; }
        if (!s.image && !s.build) bad(`service ${name} has image or build`);
        if (s.image) imagePinned(String(s.image), `service ${name}`);
        const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(asObject(s.depends_on) ?? {});
        for (const d of deps) check(names.includes(d), `service ${name}: depends_on ${d} exists`);
        for (const v of s.volumes ?? []) {
          const src = typeof v === 'string' ? v.split(':')[0] : v?.source;
          if (src && !/^[./~]/.test(src) && !src.startsWith('$')) check(declaredVolumes.has(src), `service ${name}: named volume ${src} is declared`);
        }
        if (s.healthcheck) {
          const t = healthTest(s.healthcheck);
          check(t && ['CMD', 'CMD-SHELL', 'NONE'].includes(t[0]), `service ${name}: healthcheck.test starts with CMD/CMD-SHELL`);
        }
      }

      const pg = asObject(services.postgres);
      if (pg) {
        check(/^postgres:16([.-]|$)/.test(String(pg.image ?? '')), 'postgres: image is postgres:16', `got ${pg.image}`);
        const t = healthTest(pg.healthcheck);
        check(t && t.join(' ').includes('pg_isready'), 'postgres: healthcheck runs pg_isready');
        const env = envMap(pg.environment);
        check(env.POSTGRES_DB === 'mcp', 'postgres: POSTGRES_DB=mcp');
        check(!!env.POSTGRES_PASSWORD, 'postgres: POSTGRES_PASSWORD set');
      }

      const app = asObject(services.app);
      if (app) {
        const build = typeof app.build === 'string' ? { context: app.build } : asObject(app.build);
        if (!build) {
          bad('app: built from the Dockerfile (build:)');
        } else {
          const ctx = resolve(root, build.context ?? '.');
          const df = join(ctx, build.dockerfile ?? 'Dockerfile');
          check(existsSync(df), `app: build dockerfile ${build.dockerfile ?? 'Dockerfile'} exists in context ${build.context ?? '.'}`);
        }
        const envFiles = (Array.isArray(app.env_file) ? app.env_file : app.env_file ? [app.env_file] : []).map((e) => (typeof e === 'string' ? { path: e, required: true } : e));
        const dotEnv = envFiles.find((e) => e?.path === '.env' || e?.path === './.env');
        if (dotEnv) check(dotEnv.required === false, 'app: env_file .env is optional (required: false)');
        else warn('app: no env_file .env');
        const env = envMap(app.environment);
        check(env.DATABASE_URL === 'postgres://postgres:postgres@postgres:5432/mcp', 'app: DATABASE_URL points at the postgres service', `got ${env.DATABASE_URL}`);
        for (const k of ['PUBLIC_URL', 'KEY_ENCRYPTION_SECRET']) {
          check(typeof env[k] === 'string' && /\$\{?[A-Z_]/.test(env[k]), `app: ${k} taken from the environment`, `got ${env[k]}`);
        }
        if (env.KEY_ENCRYPTION_SECRET && !/\$\{?KEY_ENCRYPTION_SECRET/.test(env.KEY_ENCRYPTION_SECRET)) bad('app: KEY_ENCRYPTION_SECRET is not hard-coded');
        const dep = asObject(app.depends_on)?.postgres;
        check(asObject(dep)?.condition === 'service_healthy', 'app: depends_on postgres with condition service_healthy');
        const t = healthTest(app.healthcheck);
        check(t && t.join(' ').includes('/healthz'), 'app: healthcheck probes /healthz');
        check(t && !/\b(curl|wget)\b/.test(t.join(' ')), 'app: healthcheck needs no curl/wget');
        check(app.read_only === true, 'app: read_only: true');
        const tmpfs = Array.isArray(app.tmpfs) ? app.tmpfs : app.tmpfs ? [app.tmpfs] : [];
        check(tmpfs.some((x) => String(x).split(':')[0] === '/tmp'), 'app: tmpfs /tmp');
        const ports = (app.ports ?? []).map((p) => (typeof p === 'object' ? `${p.published}:${p.target}` : String(p)));
        check(ports.includes('3000:3000'), 'app: publishes 3000:3000', `got ${ports.join(', ')}`);
        if (app.user && /^(root|0)(:|$)/.test(String(app.user))) bad('app: does not run as root');
      }
    }
  }
}

// ------------------------------------------------------------------ Dockerfile
console.log('== Dockerfile');
const dockerfile = read('Dockerfile');
if (dockerfile === null) {
  bad('Dockerfile exists');
} else {
  const diags = validateDockerfile(dockerfile);
  for (const d of diags) {
    const msg = `line ${d.range.start.line + 1}: ${d.message}`;
    if (d.severity === 1) bad(`syntax: ${msg}`); else warn(`syntax: ${msg}`);
  }
  if (!diags.some((d) => d.severity === 1)) ok('syntax valid (dockerfile-utils)');

  // Logical instructions: join continuations, drop comments and blank lines.
  const instrs = [];
  let buf = '';
  let startLine = 0;
  dockerfile.split(/\r?\n/).forEach((line, i) => {
    if (!buf && (/^\s*#/.test(line) || !line.trim())) return;
    if (buf && /^\s*#/.test(line)) return; // comment inside a continuation
    if (!buf) startLine = i + 1;
    if (/\\\s*$/.test(line)) { buf += line.replace(/\\\s*$/, ' '); return; }
    buf += line;
    const m = /^\s*(\w+)\s*(.*)$/s.exec(buf);
    if (m) instrs.push({ kw: m[1].toUpperCase(), args: m[2].trim(), line: startLine });
    buf = '';
  });

  const globalArgs = {};
  const stages = [];
  for (const ins of instrs) {
    if (ins.kw === 'ARG' && stages.length === 0) {
      const m = /^([A-Za-z_]\w*)(?:=(.*))?$/.exec(ins.args);
      if (m) globalArgs[m[1]] = (m[2] ?? '').replace(/^["']|["']$/g, '');
    }
    if (ins.kw === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const ref = parts[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? `\${${a ?? b}}`);
      const as = parts.length >= 3 && parts[1].toLowerCase() === 'as' ? parts[2] : null;
      stages.push({ ref, rawRef: parts[0], name: as, line: ins.line, instrs: [] });
    } else if (stages.length) {
      stages.at(-1).instrs.push(ins);
    }
  }
  check(stages.length >= 2, 'multi-stage build', `${stages.length} stage(s)`);
  const stageNames = new Set();
  for (const st of stages) {
    if (stageNames.has(st.ref)) ok(`FROM ${st.rawRef} (line ${st.line}) builds on stage ${st.ref}`);
    else imagePinned(st.ref, `FROM line ${st.line}`);
    if (st.name) stageNames.add(st.name);
  }
  const all = stages.flatMap((s) => s.instrs);
  const runs = all.filter((i) => i.kw === 'RUN').map((i) => i.args);
  check(runs.some((r) => /\bnpm ci\b/.test(r)), 'dependencies installed with npm ci');
  check(!runs.some((r) => /\bnpm (install|i|add)\b/.test(r)), 'no npm install (npm ci only)');
  check(runs.some((r) => /\bnpm ci\b[^&;|]*(--omit[= ]dev|--only[= ]prod|--production)/.test(r)), 'production dependencies via npm ci --omit=dev');
  check(!all.some((i) => i.kw === 'MAINTAINER'), 'no deprecated MAINTAINER');
  for (const i of all) {
    if (i.kw === 'ADD' && !/https?:\/\/|\.tar|\.tgz|\.gz|\.xz|\.bz2/.test(i.args)) bad(`line ${i.line}: use COPY instead of ADD for local files`);
    if (i.kw === 'WORKDIR' && !/^(\/|\$)/.test(i.args.replace(/^["']/, ''))) bad(`line ${i.line}: WORKDIR must be absolute`);
    if (i.kw === 'RUN') {
      if (/\bsudo\b/.test(i.args)) bad(`line ${i.line}: do not use sudo`);
      if (/apt-get install/.test(i.args) && !/--no-install-recommends/.test(i.args)) bad(`line ${i.line}: apt-get install without --no-install-recommends`);
      if (/apt-get install/.test(i.args) && !/apt-get update/.test(i.args)) warn(`line ${i.line}: apt-get install without apt-get update in the same RUN`);
      if (/(^|&&|;)\s*cd\s/.test(i.args)) warn(`line ${i.line}: use WORKDIR instead of cd`);
    }
    if (i.kw === 'COPY') {
      const from = /--from=(\S+)/.exec(i.args)?.[1];
      if (from && !stageNames.has(from) && !/^\d+$/.test(from) && !from.includes(':')) bad(`line ${i.line}: COPY --from=${from} names no earlier stage`);
    }
  }

  const final = stages.at(-1);
  if (final) {
    const fin = final.instrs;
    const users = fin.filter((i) => i.kw === 'USER');
    const lastUser = users.at(-1)?.args.split(':')[0];
    check(lastUser && !['root', '0'].includes(lastUser), 'final stage runs as a non-root USER', `USER ${lastUser ?? '(none)'}`);
    const hcs = fin.filter((i) => i.kw === 'HEALTHCHECK');
    check(hcs.length > 0 && !/^NONE$/i.test(hcs.at(-1).args), 'final stage has a HEALTHCHECK');
    if (hcs.length) {
      check(!/\b(curl|wget)\b/.test(hcs.at(-1).args), 'HEALTHCHECK needs no curl/wget');
      check(/\/healthz\b/.test(hcs.at(-1).args), 'HEALTHCHECK probes /healthz');
    }
    const cmds = all.filter((i) => i.kw === 'CMD');
    const finCmds = fin.filter((i) => i.kw === 'CMD');
    check(finCmds.length === 1, 'final stage has exactly one CMD', `${finCmds.length}`);
    if (cmds.length > finCmds.length) warn('CMD in a non-final stage has no effect');
    let cmd = null;
    try { cmd = JSON.parse(finCmds.at(-1)?.args ?? 'null'); } catch { /* shell form */ }
    check(Array.isArray(cmd), 'CMD in exec (JSON array) form');
    const pkg = JSON.parse(read('package.json') ?? '{}');
    const start = pkg.scripts?.start;
    if (Array.isArray(cmd) && start) check(cmd.join(' ') === start.trim(), 'CMD matches package.json "start"', `CMD ${cmd.join(' ')} vs start "${start}"`);
    const envText = fin.filter((i) => i.kw === 'ENV').map((i) => i.args).join(' ');
    check(/\bNODE_ENV[= ]production\b/.test(envText), 'final stage sets NODE_ENV=production');
    const port = /\bPORT[= ](\d+)/.exec(envText)?.[1];
    const exposed = fin.filter((i) => i.kw === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => p.split('/')[0]);
    check(port && exposed.includes(port), `EXPOSE matches PORT (${port ?? 'unset'})`, `EXPOSE ${exposed.join(' ') || '(none)'}`);
    if (pkg.type === 'module') {
      check(fin.some((i) => i.kw === 'COPY' && /package\.json/.test(i.args)), 'final stage has package.json (needed for "type": "module")');
    }
    check(fin.some((i) => i.kw === 'COPY' && /\bdist\b/.test(i.args)), 'final stage copies dist/');
  }
}

// ------------------------------------------------------------------ .dockerignore
console.log('== .dockerignore');
const ignore = read('.dockerignore');
if (ignore === null) {
  bad('.dockerignore exists');
} else {
  const lines = ignore.split(/\r?\n/).map((l) => l.trim().replace(/^\/|\/$/g, '')).filter((l) => l && !l.startsWith('#'));
  for (const p of ['node_modules', 'dist', '.git', '.env', '.data']) check(lines.includes(p), `.dockerignore excludes ${p}`);
  for (const p of ['package.json', 'package-lock.json']) check(!lines.includes(p), `.dockerignore keeps ${p}`);
}

console.log(`\nlint-deploy: ${failures === 0 ? 'OK' : 'FAILED'} (${failures} failed, ${warnings} warning${warnings === 1 ? '' : 's'})`);
process.exit(failures === 0 ? 0 : 1);
EOF

node_status=0
node "$cache_dir/lint-deploy.mjs" "$repo_root" || node_status=$?
if ((node_status != 0)); then status=1; fi
if ((status != 0)); then
  echo "lint-deploy: problems found" >&2
fi
exit "$status"
