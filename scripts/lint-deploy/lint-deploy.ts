import { checkCompose } from './compose.js';
import { createContext, type LintContext } from './context.js';
import { checkDockerfile, checkDockerignore } from './dockerfile.js';
import { checkKubernetes } from './kubernetes.js';
import { checkRender } from './render.js';
import { type Report } from './report.js';
import { checkTools } from './tools.js';

/** Every check, in order; the report counts the failures and warnings. */
export async function lintDeploy(root: string, report: Report, options: { tools?: boolean } = {}): Promise<Report> {
  const ctx = createContext(root, report);
  const sections: [string, (c: LintContext) => void | Promise<void>][] = [
    ['scripts', checkTools],
    ['docker-compose.yml', checkCompose],
    ['Dockerfile', checkDockerfile],
    ['.dockerignore', checkDockerignore],
    ['deploy/kubernetes', checkKubernetes],
    ['render.yaml', checkRender],
  ];
  for (const [name, check] of sections) {
    if (name === 'scripts' && options.tools === false) continue;
    try {
      await check(ctx);
    } catch (e) {
      // A value of an unexpected shape that no check anticipated still fails the run, with its place.
      report.bad(`${name}: checks stopped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return report;
}
