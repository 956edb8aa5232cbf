import { isMap, parseDocument } from 'yaml';
import { type LintContext } from './context.js';
import { asObject, type JsonObject } from './shared.js';

/** Parses one YAML mapping, reporting YAML errors (duplicate keys included) and warnings; null when unusable. */
export function parseYamlMapping(ctx: LintContext, file: string, text: string): JsonObject | null {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  for (const w of doc.warnings) ctx.report.warn(`YAML: ${w.message}`);
  if (doc.errors.length) {
    for (const e of doc.errors) ctx.report.bad(`YAML: ${e.message}`);
    return null;
  }
  if (!isMap(doc.contents)) {
    ctx.report.bad(`${file} top level is a mapping`);
    return null;
  }
  ctx.report.ok('parses as YAML');
  return asObject(doc.toJS() as unknown) ?? {};
}
