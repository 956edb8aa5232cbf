import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LintContext, readRepoFile } from './context.js';
import { asArray, asObject, type JsonObject, MIGRATE_CLI, SECRET_KEY, serverAccepts, serverReads, STAND_IN, str } from './shared.js';
import { parseYamlMapping } from './yaml-file.js';

// The Blueprint spec's field lists (https://render.com/docs/blueprint-spec); no JSON schema is published on npm.
const TOP = new Set(['services', 'databases', 'envVarGroups', 'projects', 'ungrouped', 'previews', 'previewsEnabled', 'previewsExpireAfterDays']);
const SERVICE = new Set([
  'type',
  'name',
  'runtime',
  'env',
  'plan',
  'previewPlan',
  'previews',
  'pullRequestPreviewsEnabled',
  'buildCommand',
  'startCommand',
  'schedule',
  'preDeployCommand',
  'region',
  'repo',
  'branch',
  'autoDeploy',
  'autoDeployTrigger',
  'domains',
  'healthCheckPath',
  'maxShutdownDelaySeconds',
  'dockerCommand',
  'dockerfilePath',
  'dockerContext',
  'registryCredential',
  'image',
  'numInstances',
  'scaling',
  'buildFilter',
  'rootDir',
  'disk',
  'staticPublishPath',
  'headers',
  'routes',
  'ipAllowList',
  'maxmemoryPolicy',
  'envVars',
  'initialDeployHook',
]);
const DATABASE = new Set([
  'name',
  'plan',
  'previewPlan',
  'diskSizeGB',
  'previewDiskSizeGB',
  'region',
  'ipAllowList',
  'postgresMajorVersion',
  'databaseName',
  'user',
  'readReplicas',
  'highAvailability',
]);
const ENVVAR = new Set(['key', 'value', 'generateValue', 'sync', 'fromDatabase', 'fromService', 'fromGroup', 'previewValue']);
const TYPES = ['web', 'pserv', 'worker', 'cron', 'keyvalue', 'redis'];
const RUNTIMES = ['node', 'python', 'elixir', 'go', 'ruby', 'rust', 'docker', 'image', 'static'];
const REGIONS = ['oregon', 'ohio', 'virginia', 'frankfurt', 'singapore'];
const SERVICE_PLANS = ['free', 'starter', 'standard', 'pro', 'pro plus', 'pro max', 'pro ultra'];
const DB_PROPERTIES = ['connectionString', 'host', 'port', 'user', 'password', 'database'];
/** What Render's generateValue produces: base64, 256 bits. */
const GENERATED = 'B0jrphAPOY7pg92AN0c9MN4yecczLMdwnx4OkA1KFUk=';

const unknownKeys = (obj: JsonObject, allowed: Set<string>): string[] => Object.keys(obj).filter((k) => !allowed.has(k));
const isIn = (list: string[], v: unknown): boolean => typeof v === 'string' && list.includes(v);

/** render.yaml (Render Blueprint): known fields, env var sources, and the web service's settings. */
export function checkRender(ctx: LintContext): void {
  const { report } = ctx;
  report.section('render.yaml (Render Blueprint)');
  const text = readRepoFile(ctx, 'render.yaml');
  if (text === null) {
    report.bad('render.yaml exists');
    return;
  }
  const r = parseYamlMapping(ctx, 'render.yaml', text);
  if (!r) return;
  const extra = unknownKeys(r, TOP);
  report.check(extra.length === 0, 'only known top-level keys', `unknown: ${extra.join(', ')}`);
  const services = asArray(r.services);
  report.check(Array.isArray(r.services) && services.length > 0, 'services is a non-empty list');
  if (r.databases !== undefined) report.check(Array.isArray(r.databases), 'databases is a list');
  const dbNames = checkDatabases(ctx, asArray(r.databases));
  const svcNames = new Set<unknown>();
  let webCount = 0;
  services.forEach((svc, i) => {
    const o = asObject(svc);
    const where = `services[${i}]${o?.name ? ` ${str(o.name)}` : ''}`;
    if (!o) {
      report.bad(`${where} is a mapping`);
      return;
    }
    const ex = unknownKeys(o, SERVICE);
    report.check(ex.length === 0, `${where}: only known fields`, `unknown: ${ex.join(', ')}`);
    report.check(typeof o.name === 'string' && o.name.length > 0, `${where}: has a name`);
    if (svcNames.has(o.name)) report.bad(`${where}: name is unique`);
    svcNames.add(o.name);
    report.check(isIn(TYPES, o.type), `${where}: type is one of ${TYPES.join(', ')}`, `got ${str(o.type)}`);
    const runtime = o.runtime ?? o.env;
    if (!isIn(['keyvalue', 'redis'], o.type))
      report.check(isIn(RUNTIMES, runtime), `${where}: runtime is one of ${RUNTIMES.join(', ')}`, `got ${str(runtime)}`);
    if (o.plan !== undefined) report.check(isIn(SERVICE_PLANS, o.plan), `${where}: plan is one of ${SERVICE_PLANS.join(', ')}`, `got ${str(o.plan)}`);
    if (o.region !== undefined && !isIn(REGIONS, o.region)) report.warn(`${where}: region ${str(o.region)} is not one of ${REGIONS.join(', ')}`);
    if (o.numInstances !== undefined)
      report.check(Number.isInteger(o.numInstances) && Number(o.numInstances) >= 1, `${where}: numInstances is a positive integer`);
    if (o.maxShutdownDelaySeconds !== undefined) {
      const n = o.maxShutdownDelaySeconds;
      report.check(Number.isInteger(n) && Number(n) >= 1 && Number(n) <= 300, `${where}: maxShutdownDelaySeconds within 1-300`);
    }
    if (o.healthCheckPath !== undefined)
      report.check(typeof o.healthCheckPath === 'string' && o.healthCheckPath.startsWith('/'), `${where}: healthCheckPath is a path`);
    const rootDir = o.rootDir ?? '.';
    const exists = (rel: unknown): boolean => typeof rootDir === 'string' && typeof rel === 'string' && existsSync(join(ctx.root, rootDir, rel));
    if (runtime === 'docker') {
      const df = o.dockerfilePath ?? './Dockerfile';
      report.check(exists(df), `${where}: dockerfilePath ${str(df)} exists`);
      if (o.dockerContext !== undefined) report.check(exists(o.dockerContext), `${where}: dockerContext ${str(o.dockerContext)} exists`);
      if (o.buildCommand !== undefined || o.startCommand !== undefined)
        report.warn(`${where}: buildCommand/startCommand are ignored for runtime docker (use dockerCommand)`);
    } else if (!isIn(['keyvalue', 'redis', 'image'], o.type) && runtime !== 'image') {
      report.check(
        typeof o.buildCommand === 'string' && (runtime === 'static' || typeof o.startCommand === 'string'),
        `${where}: buildCommand and startCommand set (runtime ${str(runtime)})`,
      );
    }
    if (o.preDeployCommand !== undefined) {
      report.check(typeof o.preDeployCommand === 'string' && o.preDeployCommand.trim().length > 0, `${where}: preDeployCommand is a command`);
      if (o.plan === 'free') report.bad(`${where}: preDeployCommand needs a paid instance type (plan is free)`);
    }
    const env = checkEnvVars(ctx, where, o.envVars ?? [], dbNames);
    if (o.type !== 'web') return;
    webCount++;
    checkWebService(ctx, where, o, runtime, env);
  });
  report.check(webCount === 1, 'one web service', `${webCount}`);
}

function checkDatabases(ctx: LintContext, databases: unknown[]): Set<unknown> {
  const { report } = ctx;
  const dbNames = new Set<unknown>();
  databases.forEach((db, i) => {
    const o = asObject(db);
    const where = `databases[${i}]${o?.name ? ` ${str(o.name)}` : ''}`;
    if (!o) {
      report.bad(`${where} is a mapping`);
      return;
    }
    const ex = unknownKeys(o, DATABASE);
    report.check(ex.length === 0, `${where}: only known fields`, `unknown: ${ex.join(', ')}`);
    report.check(typeof o.name === 'string' && o.name.length > 0, `${where}: has a name`);
    if (dbNames.has(o.name)) report.bad(`${where}: name is unique`);
    dbNames.add(o.name);
    if (o.postgresMajorVersion !== undefined) {
      report.check(
        typeof o.postgresMajorVersion === 'string' && /^\d+$/.test(o.postgresMajorVersion),
        `${where}: postgresMajorVersion is a quoted string such as "16"`,
        `got ${JSON.stringify(o.postgresMajorVersion)}`,
      );
    }
    if (o.region !== undefined && !isIn(REGIONS, o.region)) report.warn(`${where}: region ${str(o.region)} is not one of ${REGIONS.join(', ')}`);
    if (o.plan !== undefined && !/^(free|basic-\d+(mb|gb)|pro-\d+gb|accelerated-\d+gb|starter|standard|pro|pro plus)$/.test(str(o.plan))) {
      report.bad(`${where}: plan ${str(o.plan)} is a Render Postgres instance type`);
    }
    if (o.ipAllowList !== undefined) {
      report.check(
        Array.isArray(o.ipAllowList) && asArray(o.ipAllowList).every((e) => typeof asObject(e)?.source === 'string'),
        `${where}: ipAllowList entries have a source`,
      );
    }
    if (o.diskSizeGB !== undefined) {
      report.check(Number.isInteger(o.diskSizeGB) && (o.diskSizeGB === 1 || Number(o.diskSizeGB) % 5 === 0), `${where}: diskSizeGB is 1 or a multiple of 5`);
    }
  });
  return dbNames;
}

/** A service's envVars: each has one source, references resolve, secrets are not hard-coded. Returns them by key. */
function checkEnvVars(ctx: LintContext, where: string, envVars: unknown, dbNames: Set<unknown>): Map<string, JsonObject> {
  const { report } = ctx;
  const reads = serverReads(ctx);
  report.check(Array.isArray(envVars), `${where}: envVars is a list`);
  const env = new Map<string, JsonObject>();
  asArray(envVars).forEach((e, j) => {
    const ev = asObject(e);
    const ew = `${where} envVars[${j}]${ev?.key ? ` ${str(ev.key)}` : ''}`;
    if (!ev) {
      report.bad(`${ew} is a mapping`);
      return;
    }
    const exk = unknownKeys(ev, ENVVAR);
    report.check(exk.length === 0, `${ew}: only known fields`, `unknown: ${exk.join(', ')}`);
    if (ev.fromGroup !== undefined) {
      report.check(Object.keys(ev).length === 1 && typeof ev.fromGroup === 'string', `${ew}: fromGroup stands alone`);
      return;
    }
    if (typeof ev.key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(ev.key)) {
      report.bad(`${ew}: key is an environment variable name`);
      return;
    }
    if (env.has(ev.key)) report.bad(`${ew}: key ${ev.key} is set once`);
    const sources = ['value', 'generateValue', 'sync', 'fromDatabase', 'fromService'].filter((s) => ev[s] !== undefined);
    report.check(
      sources.length === 1,
      `${ew}: exactly one of value, generateValue, sync: false, fromDatabase, fromService`,
      `got ${sources.join(', ') || 'none'}`,
    );
    if (ev.value !== undefined) report.check(['string', 'number', 'boolean'].includes(typeof ev.value), `${ew}: value is a scalar`);
    if (ev.generateValue !== undefined) report.check(ev.generateValue === true, `${ew}: generateValue: true`);
    if (ev.sync !== undefined) report.check(ev.sync === false, `${ew}: sync: false`);
    if (ev.fromDatabase !== undefined) {
      const fd = asObject(ev.fromDatabase) ?? {};
      report.check(dbNames.has(fd.name), `${ew}: fromDatabase ${str(fd.name)} is a database in this Blueprint`);
      report.check(isIn(DB_PROPERTIES, fd.property), `${ew}: fromDatabase property is one of ${DB_PROPERTIES.join(', ')}`, `got ${str(fd.property)}`);
    }
    if (ev.fromService !== undefined) {
      const fs = asObject(ev.fromService) ?? {};
      report.check(
        typeof fs.name === 'string' && isIn(TYPES, fs.type) && (fs.property !== undefined) !== (fs.envVarKey !== undefined),
        `${ew}: fromService has name, type and one of property/envVarKey`,
      );
    }
    if (SECRET_KEY.test(ev.key) && ev.value !== undefined) report.bad(`${ew}: a secret is not hard-coded (use generateValue, sync: false or fromDatabase)`);
    if (!reads(ev.key)) report.warn(`${ew}: ${ev.key} is not read by the server yet (src/config/environment.ts)`);
    env.set(ev.key, ev);
  });
  return env;
}

function checkWebService(ctx: LintContext, where: string, o: JsonObject, runtime: unknown, env: Map<string, JsonObject>): void {
  const { report } = ctx;
  report.check(runtime === 'docker', `${where}: runtime docker (built from the Dockerfile)`, `got ${str(runtime)}`);
  report.check(o.healthCheckPath === '/readyz', `${where}: healthCheckPath /readyz`, `got ${str(o.healthCheckPath)}`);
  const pre = str(o.preDeployCommand ?? '');
  report.check(pre.includes(MIGRATE_CLI.dist), `${where}: preDeployCommand runs ${MIGRATE_CLI.dist}`, `got ${str(o.preDeployCommand)}`);
  if (pre.includes(MIGRATE_CLI.dist)) {
    report.check(existsSync(join(ctx.root, MIGRATE_CLI.src)), `${where}: ${MIGRATE_CLI.dist} is built from ${MIGRATE_CLI.src}, which exists`);
    report.check(str(env.get('MIGRATIONS_RUN')?.value) === 'false', `${where}: MIGRATIONS_RUN "false" (the pre-deploy command migrates)`);
  }
  const val = (k: string): string | undefined => {
    const v = env.get(k)?.value;
    return v === undefined ? undefined : str(v);
  };
  const dockerPort = ctx.dockerfile.port;
  report.check(val('NODE_ENV') === 'production', `${where}: NODE_ENV=production`);
  report.check(val('HOST') === '0.0.0.0', `${where}: HOST=0.0.0.0`);
  report.check(
    val('PORT') !== undefined && (!dockerPort || val('PORT') === dockerPort),
    `${where}: PORT matches the Dockerfile's (${str(dockerPort)})`,
    `got ${str(val('PORT'))}`,
  );
  const db = asObject(env.get('DATABASE_URL')?.fromDatabase);
  report.check(db?.property === 'connectionString', `${where}: DATABASE_URL from a Render Postgres connectionString`);
  const kes = env.get('KEY_ENCRYPTION_SECRET');
  report.check(
    kes?.generateValue === true || kes?.sync === false,
    `${where}: KEY_ENCRYPTION_SECRET generated by Render (generateValue) or prompted (sync: false)`,
  );
  for (const k of ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET']) report.check(env.get(k)?.sync === false, `${where}: ${k} prompted (sync: false)`);
  serverAccepts(
    ctx,
    where,
    Object.fromEntries(
      [...env].map(([k, ev]) => [
        k,
        ev.value !== undefined
          ? str(ev.value)
          : ev.generateValue === true
            ? GENERATED
            : ev.fromDatabase
              ? 'postgresql://user:password@dpg-stand-in-a:5432/mcp'
              : (STAND_IN[k] ?? 'stand-in'),
      ]),
    ),
  );
  const pu = env.get('PUBLIC_URL');
  report.check(pu?.sync === false || /^https:\/\//.test(str(pu?.value ?? '')), `${where}: PUBLIC_URL prompted (sync: false) or an https URL`);
}
