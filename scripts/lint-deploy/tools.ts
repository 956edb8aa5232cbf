import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type LintContext } from './context.js';

/** The executable's path when `name` is on PATH. */
export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

function run(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'inherit' }).status === 0;
}

function scriptsEnding(ctx: LintContext, suffix: string): string[] {
  const dir = join(ctx.root, 'scripts');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(suffix))
        .sort()
        .map((f) => `scripts/${f}`)
    : [];
}

/** `node --check` on scripts/*.mjs; shellcheck on scripts/*.sh and hadolint on the Dockerfile when installed. */
export function checkTools(ctx: LintContext): void {
  const { report } = ctx;
  report.section('node --check scripts/*.mjs');
  for (const f of scriptsEnding(ctx, '.mjs')) {
    if (run(process.execPath, ['--check', join(ctx.root, f)])) report.ok(f);
    else report.bad(f);
  }

  report.section('shellcheck scripts/*.sh');
  const shellcheck = onPath('shellcheck');
  if (!shellcheck) {
    report.skip('shellcheck not installed (apt-get install shellcheck)');
  } else {
    const files = scriptsEnding(ctx, '.sh');
    if (files.length) {
      if (run(shellcheck, ['-S', 'warning', ...files.map((f) => join(ctx.root, f))])) report.ok(`${files.length} file(s)`);
      else report.bad('shellcheck');
    }
  }

  report.section('hadolint Dockerfile');
  const hadolint = onPath('hadolint');
  if (!hadolint) report.skip('no hadolint binary (none on npm or in Debian); built-in rules below stand in');
  else if (run(hadolint, [join(ctx.root, 'Dockerfile')])) report.ok('hadolint');
  else report.bad('hadolint');
}
