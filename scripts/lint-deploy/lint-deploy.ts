import { checkCompose } from './compose.js';
import { createContext } from './context.js';
import { checkDockerfile, checkDockerignore } from './dockerfile.js';
import { checkKubernetes } from './kubernetes.js';
import { checkRender } from './render.js';
import { type Report } from './report.js';
import { checkTools } from './tools.js';

/** Every check, in order; the report counts the failures and warnings. */
export async function lintDeploy(root: string, report: Report, options: { tools?: boolean } = {}): Promise<Report> {
  const ctx = createContext(root, report);
  if (options.tools !== false) checkTools(ctx);
  checkCompose(ctx);
  checkDockerfile(ctx);
  checkDockerignore(ctx);
  await checkKubernetes(ctx);
  checkRender(ctx);
  return report;
}
