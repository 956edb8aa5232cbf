import { runToEnd, start, type Child } from './processes.js';

/** The official suite, pinned (issue 8 item 5). */
export const SUITE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';

export interface ScenarioResult {
  scenario: string;
  passed: number;
  failed: number;
  ok: boolean;
}

/** The suite needs Node >= 22 (fs.globSync): on an older node, npx brings node@22 from the npm registry. */
function npxArgs(): string[] {
  const major = Number(process.versions.node.split('.')[0]);
  return ['-y', ...(major < 22 ? ['-p', 'node@22'] : []), '-p', SUITE, '--', 'conformance'];
}

export function suiteEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

export function runSuite(args: string[], timeoutMs: number): Promise<Child & { code: number }> {
  return runToEnd('conformance', 'npx', [...npxArgs(), ...args], suiteEnv(), timeoutMs);
}

export function startSuite(args: string[]): Child {
  return start('conformance', 'npx', [...npxArgs(), ...args], suiteEnv());
}

/** The suite's "=== SUMMARY ===" lines: `✓ tools-list: 4 passed, 0 failed`. */
export function parseSummary(output: string): ScenarioResult[] {
  const summary = output.slice(output.lastIndexOf('=== SUMMARY ==='));
  const results: ScenarioResult[] = [];
  for (const m of summary.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed/gmu)) {
    results.push({ scenario: m[2], passed: Number(m[3]), failed: Number(m[4]), ok: m[1] === '✓' });
  }
  return results;
}
