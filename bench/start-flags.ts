import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags of package.json's "start" script (`node <flags> dist/src/main.js`, which the
 * Dockerfile's CMD must equal: npm run lint:deploy). The benchmark, the hostile-load test and the
 * conformance run start the server with exactly these.
 */
export function startFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/src/main.js' || words.slice(1, -1).some((w) => !w.startsWith('--'))) {
    throw new Error(`package.json "start" must be "node [--flags] dist/src/main.js" (got ${JSON.stringify(pkg.scripts?.start)})`);
  }
  return words.slice(1, -1);
}
