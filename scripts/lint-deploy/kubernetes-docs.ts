import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type LintContext } from './context.js';
import { asObject, type JsonObject, str } from './shared.js';

export const K8S_DIR = 'deploy/kubernetes';

/** A manifest as read from YAML: any shape, checked before use. */
export interface K8sDoc {
  file: string;
  index: number;
  obj: JsonObject;
  /** "deployment.yaml Deployment/secure-mcp-server", for messages. */
  where: string;
}

/** The YAML files of deploy/kubernetes and every non-empty document in them. */
export function loadManifests(ctx: LintContext): { files: string[]; docs: K8sDoc[] } {
  const { report } = ctx;
  const dir = join(ctx.root, K8S_DIR);
  const docs: K8sDoc[] = [];
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
  if (!files.length) report.bad(`${K8S_DIR}/ has manifests`);
  for (const file of files) {
    const parsed = parseAllDocuments(readFileSync(join(dir, file), 'utf8'), { prettyErrors: true, uniqueKeys: true });
    const list = Array.isArray(parsed) ? parsed : [];
    let count = 0;
    list.forEach((doc, index) => {
      for (const w of doc.warnings) report.warn(`${file}: YAML: ${w.message}`);
      if (doc.errors.length) {
        for (const e of doc.errors) report.bad(`${file}: YAML: ${e.message}`);
        return;
      }
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) return;
      const obj = asObject(value);
      if (!obj) {
        report.bad(`${file} document ${index + 1}: top level is a mapping`);
        return;
      }
      const name = asObject(obj.metadata)?.name;
      const where = `${file}${list.length > 1 ? `#${index + 1}` : ''} ${str(obj.kind ?? '?')}${name ? `/${str(name)}` : ''}`;
      docs.push({ file, index, obj, where });
      count++;
    });
    if (count === 0 && list.every((d) => !d.errors.length)) report.bad(`${file}: contains a manifest`);
  }
  report.check(docs.length > 0 && files.length > 0, `${files.length} file(s) parse as YAML (${docs.length} document(s))`);
  return { files, docs };
}
