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
#   deploy/kubernetes   kubectl-free. Every YAML document is validated against the Kubernetes
#                       OpenAPI schema of its apiVersion/kind with kubernetes-models@5.1.0 (a
#                       compiled JSON-schema validator per kind: `new Deployment(obj).validate()`;
#                       recent Kubernetes API, resource.k8s.io/v1 included), then type-checked
#                       against the same package's TypeScript interfaces (typescript@5.9.3) to
#                       report unknown/misspelt fields, which the JSON schemas let through. Then
#                       cross-references and policy: metadata names, no namespace; ConfigMap/Secret
#                       refs (envFrom, env valueFrom, volumes) exist; selectors match the pod
#                       template labels (Deployment, Service, PodDisruptionBudget) and the Service
#                       and PDB do not select the migration Job's pods; Service targetPort is a
#                       container port; probes GET /healthz (liveness, startup) and /readyz
#                       (readiness) on a container port; containerPort = PORT; HOST=0.0.0.0;
#                       images present and pinned; runAsNonRoot, runAsUser 1000 (the image's
#                       node user), readOnlyRootFilesystem with an emptyDir /tmp,
#                       allowPrivilegeEscalation false, capabilities drop ALL, seccomp
#                       RuntimeDefault, no service-account token; requests/limits set, valid
#                       quantities, requests <= limits; maxUnavailable 0; grace period > preStop +
#                       SHUTDOWN_TIMEOUT_MS; a Job runs dist/src/cli/migrate.js with the
#                       Deployment's image and envFrom, and MIGRATIONS_RUN is "false"; PDB
#                       minAvailable below the fewest replicas; HPA targets the Deployment, min <=
#                       max, CPU requests present; Ingress backend/port exist, TLS covers the hosts,
#                       host = PUBLIC_URL's; no secret-looking keys in a ConfigMap; the example
#                       Secret holds only marked placeholders; kustomization.yaml lists every
#                       non-example manifest. Keys the server does not read are warnings. The
#                       settings the Deployment gets (and render.yaml's) also go through the
#                       server's own validator (dist/src/config/environment.js, with stand-ins for
#                       secrets); skipped when dist/ is missing or older than the source.
#   render.yaml         parsed and checked against the Blueprint spec's field lists (no JSON schema
#                       is published on npm): known keys for the root, services, databases and
#                       envVars; service type/runtime/plan; one source per env var; fromDatabase
#                       names a database here; no hard-coded secrets; the web service uses the
#                       Dockerfile, healthCheckPath /readyz, preDeployCommand runs
#                       dist/src/cli/migrate.js (not on the free plan) with MIGRATIONS_RUN "false",
#                       and sets NODE_ENV/HOST/PORT, DATABASE_URL from the database's
#                       connectionString, a generated KEY_ENCRYPTION_SECRET and prompted
#                       (sync: false) PUBLIC_URL and GitHub app.
#
# The npm packages (pinned below) go to a cache dir (LINT_DEPLOY_CACHE, default
# $TMPDIR/secure-mcp-lint-deploy) with `npm install --no-save --prefix`, reinstalled only when a
# pinned version changes; nothing is added to package.json.
# Exit status: 0 when every check passed (warnings allowed), 1 when any failed, 2 on setup errors.
set -euo pipefail

readonly YAML_VERSION="2.9.1"
readonly DOCKERFILE_UTILS_VERSION="0.16.3"
# Kubernetes schemas and types. kubernetes-models' own @kubernetes-models/* dependencies are pinned
# too (installed side by side, they satisfy its ranges), as is the JSON-schema runtime under them.
readonly KUBERNETES_MODELS_VERSION="5.1.0"
readonly KUBERNETES_MODELS_BASE_VERSION="6.0.1"
readonly KUBERNETES_MODELS_VALIDATE_VERSION="5.0.2"
readonly KUBERNETES_MODELS_APIMACHINERY_VERSION="3.0.2"
readonly AJV_VERSION="8.20.0"
readonly AJV_FORMATS_VERSION="3.0.1"
readonly TYPESCRIPT_VERSION="5.9.3"
readonly PACKAGES=(
  "yaml@$YAML_VERSION"
  "dockerfile-utils@$DOCKERFILE_UTILS_VERSION"
  "kubernetes-models@$KUBERNETES_MODELS_VERSION"
  "@kubernetes-models/base@$KUBERNETES_MODELS_BASE_VERSION"
  "@kubernetes-models/validate@$KUBERNETES_MODELS_VALIDATE_VERSION"
  "@kubernetes-models/apimachinery@$KUBERNETES_MODELS_APIMACHINERY_VERSION"
  "ajv@$AJV_VERSION"
  "ajv-formats@$AJV_FORMATS_VERSION"
  "typescript@$TYPESCRIPT_VERSION"
)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${LINT_DEPLOY_CACHE:-${TMPDIR:-/tmp}/secure-mcp-lint-deploy}"
mkdir -p "$cache_dir"

installed_version() {
  node -p "require('$cache_dir/node_modules/$1/package.json').version" 2>/dev/null || true
}
need_install=0
for spec in "${PACKAGES[@]}"; do
  # name@version, where a scoped name starts with @
  if [[ "$(installed_version "${spec%@*}")" != "${spec##*@}" ]]; then need_install=1; break; fi
done
if ((need_install)); then
  echo "lint-deploy: installing ${PACKAGES[*]} into $cache_dir"
  # kubernetes-models@5 declares engines node >= 22; its compiled validators run on Node 20 as well.
  if ! npm install --no-save --no-audit --no-fund --no-update-notifier --loglevel=error --engine-strict=false \
      --prefix "$cache_dir" "${PACKAGES[@]}" >"$cache_dir/npm.log" 2>&1; then
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
import { readFileSync, existsSync, readdirSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument, parseAllDocuments, isMap } from 'yaml';
import { validate as validateDockerfile } from 'dockerfile-utils';

const root = process.argv[2];
const cacheDir = dirname(fileURLToPath(import.meta.url));
/** What the manifests are checked against: the final stage's USER, PORT and HOST. */
const dockerfileFacts = { user: null, port: null, host: null };
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
    Object.assign(dockerfileFacts, { user: lastUser ?? null, port: port ?? null, host: /\bHOST[= ]([^\s]+)/.exec(envText)?.[1] ?? null });
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

// ------------------------------------------------------------------ shared by the manifest checks
console.log('== deploy/kubernetes (schemas: kubernetes-models; unknown fields: TypeScript)');
/** Environment variable names the server reads (src/config/environment.ts). */
const envSource = read('src/config/environment.ts') ?? '';
const appReads = (key) => new RegExp(`\\b${key}\\b`).test(envSource);
const SECRET_KEY = /SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL|DATABASE_URL/;
const REQUIRED_IN_PRODUCTION = ['NODE_ENV', 'PUBLIC_URL', 'DATABASE_URL', 'KEY_ENCRYPTION_SECRET', 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'];
const MIGRATE_CLI = { dist: 'dist/src/cli/migrate.js', src: 'src/cli/migrate.ts' };
/** "a.b[0].c" from a JSON path array or an RFC 6901 pointer. */
const fmtPath = (p) => (typeof p === 'string' ? p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')) : p)
  .reduce((acc, s) => (/^\d+$/.test(String(s)) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : String(s)), '') || '(root)';
/** Kubernetes resource quantity -> number (cores or bytes), NaN when malformed (then never "greater"). */
function quantity(q) {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(q ?? ''));
  if (!m) return NaN;
  const mult = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}
/** Does a LabelSelector select these labels? */
function selects(selector, labels = {}) {
  const sel = asObject(selector);
  if (!sel) return false;
  const ml = asObject(sel.matchLabels) ?? {};
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  if (!Object.keys(ml).length && !exprs.length) return true; // empty selector selects everything
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  return exprs.every(({ key, operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    if (operator === 'In') return has && values.includes(labels[key]);
    if (operator === 'NotIn') return !has || !values.includes(labels[key]);
    if (operator === 'Exists') return has;
    if (operator === 'DoesNotExist') return !has;
    return false;
  });
}
/**
 * The server's own validator (dist/src/config/environment.js, built by `npm run build`) run on the
 * settings a manifest gives it, with valid stand-ins for the values kept out of the files (secrets,
 * prompted values). Skipped when dist is missing or older than src/config/environment.ts.
 */
const STAND_IN = {
  DATABASE_URL: 'postgres://user:password@db.internal:5432/mcp', KEY_ENCRYPTION_SECRET: 'x'.repeat(44),
  GITHUB_CLIENT_ID: 'stand-in', GITHUB_CLIENT_SECRET: 'stand-in', METRICS_TOKEN: 'x'.repeat(32), PUBLIC_URL: 'https://mcp.example.com',
};
let validateEnvironment = null;
{
  const built = join(root, 'dist/src/config/environment.js');
  const source = join(root, 'src/config/environment.ts');
  if (!existsSync(built)) console.log('  skip  server settings validator: dist/ not built (npm run build)');
  else if (existsSync(source) && statSync(built).mtimeMs < statSync(source).mtimeMs) console.log('  skip  server settings validator: dist/ older than src/config/environment.ts (npm run build)');
  else {
    try { ({ validateEnvironment } = await import(pathToFileURL(built).href)); } catch (e) { warn(`server settings validator not loadable: ${e.message}`); }
  }
}
function serverAccepts(where, env) {
  if (typeof validateEnvironment !== 'function') return;
  try {
    validateEnvironment(env);
    ok(`${where}: settings accepted by the server's own validator`);
  } catch (e) {
    for (const p of Array.isArray(e?.problems) ? e.problems : [e?.message ?? String(e)]) bad(`${where}: server rejects: ${p}`);
  }
}
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^(?=.{1,63}$)[a-z]([-a-z0-9]*[a-z0-9])?$/;

// ------------------------------------------------------------------ deploy/kubernetes
const k8sRel = 'deploy/kubernetes';
const k8sDir = join(root, k8sRel);
/** { file, index, obj, where } for every non-empty YAML document */
const k8sDocs = [];
const k8sFiles = existsSync(k8sDir) ? readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
if (!k8sFiles.length) bad(`${k8sRel}/ has manifests`);
for (const file of k8sFiles) {
  const docsInFile = parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'), { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docsInFile) ? docsInFile : [];
  let parsed = 0;
  list.forEach((doc, index) => {
    for (const w of doc.warnings) warn(`${file}: YAML: ${w.message}`);
    if (doc.errors.length) { for (const e of doc.errors) bad(`${file}: YAML: ${e.message}`); return; }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) return;
    if (!asObject(obj)) { bad(`${file} document ${index + 1}: top level is a mapping`); return; }
    const name = asObject(obj.metadata)?.name;
    const where = `${file}${list.length > 1 ? `#${index + 1}` : ''} ${obj.kind ?? '?'}${name ? `/${name}` : ''}`;
    k8sDocs.push({ file, index, obj, where });
    parsed++;
  });
  if (parsed === 0 && list.every((d) => !d.errors.length)) bad(`${file}: contains a manifest`);
}
check(k8sDocs.length > 0 && k8sFiles.length > 0, `${k8sFiles.length} file(s) parse as YAML (${k8sDocs.length} document(s))`);

// Schema validation, one model per apiVersion/kind (kubernetes-models/<apiVersion>/<Kind>).
const schemaChecked = [];
const kustomizations = [];
for (const d of k8sDocs) {
  const { apiVersion, kind } = d.obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') { bad(`${d.where}: has apiVersion and kind`); continue; }
  if (kind === 'Kustomization') {
    check(/^kustomize\.config\.k8s\.io\/v1(beta1)?$/.test(apiVersion), `${d.where}: apiVersion ${apiVersion}`);
    kustomizations.push(d);
    continue;
  }
  let Model = null;
  if (/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    try { Model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind] ?? null; } catch { Model = null; }
  }
  if (!Model) { bad(`${d.where}: no Kubernetes schema for apiVersion ${apiVersion}, kind ${kind}`); continue; }
  try {
    new Model(d.obj).validate();
    ok(`${d.where}: ${apiVersion} ${kind} schema`);
  } catch (e) {
    const errs = Array.isArray(e?.errors) && e.errors.length ? e.errors : [{ instancePath: '', message: e?.message ?? String(e) }];
    // One line per field: a oneOf/anyOf (int-or-string, quantity) reports its branches' type errors
    // too; keep the telling ones (format) or fold the types into "must be string or integer".
    const byPath = new Map();
    for (const err of errs) byPath.set(err.instancePath ?? '', [...(byPath.get(err.instancePath ?? '') ?? []), err]);
    for (const [path, group] of byPath) {
      let shown = group;
      if (group.some((x) => x.keyword === 'oneOf' || x.keyword === 'anyOf')) {
        const rest = group.filter((x) => !['type', 'oneOf', 'anyOf'].includes(x.keyword));
        const types = [...new Set(group.filter((x) => x.keyword === 'type').map((x) => x.params?.type))];
        shown = rest.length ? rest : [{ message: types.length ? `must be ${types.join(' or ')}` : group[0].message }];
      }
      const lines = new Set(shown.map((x) => `${d.where}: schema: ${fmtPath(path)} ${x.message ?? x.keyword}${x.params?.allowedValues ? ` (${x.params.allowedValues.join(', ')})` : ''}`));
      for (const line of lines) bad(line);
    }
  }
  schemaChecked.push({ d, apiVersion, kind });
}

// Unknown fields: the JSON schemas accept any extra property, so a misspelt field such as
// readOnlyRootFileSystem passes them (kubectl apply would refuse it with strict field validation,
// or drop it silently without). Type-check every manifest against the package's TypeScript
// interfaces instead: excess-property errors name each field that does not exist.
if (schemaChecked.length) {
  const { default: ts } = await import('typescript');
  const out = ['// generated by scripts/lint-deploy.sh'];
  const lineInfo = [null];
  const imports = new Map();
  schemaChecked.forEach(({ apiVersion, kind }) => imports.set(`${apiVersion}/${kind}`, kind));
  let n = 0;
  for (const [mod, kind] of imports) {
    out.push(`import type { I${kind} as T${n++} } from 'kubernetes-models/${mod}';`);
    lineInfo.push(null);
  }
  const typeOf = new Map([...imports.keys()].map((k, i) => [k, `T${i}`]));
  const render = (value, path, ind, prefix, suffix, d) => {
    const push = (text) => { out.push(ind + text); lineInfo.push({ d, path }); };
    if (Array.isArray(value)) {
      if (!value.length) return push(`${prefix}[]${suffix}`);
      push(`${prefix}[`);
      value.forEach((v, i) => render(v, [...path, i], `${ind}  `, '', i < value.length - 1 ? ',' : '', d));
      out.push(`${ind}]${suffix}`); lineInfo.push({ d, path });
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      if (!keys.length) return push(`${prefix}{}${suffix}`);
      push(`${prefix}{`);
      keys.forEach((k, i) => render(value[k], [...path, k], `${ind}  `, `${JSON.stringify(k)}: `, i < keys.length - 1 ? ',' : '', d));
      out.push(`${ind}}${suffix}`); lineInfo.push({ d, path });
    } else {
      push(`${prefix}${JSON.stringify(value ?? null)}${suffix}`);
    }
  };
  schemaChecked.forEach(({ d, apiVersion, kind }, i) => render(d.obj, [], '', `export const m${i}: ${typeOf.get(`${apiVersion}/${kind}`)} = `, ';', d));
  const tsDir = join(cacheDir, 'manifest-types');
  mkdirSync(tsDir, { recursive: true });
  const tsFile = join(tsDir, 'manifests.mts');
  writeFileSync(tsFile, `${out.join('\n')}\n`);
  const program = ts.createProgram([tsFile], {
    noEmit: true, strict: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const diags = ts.getPreEmitDiagnostics(program).filter((x) => x.file?.fileName === tsFile || !x.file);
  const broken = diags.filter((x) => x.code === 2307 || !x.file);
  for (const x of broken) bad(`TypeScript setup: ${ts.flattenDiagnosticMessageText(x.messageText, ' ')}`);
  const unknown = new Map();
  for (const x of diags) {
    if (x.code !== 2353 && x.code !== 2561) continue; // excess property (2561: "did you mean")
    const { line } = x.file.getLineAndCharacterOfPosition(x.start);
    const info = lineInfo[line];
    const text = ts.flattenDiagnosticMessageText(x.messageText, ' ');
    const hint = /Did you mean to write '([^']+)'/.exec(text)?.[1];
    const type = /does not exist in type '([^']+)'/.exec(text)?.[1];
    const msg = `${info?.d.where ?? 'manifest'}: unknown field ${fmtPath(info?.path ?? [])}${type ? ` (not in ${type.replace(/^I/, '')})` : ''}${hint ? `; did you mean ${hint}?` : ''}`;
    unknown.set(msg, true);
  }
  for (const msg of unknown.keys()) bad(msg);
  if (!unknown.size && !broken.length) ok(`no unknown fields in ${schemaChecked.length} manifest(s)`);
}

// ---- resource-level rules
const byKind = (kind) => k8sDocs.filter((d) => d.obj.kind === kind);
const names = new Map(); // kind/name -> where
for (const d of k8sDocs) {
  if (d.obj.kind === 'Kustomization') continue;
  const meta = asObject(d.obj.metadata) ?? {};
  const name = meta.name;
  if (typeof name !== 'string' || !DNS1123_SUBDOMAIN.test(name)) { bad(`${d.where}: metadata.name is a DNS-1123 name`); continue; }
  if (d.obj.kind === 'Service' && !DNS1035_LABEL.test(name)) bad(`${d.where}: Service name is a DNS-1035 label (<= 63 chars, starts with a letter)`);
  if (meta.namespace !== undefined) bad(`${d.where}: no metadata.namespace (manifests are namespace-less; pick one when applying)`);
  const id = `${d.obj.kind}/${name}`;
  if (names.has(id)) bad(`${d.where}: ${id} is defined twice (also in ${names.get(id)})`);
  names.set(id, d.where);
}
if (k8sDocs.length && k8sDocs.every((d) => asObject(d.obj.metadata)?.namespace === undefined)) ok('no manifest sets metadata.namespace');

const configMaps = new Map(byKind('ConfigMap').map((d) => [d.obj.metadata?.name, d]));
const secrets = new Map(byKind('Secret').map((d) => [d.obj.metadata?.name, d]));
const cmKeys = (name) => Object.keys({ ...(asObject(configMaps.get(name)?.obj.data) ?? {}), ...(asObject(configMaps.get(name)?.obj.binaryData) ?? {}) });
const secretKeys = (name) => Object.keys({ ...(asObject(secrets.get(name)?.obj.data) ?? {}), ...(asObject(secrets.get(name)?.obj.stringData) ?? {}) });

/** Pod-template workloads: Deployments and Jobs (and any other kind with spec.template.spec). */
const workloads = k8sDocs.filter((d) => asObject(asObject(asObject(d.obj.spec)?.template)?.spec));
const deployments = byKind('Deployment');
const jobs = byKind('Job');
check(deployments.length === 1, 'one Deployment', `${deployments.length}`);
check(jobs.length >= 1, 'a migration Job', `${jobs.length} Job(s)`);

/** Environment a container gets from envFrom/env, as far as the manifests tell (values from ConfigMaps only). */
function containerEnv(c) {
  const env = new Map();
  for (const src of c.envFrom ?? []) {
    const prefix = src.prefix ?? '';
    if (src.configMapRef?.name) for (const k of cmKeys(src.configMapRef.name)) env.set(prefix + k, { from: 'configmap', value: configMaps.get(src.configMapRef.name)?.obj.data?.[k] });
    if (src.secretRef?.name) for (const k of secretKeys(src.secretRef.name)) env.set(prefix + k, { from: 'secret' });
  }
  for (const e of c.env ?? []) env.set(e.name, 'value' in e ? { from: 'value', value: e.value } : { from: e.valueFrom?.secretKeyRef ? 'secret' : 'ref' });
  return env;
}
const shutdownMs = (env) => Number(env.get('SHUTDOWN_TIMEOUT_MS')?.value ?? 10000);
function preStopSeconds(c) {
  const ps = c.lifecycle?.preStop;
  if (!ps) return 0;
  if (ps.sleep?.seconds !== undefined) return Number(ps.sleep.seconds);
  const cmd = (ps.exec?.command ?? []).join(' ');
  const ms = /setTimeout\([^,]*,\s*(\d+)\s*\)/.exec(cmd)?.[1];
  if (ms) return Number(ms) / 1000;
  const s = /\bsleep\s+(\d+)/.exec(cmd)?.[1];
  return s ? Number(s) : 0;
}
function portResolves(c, port) {
  return (c.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port || String(p.containerPort) === port));
}

for (const d of workloads) {
  const tmpl = d.obj.spec.template;
  const pod = tmpl.spec;
  const labels = asObject(tmpl.metadata?.labels) ?? {};
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const psc = asObject(pod.securityContext) ?? {};
  check(pod.automountServiceAccountToken === false, `${d.where}: automountServiceAccountToken: false (the server never calls the Kubernetes API)`);
  for (const v of volumes.values()) {
    if (v.configMap?.name && !v.configMap.optional) check(configMaps.has(v.configMap.name), `${d.where}: volume ${v.name}: ConfigMap ${v.configMap.name} is defined`);
    if (v.secret?.secretName && !v.secret.optional) check(secrets.has(v.secret.secretName), `${d.where}: volume ${v.name}: Secret ${v.secret.secretName} is defined`);
  }
  for (const c of containers) {
    const cw = `${d.where} container ${c.name}`;
    if (typeof c.image !== 'string' || !c.image.trim()) bad(`${cw}: has an image`);
    else imagePinned(c.image, cw);
    // references
    for (const src of c.envFrom ?? []) {
      if (src.configMapRef && !src.configMapRef.optional) check(configMaps.has(src.configMapRef.name), `${cw}: envFrom ConfigMap ${src.configMapRef.name} is defined`);
      if (src.secretRef && !src.secretRef.optional) check(secrets.has(src.secretRef.name), `${cw}: envFrom Secret ${src.secretRef.name} is defined`);
    }
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      const sk = e.valueFrom?.secretKeyRef;
      if (cm && !cm.optional) check(cmKeys(cm.name).includes(cm.key), `${cw}: env ${e.name} from ConfigMap ${cm.name} key ${cm.key} exists`);
      if (sk && !sk.optional) check(secretKeys(sk.name).includes(sk.key), `${cw}: env ${e.name} from Secret ${sk.name} key ${sk.key} exists`);
    }
    for (const m of c.volumeMounts ?? []) check(volumes.has(m.name), `${cw}: volumeMount ${m.mountPath} uses a defined volume (${m.name})`);
    const env = containerEnv(c);
    const missing = REQUIRED_IN_PRODUCTION.filter((k) => !env.has(k));
    check(missing.length === 0, `${cw}: gets ${REQUIRED_IN_PRODUCTION.join(', ')}`, `missing ${missing.join(', ')}`);
    if (env.has('NODE_ENV')) check(env.get('NODE_ENV').value === undefined || env.get('NODE_ENV').value === 'production', `${cw}: NODE_ENV=production`);
    // hardening (container settings win over the pod's)
    const sc = asObject(c.securityContext) ?? {};
    const eff = (k) => (sc[k] !== undefined ? sc[k] : psc[k]);
    check(eff('runAsNonRoot') === true, `${cw}: runAsNonRoot: true`);
    check(Number.isInteger(eff('runAsUser')) && eff('runAsUser') > 0, `${cw}: runAsUser is a non-root uid`, `got ${eff('runAsUser')}`);
    if (dockerfileFacts.user === 'node' && Number.isInteger(eff('runAsUser'))) check(eff('runAsUser') === 1000, `${cw}: runAsUser 1000 is the image's node user`, `got ${eff('runAsUser')}`);
    check(sc.readOnlyRootFilesystem === true, `${cw}: readOnlyRootFilesystem: true`);
    check(sc.allowPrivilegeEscalation === false, `${cw}: allowPrivilegeEscalation: false`);
    check(sc.privileged !== true, `${cw}: not privileged`);
    check((sc.capabilities?.drop ?? []).includes('ALL') && !(sc.capabilities?.add ?? []).length, `${cw}: capabilities drop ALL, add none`);
    const seccomp = (sc.seccompProfile ?? psc.seccompProfile)?.type;
    check(seccomp === 'RuntimeDefault' || seccomp === 'Localhost', `${cw}: seccompProfile RuntimeDefault`, `got ${seccomp ?? 'none'}`);
    if (sc.readOnlyRootFilesystem === true) {
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      check(tmp && volumes.get(tmp.name)?.emptyDir !== undefined, `${cw}: writable /tmp from an emptyDir (read-only root file system)`);
    }
    // resources
    const req = asObject(c.resources?.requests) ?? {};
    const lim = asObject(c.resources?.limits) ?? {};
    for (const r of ['cpu', 'memory']) {
      check(req[r] !== undefined, `${cw}: resources.requests.${r} set`);
      check(lim[r] !== undefined, `${cw}: resources.limits.${r} set`);
      // (the schema checks the quantity syntax; the API server also rejects requests above limits)
      if (req[r] !== undefined && lim[r] !== undefined && quantity(req[r]) > quantity(lim[r])) bad(`${cw}: resources.requests.${r} (${req[r]}) exceeds limits.${r} (${lim[r]})`);
    }
  }
  // selector <-> template (a Job generates its own selector unless manualSelector is set)
  if (d.obj.kind === 'Job' && d.obj.spec.manualSelector !== true) {
    check(d.obj.spec.selector === undefined, `${d.where}: no spec.selector without manualSelector`);
  } else {
    check(selects(d.obj.spec.selector, labels) && Object.keys(asObject(d.obj.spec.selector?.matchLabels) ?? {}).length > 0,
      `${d.where}: spec.selector matches the pod template labels`, `selector ${JSON.stringify(d.obj.spec.selector)} vs labels ${JSON.stringify(labels)}`);
  }
}

let deployment = deployments[0]?.obj;
let appContainer = null;
let appEnv = new Map();
if (deployment?.spec?.template?.spec) {
  const dw = deployments[0].where;
  const pod = deployment.spec.template.spec;
  appContainer = (pod.containers ?? [])[0] ?? null;
  appEnv = appContainer ? containerEnv(appContainer) : new Map();
  check((deployment.spec.replicas ?? 1) >= 2, `${dw}: at least 2 replicas`, `replicas ${deployment.spec.replicas ?? 1}`);
  const ru = deployment.spec.strategy?.rollingUpdate;
  check((deployment.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && (ru?.maxUnavailable === 0 || ru?.maxUnavailable === '0%'), `${dw}: rolling update with maxUnavailable 0`);
  if (appContainer) {
    const cw = `${dw} container ${appContainer.name}`;
    const probe = (kind, paths) => {
      const p = appContainer[kind];
      if (!p) { bad(`${cw}: has a ${kind}`); return; }
      const hg = p.httpGet;
      check(hg && paths.includes(hg.path), `${cw}: ${kind} GET ${paths.join(' or ')}`, `got ${hg ? `GET ${hg.path}` : Object.keys(p).join(', ')}`);
      if (hg) check(portResolves(appContainer, hg.port), `${cw}: ${kind} port ${hg.port} is a container port`);
    };
    probe('livenessProbe', ['/healthz']);
    probe('readinessProbe', ['/readyz']);
    probe('startupProbe', ['/healthz', '/readyz']);
    const port = appEnv.get('PORT')?.value ?? dockerfileFacts.port;
    if (port !== undefined) check((appContainer.ports ?? []).some((p) => String(p.containerPort) === String(port)), `${cw}: a containerPort equals PORT (${port})`, `ports ${(appContainer.ports ?? []).map((p) => p.containerPort).join(', ')}`);
    const host = appEnv.get('HOST')?.value;
    check(host === undefined ? dockerfileFacts.host === '0.0.0.0' : host === '0.0.0.0', `${cw}: HOST=0.0.0.0 (reachable from the Service)`, `got ${host}`);
    const stopS = preStopSeconds(appContainer);
    check(stopS > 0, `${cw}: preStop delay lets endpoints drain before SIGTERM`);
    const cmd = appContainer.lifecycle?.preStop?.exec?.command ?? [];
    if (cmd.length && /^(\/bin\/)?(ba)?sh$|^(\/bin\/)?sleep$/.test(cmd[0])) warn(`${cw}: preStop runs ${cmd[0]}; a distroless image has only node (node -e "setTimeout(()=>{},5000)")`);
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    check(grace > stopS + shutdownMs(appEnv) / 1000, `${dw}: terminationGracePeriodSeconds (${grace}) > preStop (${stopS}s) + SHUTDOWN_TIMEOUT_MS (${shutdownMs(appEnv) / 1000}s)`);
    if (appContainer.command || appContainer.args) warn(`${cw}: overrides the image's CMD`);
    serverAccepts(cw, Object.fromEntries([...appEnv].map(([k, v]) => [k, v.value !== undefined ? String(v.value) : (STAND_IN[k] ?? 'stand-in')])));
  }
  const migrationJobs = jobs.filter((j) => (j.obj.spec?.template?.spec?.containers ?? []).some((c) => [...(c.command ?? []), ...(c.args ?? [])].join(' ').includes(MIGRATE_CLI.dist)));
  check(migrationJobs.length > 0, `a Job runs ${MIGRATE_CLI.dist}`);
  if (migrationJobs.length) {
    check(appEnv.get('MIGRATIONS_RUN')?.value === 'false', `${dw}: MIGRATIONS_RUN "false" (the Job migrates)`, `got ${appEnv.get('MIGRATIONS_RUN')?.value}`);
  }
  for (const j of migrationJobs) {
    const js = j.obj.spec;
    const pod2 = js.template.spec;
    check(['Never', 'OnFailure'].includes(pod2.restartPolicy), `${j.where}: restartPolicy Never or OnFailure`, `got ${pod2.restartPolicy}`);
    check(Number.isInteger(js.backoffLimit) && js.backoffLimit > 0, `${j.where}: backoffLimit set`);
    check(existsSync(join(root, MIGRATE_CLI.src)), `${j.where}: ${MIGRATE_CLI.dist} is built from ${MIGRATE_CLI.src}, which exists`);
    const jc = (pod2.containers ?? []).find((c) => [...(c.command ?? []), ...(c.args ?? [])].join(' ').includes(MIGRATE_CLI.dist));
    if (appContainer && jc) {
      check(jc.image === appContainer.image, `${j.where}: same image as the Deployment (${appContainer.image})`, `got ${jc.image}`);
      const refs = (c) => JSON.stringify((c.envFrom ?? []).map((s) => [s.configMapRef?.name, s.secretRef?.name, s.prefix ?? '']));
      check(refs(jc) === refs(appContainer), `${j.where}: same envFrom as the Deployment`);
    }
    const jl = asObject(js.template.metadata?.labels) ?? {};
    for (const s of byKind('Service')) if (asObject(s.obj.spec?.selector) && Object.keys(s.obj.spec.selector).length) check(!selects({ matchLabels: s.obj.spec.selector }, jl), `${j.where}: pods are not selected by Service ${s.obj.metadata?.name}`);
    for (const p of byKind('PodDisruptionBudget')) check(!selects(p.obj.spec?.selector, jl), `${j.where}: pods are not counted by PodDisruptionBudget ${p.obj.metadata?.name}`);
  }
}
const podLabels = deployment?.spec?.template?.metadata?.labels ?? {};

// ConfigMaps and Secrets
for (const d of byKind('ConfigMap')) {
  const data = asObject(d.obj.data) ?? {};
  const leaked = Object.keys(data).filter((k) => SECRET_KEY.test(k) && String(data[k]).length > 0);
  check(leaked.length === 0, `${d.where}: no secrets in a ConfigMap`, `move ${leaked.join(', ')} to the Secret`);
  if ('PUBLIC_URL' in data) check(/^https:\/\/[^/?#]+(\/[^?#]*[^/?#])?$/.test(String(data.PUBLIC_URL)), `${d.where}: PUBLIC_URL is an https URL without a trailing slash`, `got ${data.PUBLIC_URL}`);
  if ('MIGRATIONS_RUN' in data) check(['true', 'false'].includes(String(data.MIGRATIONS_RUN)), `${d.where}: MIGRATIONS_RUN is true or false`);
  for (const k of Object.keys(data)) if (!appReads(k)) warn(`${d.where}: ${k} is not read by the server yet (src/config/environment.ts)`);
}
for (const d of byKind('Secret')) {
  const sd = asObject(d.obj.stringData) ?? {};
  const keys = secretKeys(d.obj.metadata?.name);
  if (d.file.includes('.example.')) {
    check(Object.keys(asObject(d.obj.data) ?? {}).length === 0 && Object.keys(sd).length > 0, `${d.where}: example uses stringData only`);
    const real = Object.entries(sd).filter(([, v]) => !/CHANGE-?ME|REPLACE|PLACEHOLDER|EXAMPLE/i.test(String(v)));
    check(real.length === 0, `${d.where}: every example value is a marked placeholder (CHANGE-ME)`, `not marked: ${real.map(([k]) => k).join(', ')}`);
    const kes = sd.KEY_ENCRYPTION_SECRET;
    if (kes !== undefined) check(String(kes).length < 32, `${d.where}: placeholder KEY_ENCRYPTION_SECRET is too short for the server to accept (< 32 chars), so it cannot go live by mistake`);
  }
  for (const k of keys) if (!appReads(k)) warn(`${d.where}: ${k} is not read by the server yet (src/config/environment.ts)`);
  const both = keys.filter((k) => [...configMaps.keys()].some((cm) => cmKeys(cm).includes(k)));
  if (both.length) warn(`${d.where}: ${both.join(', ')} also set in a ConfigMap`);
}

// Services
const services = byKind('Service');
check(services.length >= 1, 'a Service');
for (const s of services) {
  const spec = asObject(s.obj.spec) ?? {};
  const sel = asObject(spec.selector) ?? {};
  check((spec.type ?? 'ClusterIP') === 'ClusterIP', `${s.where}: type ClusterIP (exposed through an Ingress)`, `got ${spec.type}`);
  const targets = deployments.filter((dp) => Object.keys(sel).length && selects({ matchLabels: sel }, dp.obj.spec?.template?.metadata?.labels ?? {}));
  check(targets.length > 0, `${s.where}: selector matches the Deployment's pod labels`, `selector ${JSON.stringify(sel)} vs ${JSON.stringify(podLabels)}`);
  for (const p of spec.ports ?? []) {
    const tp = p.targetPort ?? p.port;
    for (const dp of targets) {
      const cs = dp.obj.spec.template.spec.containers ?? [];
      const hit = cs.find((c) => portResolves(c, tp));
      const port = hit && (hit.ports ?? []).find((cp) => (typeof tp === 'number' ? cp.containerPort === tp : cp.name === tp || String(cp.containerPort) === tp));
      check(!!hit, `${s.where}: port ${p.port} -> targetPort ${tp} is a container port of ${dp.where}${port ? ` (${port.containerPort})` : ''}`);
    }
  }
}

// PodDisruptionBudgets
for (const p of byKind('PodDisruptionBudget')) {
  const spec = asObject(p.obj.spec) ?? {};
  check(selects(spec.selector, podLabels) && Object.keys(asObject(spec.selector) ?? {}).length > 0, `${p.where}: selector matches the Deployment's pod labels`);
  const ints = [deployment?.spec?.replicas ?? 1, ...byKind('HorizontalPodAutoscaler').map((h) => h.obj.spec?.minReplicas ?? 1)].filter(Number.isInteger);
  const minPods = ints.length ? Math.min(...ints) : 1;
  if (Number.isInteger(spec.minAvailable)) check(spec.minAvailable < minPods, `${p.where}: minAvailable ${spec.minAvailable} < the fewest replicas (${minPods}), so drains can proceed`);
  if (spec.maxUnavailable !== undefined) check(spec.maxUnavailable !== 0 && spec.maxUnavailable !== '0%', `${p.where}: maxUnavailable is not 0 (that blocks every drain)`);
}

// HorizontalPodAutoscalers
for (const h of byKind('HorizontalPodAutoscaler')) {
  const spec = asObject(h.obj.spec) ?? {};
  const ref = asObject(spec.scaleTargetRef) ?? {};
  const target = k8sDocs.find((d) => d.obj.kind === ref.kind && d.obj.metadata?.name === ref.name && (!ref.apiVersion || d.obj.apiVersion === ref.apiVersion));
  check(!!target, `${h.where}: scaleTargetRef ${ref.apiVersion ?? ''} ${ref.kind}/${ref.name} is defined`);
  check((spec.minReplicas ?? 1) <= spec.maxReplicas, `${h.where}: minReplicas (${spec.minReplicas ?? 1}) <= maxReplicas (${spec.maxReplicas})`);
  check((spec.minReplicas ?? 1) >= 2, `${h.where}: minReplicas >= 2`);
  if (Number.isInteger(target?.obj.spec?.replicas) && spec.minReplicas !== undefined) {
    check(target.obj.spec.replicas >= spec.minReplicas && target.obj.spec.replicas <= spec.maxReplicas, `${h.where}: the Deployment's replicas (${target.obj.spec.replicas}) lie within ${spec.minReplicas}-${spec.maxReplicas}`);
  }
  for (const m of spec.metrics ?? []) {
    if (m.type === 'Resource' && m.resource?.target?.type === 'Utilization' && target) {
      const r = m.resource.name;
      const cs = target.obj.spec?.template?.spec?.containers ?? [];
      check(cs.every((c) => c.resources?.requests?.[r] !== undefined), `${h.where}: ${r} utilization target has ${r} requests on every container`);
    }
  }
}

// Ingresses
const publicUrl = appEnv.get('PUBLIC_URL')?.value;
for (const ing of byKind('Ingress')) {
  const spec = asObject(ing.obj.spec) ?? {};
  const hosts = new Set();
  for (const rule of spec.rules ?? []) {
    if (rule.host) hosts.add(rule.host);
    for (const p of rule.http?.paths ?? []) {
      const svc = p.backend?.service;
      if (!svc) continue;
      const s = services.find((x) => x.obj.metadata?.name === svc.name);
      check(!!s, `${ing.where}: backend Service ${svc.name} is defined`);
      if (s) check((s.obj.spec?.ports ?? []).some((sp) => (svc.port?.name !== undefined ? sp.name === svc.port.name : sp.port === svc.port?.number)), `${ing.where}: backend port ${svc.port?.name ?? svc.port?.number} is a port of Service ${svc.name}`);
    }
  }
  const tlsHosts = new Set((spec.tls ?? []).flatMap((t) => t.hosts ?? []));
  check([...hosts].every((h) => tlsHosts.has(h)) && hosts.size > 0, `${ing.where}: every host is covered by tls`);
  if (publicUrl) {
    let host = null;
    try { host = new URL(publicUrl).hostname; } catch { /* reported with the ConfigMap */ }
    check(host !== null && hosts.has(host), `${ing.where}: a rule's host matches PUBLIC_URL (${host})`, `hosts ${[...hosts].join(', ')}`);
  }
}

// Kustomization
check(kustomizations.length === 1, 'kustomization.yaml present', `${kustomizations.length}`);
for (const k of kustomizations) {
  const res = Array.isArray(k.obj.resources) ? k.obj.resources : [];
  check(Array.isArray(k.obj.resources) && res.every((r) => typeof r === 'string'), `${k.where}: resources is a list of paths`);
  for (const r of res) check(existsSync(join(k8sDir, String(r))), `${k.where}: resource ${r} exists`);
  for (const f of k8sFiles) {
    if (f === k.file) continue;
    if (res.includes(f)) continue;
    if (f.includes('.example.')) ok(`${k.where}: optional ${f} not listed`);
    else bad(`${k.where}: lists ${f}`);
  }
  if (k.obj.namespace !== undefined) warn(`${k.where}: sets namespace ${k.obj.namespace}`);
}

// ------------------------------------------------------------------ render.yaml
console.log('== render.yaml (Render Blueprint)');
const renderText = read('render.yaml');
if (renderText === null) {
  bad('render.yaml exists');
} else {
  const doc = parseDocument(renderText, { prettyErrors: true, uniqueKeys: true });
  for (const w of doc.warnings) warn(`YAML: ${w.message}`);
  if (doc.errors.length) {
    for (const e of doc.errors) bad(`YAML: ${e.message}`);
  } else if (!isMap(doc.contents)) {
    bad('render.yaml top level is a mapping');
  } else {
    ok('parses as YAML');
    const r = doc.toJS();
    const unknownKeys = (obj, allowed) => Object.keys(obj).filter((k) => !allowed.has(k));
    const TOP = new Set(['services', 'databases', 'envVarGroups', 'projects', 'ungrouped', 'previews', 'previewsEnabled', 'previewsExpireAfterDays']);
    const SERVICE = new Set(['type', 'name', 'runtime', 'env', 'plan', 'previewPlan', 'previews', 'pullRequestPreviewsEnabled', 'buildCommand', 'startCommand',
      'schedule', 'preDeployCommand', 'region', 'repo', 'branch', 'autoDeploy', 'autoDeployTrigger', 'domains', 'healthCheckPath', 'maxShutdownDelaySeconds',
      'dockerCommand', 'dockerfilePath', 'dockerContext', 'registryCredential', 'image', 'numInstances', 'scaling', 'buildFilter', 'rootDir', 'disk',
      'staticPublishPath', 'headers', 'routes', 'ipAllowList', 'maxmemoryPolicy', 'envVars', 'initialDeployHook']);
    const DATABASE = new Set(['name', 'plan', 'previewPlan', 'diskSizeGB', 'previewDiskSizeGB', 'region', 'ipAllowList', 'postgresMajorVersion', 'databaseName', 'user', 'readReplicas', 'highAvailability']);
    const ENVVAR = new Set(['key', 'value', 'generateValue', 'sync', 'fromDatabase', 'fromService', 'fromGroup', 'previewValue']);
    const TYPES = ['web', 'pserv', 'worker', 'cron', 'keyvalue', 'redis'];
    const RUNTIMES = ['node', 'python', 'elixir', 'go', 'ruby', 'rust', 'docker', 'image', 'static'];
    const REGIONS = ['oregon', 'ohio', 'virginia', 'frankfurt', 'singapore'];
    const SERVICE_PLANS = ['free', 'starter', 'standard', 'pro', 'pro plus', 'pro max', 'pro ultra'];
    const DB_PROPERTIES = ['connectionString', 'host', 'port', 'user', 'password', 'database'];
    const extra = unknownKeys(r, TOP);
    check(extra.length === 0, 'only known top-level keys', `unknown: ${extra.join(', ')}`);
    const servicesR = Array.isArray(r.services) ? r.services : [];
    const databasesR = Array.isArray(r.databases) ? r.databases : [];
    check(Array.isArray(r.services) && servicesR.length > 0, 'services is a non-empty list');
    if (r.databases !== undefined) check(Array.isArray(r.databases), 'databases is a list');
    const dbNames = new Set();
    databasesR.forEach((db, i) => {
      const o = asObject(db);
      const where = `databases[${i}]${o?.name ? ` ${o.name}` : ''}`;
      if (!o) { bad(`${where} is a mapping`); return; }
      const ex = unknownKeys(o, DATABASE);
      check(ex.length === 0, `${where}: only known fields`, `unknown: ${ex.join(', ')}`);
      check(typeof o.name === 'string' && o.name.length > 0, `${where}: has a name`);
      if (dbNames.has(o.name)) bad(`${where}: name is unique`);
      dbNames.add(o.name);
      if (o.postgresMajorVersion !== undefined) check(typeof o.postgresMajorVersion === 'string' && /^\d+$/.test(o.postgresMajorVersion), `${where}: postgresMajorVersion is a quoted string such as "16"`, `got ${JSON.stringify(o.postgresMajorVersion)}`);
      if (o.region !== undefined && !REGIONS.includes(o.region)) warn(`${where}: region ${o.region} is not one of ${REGIONS.join(', ')}`);
      if (o.plan !== undefined && !/^(free|basic-\d+(mb|gb)|pro-\d+gb|accelerated-\d+gb|starter|standard|pro|pro plus)$/.test(String(o.plan))) bad(`${where}: plan ${o.plan} is a Render Postgres instance type`);
      if (o.ipAllowList !== undefined) check(Array.isArray(o.ipAllowList) && o.ipAllowList.every((e) => typeof asObject(e)?.source === 'string'), `${where}: ipAllowList entries have a source`);
      if (o.diskSizeGB !== undefined) check(Number.isInteger(o.diskSizeGB) && (o.diskSizeGB === 1 || o.diskSizeGB % 5 === 0), `${where}: diskSizeGB is 1 or a multiple of 5`);
    });
    const svcNames = new Set();
    let webCount = 0;
    servicesR.forEach((svc, i) => {
      const o = asObject(svc);
      const where = `services[${i}]${o?.name ? ` ${o.name}` : ''}`;
      if (!o) { bad(`${where} is a mapping`); return; }
      const ex = unknownKeys(o, SERVICE);
      check(ex.length === 0, `${where}: only known fields`, `unknown: ${ex.join(', ')}`);
      check(typeof o.name === 'string' && o.name.length > 0, `${where}: has a name`);
      if (svcNames.has(o.name)) bad(`${where}: name is unique`);
      svcNames.add(o.name);
      check(TYPES.includes(o.type), `${where}: type is one of ${TYPES.join(', ')}`, `got ${o.type}`);
      const runtime = o.runtime ?? o.env;
      if (!['keyvalue', 'redis'].includes(o.type)) check(RUNTIMES.includes(runtime), `${where}: runtime is one of ${RUNTIMES.join(', ')}`, `got ${runtime}`);
      if (o.plan !== undefined) check(SERVICE_PLANS.includes(o.plan), `${where}: plan is one of ${SERVICE_PLANS.join(', ')}`, `got ${o.plan}`);
      if (o.region !== undefined && !REGIONS.includes(o.region)) warn(`${where}: region ${o.region} is not one of ${REGIONS.join(', ')}`);
      if (o.numInstances !== undefined) check(Number.isInteger(o.numInstances) && o.numInstances >= 1, `${where}: numInstances is a positive integer`);
      if (o.maxShutdownDelaySeconds !== undefined) check(Number.isInteger(o.maxShutdownDelaySeconds) && o.maxShutdownDelaySeconds >= 1 && o.maxShutdownDelaySeconds <= 300, `${where}: maxShutdownDelaySeconds within 1-300`);
      if (o.healthCheckPath !== undefined) check(typeof o.healthCheckPath === 'string' && o.healthCheckPath.startsWith('/'), `${where}: healthCheckPath is a path`);
      if (runtime === 'docker') {
        const df = o.dockerfilePath ?? './Dockerfile';
        check(existsSync(join(root, o.rootDir ?? '.', df)), `${where}: dockerfilePath ${df} exists`);
        if (o.dockerContext !== undefined) check(existsSync(join(root, o.rootDir ?? '.', o.dockerContext)), `${where}: dockerContext ${o.dockerContext} exists`);
        if (o.buildCommand !== undefined || o.startCommand !== undefined) warn(`${where}: buildCommand/startCommand are ignored for runtime docker (use dockerCommand)`);
      } else if (!['keyvalue', 'redis', 'image'].includes(o.type) && runtime !== 'image') {
        check(typeof o.buildCommand === 'string' && (runtime === 'static' || typeof o.startCommand === 'string'), `${where}: buildCommand and startCommand set (runtime ${runtime})`);
      }
      if (o.preDeployCommand !== undefined) {
        check(typeof o.preDeployCommand === 'string' && o.preDeployCommand.trim().length > 0, `${where}: preDeployCommand is a command`);
        if (o.plan === 'free') bad(`${where}: preDeployCommand needs a paid instance type (plan is free)`);
      }
      // envVars
      const envVars = o.envVars ?? [];
      check(Array.isArray(envVars), `${where}: envVars is a list`);
      const env = new Map();
      (Array.isArray(envVars) ? envVars : []).forEach((e, j) => {
        const ev = asObject(e);
        const ew = `${where} envVars[${j}]${ev?.key ? ` ${ev.key}` : ''}`;
        if (!ev) { bad(`${ew} is a mapping`); return; }
        const exk = unknownKeys(ev, ENVVAR);
        check(exk.length === 0, `${ew}: only known fields`, `unknown: ${exk.join(', ')}`);
        if (ev.fromGroup !== undefined) { check(Object.keys(ev).length === 1 && typeof ev.fromGroup === 'string', `${ew}: fromGroup stands alone`); return; }
        if (typeof ev.key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(ev.key)) { bad(`${ew}: key is an environment variable name`); return; }
        if (env.has(ev.key)) bad(`${ew}: key ${ev.key} is set once`);
        const sources = ['value', 'generateValue', 'sync', 'fromDatabase', 'fromService'].filter((s) => ev[s] !== undefined);
        check(sources.length === 1, `${ew}: exactly one of value, generateValue, sync: false, fromDatabase, fromService`, `got ${sources.join(', ') || 'none'}`);
        if (ev.value !== undefined) check(['string', 'number', 'boolean'].includes(typeof ev.value), `${ew}: value is a scalar`);
        if (ev.generateValue !== undefined) check(ev.generateValue === true, `${ew}: generateValue: true`);
        if (ev.sync !== undefined) check(ev.sync === false, `${ew}: sync: false`);
        if (ev.fromDatabase !== undefined) {
          const fd = asObject(ev.fromDatabase) ?? {};
          check(dbNames.has(fd.name), `${ew}: fromDatabase ${fd.name} is a database in this Blueprint`);
          check(DB_PROPERTIES.includes(fd.property), `${ew}: fromDatabase property is one of ${DB_PROPERTIES.join(', ')}`, `got ${fd.property}`);
        }
        if (ev.fromService !== undefined) {
          const fs = asObject(ev.fromService) ?? {};
          check(typeof fs.name === 'string' && TYPES.includes(fs.type) && (fs.property !== undefined) !== (fs.envVarKey !== undefined), `${ew}: fromService has name, type and one of property/envVarKey`);
        }
        if (SECRET_KEY.test(ev.key) && ev.value !== undefined) bad(`${ew}: a secret is not hard-coded (use generateValue, sync: false or fromDatabase)`);
        if (!appReads(ev.key)) warn(`${ew}: ${ev.key} is not read by the server yet (src/config/environment.ts)`);
        env.set(ev.key, ev);
      });
      if (o.type !== 'web') return;
      webCount++;
      check(runtime === 'docker', `${where}: runtime docker (built from the Dockerfile)`, `got ${runtime}`);
      check(o.healthCheckPath === '/readyz', `${where}: healthCheckPath /readyz`, `got ${o.healthCheckPath}`);
      const pre = String(o.preDeployCommand ?? '');
      check(pre.includes(MIGRATE_CLI.dist), `${where}: preDeployCommand runs ${MIGRATE_CLI.dist}`, `got ${o.preDeployCommand}`);
      if (pre.includes(MIGRATE_CLI.dist)) {
        check(existsSync(join(root, MIGRATE_CLI.src)), `${where}: ${MIGRATE_CLI.dist} is built from ${MIGRATE_CLI.src}, which exists`);
        check(String(env.get('MIGRATIONS_RUN')?.value) === 'false', `${where}: MIGRATIONS_RUN "false" (the pre-deploy command migrates)`);
      }
      const val = (k) => (env.get(k)?.value === undefined ? undefined : String(env.get(k).value));
      check(val('NODE_ENV') === 'production', `${where}: NODE_ENV=production`);
      check(val('HOST') === '0.0.0.0', `${where}: HOST=0.0.0.0`);
      check(val('PORT') !== undefined && (!dockerfileFacts.port || val('PORT') === String(dockerfileFacts.port)), `${where}: PORT matches the Dockerfile's (${dockerfileFacts.port})`, `got ${val('PORT')}`);
      const db = asObject(env.get('DATABASE_URL')?.fromDatabase);
      check(db?.property === 'connectionString', `${where}: DATABASE_URL from a Render Postgres connectionString`);
      const kes = env.get('KEY_ENCRYPTION_SECRET');
      check(kes?.generateValue === true || kes?.sync === false, `${where}: KEY_ENCRYPTION_SECRET generated by Render (generateValue) or prompted (sync: false)`);
      for (const k of ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET']) check(env.get(k)?.sync === false, `${where}: ${k} prompted (sync: false)`);
      serverAccepts(where, Object.fromEntries([...env].map(([k, ev]) => [k,
        ev.value !== undefined ? String(ev.value)
          : ev.generateValue === true ? 'B0jrphAPOY7pg92AN0c9MN4yecczLMdwnx4OkA1KFUk=' // what Render generates: base64, 256 bits
          : ev.fromDatabase ? 'postgresql://user:password@dpg-stand-in-a:5432/mcp'
          : (STAND_IN[k] ?? 'stand-in')])));
      const pu = env.get('PUBLIC_URL');
      check(pu?.sync === false || /^https:\/\//.test(String(pu?.value ?? '')), `${where}: PUBLIC_URL prompted (sync: false) or an https URL`);
    });
    check(webCount === 1, 'one web service', `${webCount}`);
  }
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
