import { validate as validateDockerfile } from 'dockerfile-utils';
import { type LintContext, readRepoFile } from './context.js';
import { asObject, imagePinned } from './shared.js';

interface Instruction {
  kw: string;
  args: string;
  line: number;
}

interface Stage {
  ref: string;
  rawRef: string;
  name: string | null;
  line: number;
  instrs: Instruction[];
}

/** Logical instructions: continuations joined, comments and blank lines dropped. */
export function instructions(dockerfile: string): Instruction[] {
  const instrs: Instruction[] = [];
  let buf = '';
  let startLine = 0;
  dockerfile.split(/\r?\n/).forEach((line, i) => {
    if (!buf && (/^\s*#/.test(line) || !line.trim())) return;
    if (buf && /^\s*#/.test(line)) return; // a comment inside a continuation
    if (!buf) startLine = i + 1;
    if (/\\\s*$/.test(line)) {
      buf += line.replace(/\\\s*$/, ' ');
      return;
    }
    buf += line;
    const m = /^\s*(\w+)\s*(.*)$/s.exec(buf);
    if (m) instrs.push({ kw: m[1].toUpperCase(), args: m[2].trim(), line: startLine });
    buf = '';
  });
  return instrs;
}

function stagesOf(instrs: Instruction[]): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instrs) {
    if (ins.kw === 'ARG' && stages.length === 0) {
      const m = /^([A-Za-z_]\w*)(?:=(.*))?$/.exec(ins.args);
      if (m) globalArgs[m[1]] = (m[2] ?? '').replace(/^["']|["']$/g, '');
    }
    if (ins.kw === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const ref = parts[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
        const name = a ?? b ?? '';
        return globalArgs[name] ?? `\${${name}}`;
      });
      const as = parts.length >= 3 && parts[1].toLowerCase() === 'as' ? parts[2] : null;
      stages.push({ ref, rawRef: parts[0], name: as, line: ins.line, instrs: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instrs.push(ins);
    }
  }
  return stages;
}

/**
 * Dockerfile: syntax (dockerfile-utils, the VS Code Dockerfile validator), then hadolint-style rules.
 * Records the final stage's USER, PORT and HOST in ctx.dockerfile for the manifest checks.
 */
export function checkDockerfile(ctx: LintContext): void {
  const { report } = ctx;
  report.section('Dockerfile');
  const dockerfile = readRepoFile(ctx, 'Dockerfile');
  if (dockerfile === null) {
    report.bad('Dockerfile exists');
    return;
  }
  const diags = validateDockerfile(dockerfile);
  for (const d of diags) {
    const msg = `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`;
    if (d.severity === 1) report.bad(`syntax: ${msg}`);
    else report.warn(`syntax: ${msg}`);
  }
  if (!diags.some((d) => d.severity === 1)) report.ok('syntax valid (dockerfile-utils)');

  const stages = stagesOf(instructions(dockerfile));
  report.check(stages.length >= 2, 'multi-stage build', `${stages.length} stage(s)`);
  const stageNames = new Set<string>();
  for (const st of stages) {
    if (stageNames.has(st.ref)) report.ok(`FROM ${st.rawRef} (line ${st.line}) builds on stage ${st.ref}`);
    else imagePinned(ctx, st.ref, `FROM line ${st.line}`);
    if (st.name) stageNames.add(st.name);
  }
  const all = stages.flatMap((s) => s.instrs);
  const runs = all.filter((i) => i.kw === 'RUN').map((i) => i.args);
  report.check(
    runs.some((r) => /\bnpm ci\b/.test(r)),
    'dependencies installed with npm ci',
  );
  report.check(!runs.some((r) => /\bnpm (install|i|add)\b/.test(r)), 'no npm install (npm ci only)');
  report.check(
    runs.some((r) => /\bnpm ci\b[^&;|]*(--omit[= ]dev|--only[= ]prod|--production)/.test(r)),
    'production dependencies via npm ci --omit=dev',
  );
  report.check(!all.some((i) => i.kw === 'MAINTAINER'), 'no deprecated MAINTAINER');
  for (const i of all) {
    if (i.kw === 'ADD' && !/https?:\/\/|\.tar|\.tgz|\.gz|\.xz|\.bz2/.test(i.args)) report.bad(`line ${i.line}: use COPY instead of ADD for local files`);
    if (i.kw === 'WORKDIR' && !/^(\/|\$)/.test(i.args.replace(/^["']/, ''))) report.bad(`line ${i.line}: WORKDIR must be absolute`);
    if (i.kw === 'RUN') {
      if (/\bsudo\b/.test(i.args)) report.bad(`line ${i.line}: do not use sudo`);
      if (/apt-get install/.test(i.args) && !/--no-install-recommends/.test(i.args))
        report.bad(`line ${i.line}: apt-get install without --no-install-recommends`);
      if (/apt-get install/.test(i.args) && !/apt-get update/.test(i.args))
        report.warn(`line ${i.line}: apt-get install without apt-get update in the same RUN`);
      if (/(^|&&|;)\s*cd\s/.test(i.args)) report.warn(`line ${i.line}: use WORKDIR instead of cd`);
    }
    if (i.kw === 'COPY') {
      const from = /--from=(\S+)/.exec(i.args)?.[1];
      if (from && !stageNames.has(from) && !/^\d+$/.test(from) && !from.includes(':')) report.bad(`line ${i.line}: COPY --from=${from} names no earlier stage`);
    }
  }

  const final = stages.at(-1);
  if (!final) return;
  const fin = final.instrs;
  const lastUser = fin
    .filter((i) => i.kw === 'USER')
    .at(-1)
    ?.args.split(':')[0];
  report.check(lastUser && !['root', '0'].includes(lastUser), 'final stage runs as a non-root USER', `USER ${lastUser ?? '(none)'}`);
  const healthcheck = fin.filter((i) => i.kw === 'HEALTHCHECK').at(-1);
  report.check(healthcheck && !/^NONE$/i.test(healthcheck.args), 'final stage has a HEALTHCHECK');
  if (healthcheck) {
    report.check(!/\b(curl|wget)\b/.test(healthcheck.args), 'HEALTHCHECK needs no curl/wget');
    report.check(/\/healthz\b/.test(healthcheck.args), 'HEALTHCHECK probes /healthz');
  }
  const cmds = all.filter((i) => i.kw === 'CMD');
  const finCmds = fin.filter((i) => i.kw === 'CMD');
  report.check(finCmds.length === 1, 'final stage has exactly one CMD', `${finCmds.length}`);
  if (cmds.length > finCmds.length) report.warn('CMD in a non-final stage has no effect');
  let cmd: unknown = null;
  try {
    cmd = JSON.parse(finCmds.at(-1)?.args ?? 'null');
  } catch {
    // shell form
  }
  report.check(Array.isArray(cmd), 'CMD in exec (JSON array) form');
  const pkg = asObject(JSON.parse(readRepoFile(ctx, 'package.json') ?? '{}')) ?? {};
  const start = asObject(pkg.scripts)?.start;
  if (Array.isArray(cmd) && typeof start === 'string') {
    const line = (cmd as unknown[]).map(String).join(' ');
    report.check(line === start.trim(), 'CMD matches package.json "start"', `CMD ${line} vs start "${start}"`);
  }
  const envText = fin
    .filter((i) => i.kw === 'ENV')
    .map((i) => i.args)
    .join(' ');
  report.check(/\bNODE_ENV[= ]production\b/.test(envText), 'final stage sets NODE_ENV=production');
  const port = /\bPORT[= ](\d+)/.exec(envText)?.[1];
  ctx.dockerfile = { user: lastUser ?? null, port: port ?? null, host: /\bHOST[= ]([^\s]+)/.exec(envText)?.[1] ?? null };
  const exposed = fin
    .filter((i) => i.kw === 'EXPOSE')
    .flatMap((i) => i.args.split(/\s+/))
    .map((p) => p.split('/')[0]);
  report.check(port && exposed.includes(port), `EXPOSE matches PORT (${port ?? 'unset'})`, `EXPOSE ${exposed.join(' ') || '(none)'}`);
  if (pkg.type === 'module') {
    report.check(
      fin.some((i) => i.kw === 'COPY' && /package\.json/.test(i.args)),
      'final stage has package.json (needed for "type": "module")',
    );
  }
  report.check(
    fin.some((i) => i.kw === 'COPY' && /\bdist\b/.test(i.args)),
    'final stage copies dist/',
  );
}

/** .dockerignore keeps dependencies, build output, secrets and local data out of the build context. */
export function checkDockerignore(ctx: LintContext): void {
  const { report } = ctx;
  report.section('.dockerignore');
  const ignore = readRepoFile(ctx, '.dockerignore');
  if (ignore === null) {
    report.bad('.dockerignore exists');
    return;
  }
  const lines = ignore
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/^\/|\/$/g, ''))
    .filter((l) => l && !l.startsWith('#'));
  for (const p of ['node_modules', 'dist', '.git', '.env', '.data']) report.check(lines.includes(p), `.dockerignore excludes ${p}`);
  for (const p of ['package.json', 'package-lock.json']) report.check(!lines.includes(p), `.dockerignore keeps ${p}`);
}
