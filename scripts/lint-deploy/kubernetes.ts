import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ILabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import { type IDeploymentSpec } from 'kubernetes-models/apps/v1/DeploymentSpec';
import { type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { type IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import { type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { type IContainer } from 'kubernetes-models/v1/Container';
import { type ISecret } from 'kubernetes-models/v1/Secret';
import { type IService } from 'kubernetes-models/v1/Service';
import { type LintContext } from './context.js';
import { K8S_DIR, type K8sDoc, loadManifests } from './kubernetes-docs.js';
import { checkSchemas, checkUnknownFields } from './kubernetes-schema.js';
import { asObject, imagePinned, loadServerValidator, MIGRATE_CLI, SECRET_KEY, serverAccepts, serverReads, STAND_IN, str } from './shared.js';

/**
 * A manifest's shape as far as the schema promises it, every field optional: the policy checks run on
 * manifests that failed their schema check too (a crash on a malformed one is reported as a failure).
 */
type Loose<T> = T extends readonly (infer U)[] ? Loose<U>[] : T extends object ? { [K in keyof T]?: Loose<T[K]> } : T;
type Container = Loose<IContainer>;
type Selector = Loose<ILabelSelector>;
interface Workload {
  kind?: unknown;
  metadata?: { name?: string };
  spec: Loose<IDeploymentSpec> & Loose<IJobSpec>;
}
type Doc<T> = K8sDoc & { obj: K8sDoc['obj'] & T };
type EnvValue = { from: 'configmap' | 'secret' | 'value' | 'ref'; value?: unknown };

const REQUIRED_IN_PRODUCTION = ['NODE_ENV', 'PUBLIC_URL', 'DATABASE_URL', 'KEY_ENCRYPTION_SECRET', 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'];
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^(?=.{1,63}$)[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes resource quantity -> number (cores or bytes), NaN when malformed (then never "greater"). */
export function quantity(q: unknown): number {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(str(q ?? ''));
  if (!m) return NaN;
  const mult: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

/** Does a LabelSelector select these labels? */
export function selects(selector: unknown, labels: Record<string, unknown> = {}): boolean {
  const sel = asObject(selector) as Selector | null;
  if (!sel) return false;
  const ml = asObject(sel.matchLabels) ?? {};
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  if (!Object.keys(ml).length && !exprs.length) return true; // an empty selector selects everything
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  return exprs.every(({ key = '', operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    if (operator === 'In') return has && values.includes(labels[key] as string);
    if (operator === 'NotIn') return !has || !values.includes(labels[key] as string);
    if (operator === 'Exists') return has;
    if (operator === 'DoesNotExist') return !has;
    return false;
  });
}

function preStopSeconds(c: Container): number {
  const ps = c.lifecycle?.preStop;
  if (!ps) return 0;
  if (ps.sleep?.seconds !== undefined) return Number(ps.sleep.seconds);
  const cmd = (ps.exec?.command ?? []).join(' ');
  const ms = /setTimeout\([^,]*,\s*(\d+)\s*\)/.exec(cmd)?.[1];
  if (ms) return Number(ms) / 1000;
  const s = /\bsleep\s+(\d+)/.exec(cmd)?.[1];
  return s ? Number(s) : 0;
}

function portMatches(p: { containerPort?: number; name?: string }, port: unknown): boolean {
  return typeof port === 'number' ? p.containerPort === port : p.name === port || String(p.containerPort) === port;
}

function portResolves(c: Container, port: unknown): boolean {
  return (c.ports ?? []).some((p) => portMatches(p, port));
}

/**
 * deploy/kubernetes, kubectl-free: schemas, unknown fields, then cross-references and policy
 * (hardening, probes, resources, rollout, migration Job, Service/PDB/HPA/Ingress wiring, secrets).
 */
export async function checkKubernetes(ctx: LintContext): Promise<void> {
  const { report } = ctx;
  report.section('deploy/kubernetes (schemas: kubernetes-models; unknown fields: TypeScript)');
  ctx.serverValidator = await loadServerValidator(ctx);
  const { files, docs } = loadManifests(ctx);
  const { checked, kustomizations } = await checkSchemas(ctx, docs);
  checkUnknownFields(ctx, checked);
  try {
    checkPolicy(ctx, docs);
  } catch (e) {
    report.bad(`${K8S_DIR}: policy checks stopped on a malformed manifest: ${e instanceof Error ? e.message : String(e)}`);
  }
  checkKustomization(ctx, files, kustomizations);
}

function checkKustomization(ctx: LintContext, files: string[], kustomizations: K8sDoc[]): void {
  const { report } = ctx;
  report.check(kustomizations.length === 1, 'kustomization.yaml present', `${kustomizations.length}`);
  for (const k of kustomizations) {
    const res: unknown[] = Array.isArray(k.obj.resources) ? (k.obj.resources as unknown[]) : [];
    report.check(Array.isArray(k.obj.resources) && res.every((r) => typeof r === 'string'), `${k.where}: resources is a list of paths`);
    for (const r of res) report.check(existsSync(join(ctx.root, K8S_DIR, str(r))), `${k.where}: resource ${str(r)} exists`);
    for (const f of files) {
      if (f === k.file || res.includes(f)) continue;
      if (f.includes('.example.')) report.ok(`${k.where}: optional ${f} not listed`);
      else report.bad(`${k.where}: lists ${f}`);
    }
    if (k.obj.namespace !== undefined) report.warn(`${k.where}: sets namespace ${str(k.obj.namespace)}`);
  }
}

function checkPolicy(ctx: LintContext, docs: K8sDoc[]): void {
  const { report } = ctx;
  const reads = serverReads(ctx);
  const facts = ctx.dockerfile;
  const byKind = <T>(kind: string): Doc<T>[] => docs.filter((d) => d.obj.kind === kind) as Doc<T>[];
  const nameOf = (d: K8sDoc): unknown => asObject(d.obj.metadata)?.name;

  const ids = new Map<string, string>(); // kind/name -> where
  for (const d of docs) {
    if (d.obj.kind === 'Kustomization') continue;
    const meta = asObject(d.obj.metadata) ?? {};
    const name = meta.name;
    if (typeof name !== 'string' || !DNS1123_SUBDOMAIN.test(name)) {
      report.bad(`${d.where}: metadata.name is a DNS-1123 name`);
      continue;
    }
    if (d.obj.kind === 'Service' && !DNS1035_LABEL.test(name)) report.bad(`${d.where}: Service name is a DNS-1035 label (<= 63 chars, starts with a letter)`);
    if (meta.namespace !== undefined) report.bad(`${d.where}: no metadata.namespace (manifests are namespace-less; pick one when applying)`);
    const id = `${str(d.obj.kind)}/${name}`;
    if (ids.has(id)) report.bad(`${d.where}: ${id} is defined twice (also in ${ids.get(id)})`);
    ids.set(id, d.where);
  }
  if (docs.length && docs.every((d) => asObject(d.obj.metadata)?.namespace === undefined)) report.ok('no manifest sets metadata.namespace');

  const configMaps = new Map(byKind<Loose<IConfigMap>>('ConfigMap').map((d) => [nameOf(d), d]));
  const secrets = new Map(byKind<Loose<ISecret>>('Secret').map((d) => [nameOf(d), d]));
  const cmKeys = (name: unknown): string[] => {
    const obj = configMaps.get(name)?.obj;
    return Object.keys({ ...(asObject(obj?.data) ?? {}), ...(asObject(obj?.binaryData) ?? {}) });
  };
  const secretKeys = (name: unknown): string[] => {
    const obj = secrets.get(name)?.obj;
    return Object.keys({ ...(asObject(obj?.data) ?? {}), ...(asObject(obj?.stringData) ?? {}) });
  };
  /** The environment a container gets from envFrom/env, as far as the manifests tell (values from ConfigMaps only). */
  const containerEnv = (c: Container): Map<string, EnvValue> => {
    const env = new Map<string, EnvValue>();
    for (const src of c.envFrom ?? []) {
      const prefix = src.prefix ?? '';
      const cm = src.configMapRef?.name;
      if (cm) for (const k of cmKeys(cm)) env.set(prefix + k, { from: 'configmap', value: configMaps.get(cm)?.obj.data?.[k] });
      if (src.secretRef?.name) for (const k of secretKeys(src.secretRef.name)) env.set(prefix + k, { from: 'secret' });
    }
    for (const e of c.env ?? [])
      env.set(str(e.name), 'value' in e ? { from: 'value', value: e.value } : { from: e.valueFrom?.secretKeyRef ? 'secret' : 'ref' });
    return env;
  };
  const shutdownMs = (env: Map<string, EnvValue>): number => Number(env.get('SHUTDOWN_TIMEOUT_MS')?.value ?? 10000);

  /** Pod-template workloads: Deployments and Jobs (and any other kind with spec.template.spec). */
  const workloads = docs.filter((d) => asObject(asObject(asObject(d.obj.spec)?.template)?.spec)) as Doc<Workload>[];
  const deployments = byKind<Workload>('Deployment');
  const jobs = byKind<Workload>('Job');
  report.check(deployments.length === 1, 'one Deployment', `${deployments.length}`);
  report.check(jobs.length >= 1, 'a migration Job', `${jobs.length} Job(s)`);

  for (const d of workloads) {
    const tmpl = d.obj.spec.template ?? {};
    const pod = tmpl.spec ?? {};
    const labels = asObject(tmpl.metadata?.labels) ?? {};
    const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    const psc = pod.securityContext ?? {};
    report.check(pod.automountServiceAccountToken === false, `${d.where}: automountServiceAccountToken: false (the server never calls the Kubernetes API)`);
    for (const v of volumes.values()) {
      if (v.configMap?.name && !v.configMap.optional)
        report.check(configMaps.has(v.configMap.name), `${d.where}: volume ${str(v.name)}: ConfigMap ${v.configMap.name} is defined`);
      if (v.secret?.secretName && !v.secret.optional)
        report.check(secrets.has(v.secret.secretName), `${d.where}: volume ${str(v.name)}: Secret ${v.secret.secretName} is defined`);
    }
    for (const c of containers) {
      const cw = `${d.where} container ${str(c.name)}`;
      if (typeof c.image !== 'string' || !c.image.trim()) report.bad(`${cw}: has an image`);
      else imagePinned(ctx, c.image, cw);
      for (const src of c.envFrom ?? []) {
        if (src.configMapRef && !src.configMapRef.optional)
          report.check(configMaps.has(src.configMapRef.name), `${cw}: envFrom ConfigMap ${str(src.configMapRef.name)} is defined`);
        if (src.secretRef && !src.secretRef.optional)
          report.check(secrets.has(src.secretRef.name), `${cw}: envFrom Secret ${str(src.secretRef.name)} is defined`);
      }
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        const sk = e.valueFrom?.secretKeyRef;
        if (cm && !cm.optional)
          report.check(cmKeys(cm.name).includes(str(cm.key)), `${cw}: env ${str(e.name)} from ConfigMap ${str(cm.name)} key ${str(cm.key)} exists`);
        if (sk && !sk.optional)
          report.check(secretKeys(sk.name).includes(str(sk.key)), `${cw}: env ${str(e.name)} from Secret ${str(sk.name)} key ${str(sk.key)} exists`);
      }
      for (const m of c.volumeMounts ?? []) report.check(volumes.has(m.name), `${cw}: volumeMount ${str(m.mountPath)} uses a defined volume (${str(m.name)})`);
      const env = containerEnv(c);
      const missing = REQUIRED_IN_PRODUCTION.filter((k) => !env.has(k));
      report.check(missing.length === 0, `${cw}: gets ${REQUIRED_IN_PRODUCTION.join(', ')}`, `missing ${missing.join(', ')}`);
      const nodeEnv = env.get('NODE_ENV');
      if (nodeEnv) report.check(nodeEnv.value === undefined || nodeEnv.value === 'production', `${cw}: NODE_ENV=production`);
      // hardening (container settings win over the pod's)
      const sc = c.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot !== undefined ? sc.runAsNonRoot : psc.runAsNonRoot;
      const runAsUser = sc.runAsUser !== undefined ? sc.runAsUser : psc.runAsUser;
      report.check(runAsNonRoot === true, `${cw}: runAsNonRoot: true`);
      report.check(Number.isInteger(runAsUser) && Number(runAsUser) > 0, `${cw}: runAsUser is a non-root uid`, `got ${str(runAsUser)}`);
      if (facts.user === 'node' && Number.isInteger(runAsUser))
        report.check(runAsUser === 1000, `${cw}: runAsUser 1000 is the image's node user`, `got ${str(runAsUser)}`);
      report.check(sc.readOnlyRootFilesystem === true, `${cw}: readOnlyRootFilesystem: true`);
      report.check(sc.allowPrivilegeEscalation === false, `${cw}: allowPrivilegeEscalation: false`);
      report.check(sc.privileged !== true, `${cw}: not privileged`);
      report.check((sc.capabilities?.drop ?? []).includes('ALL') && !(sc.capabilities?.add ?? []).length, `${cw}: capabilities drop ALL, add none`);
      const seccomp = (sc.seccompProfile ?? psc.seccompProfile)?.type;
      report.check(seccomp === 'RuntimeDefault' || seccomp === 'Localhost', `${cw}: seccompProfile RuntimeDefault`, `got ${seccomp ?? 'none'}`);
      if (sc.readOnlyRootFilesystem === true) {
        const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
        report.check(tmp && volumes.get(tmp.name)?.emptyDir !== undefined, `${cw}: writable /tmp from an emptyDir (read-only root file system)`);
      }
      // resources (the schema checks the quantity syntax; the API server also rejects requests above limits)
      const req = asObject(c.resources?.requests) ?? {};
      const lim = asObject(c.resources?.limits) ?? {};
      for (const r of ['cpu', 'memory']) {
        report.check(req[r] !== undefined, `${cw}: resources.requests.${r} set`);
        report.check(lim[r] !== undefined, `${cw}: resources.limits.${r} set`);
        if (req[r] !== undefined && lim[r] !== undefined && quantity(req[r]) > quantity(lim[r])) {
          report.bad(`${cw}: resources.requests.${r} (${str(req[r])}) exceeds limits.${r} (${str(lim[r])})`);
        }
      }
    }
    // selector <-> template (a Job generates its own selector unless manualSelector is set)
    if (d.obj.kind === 'Job' && d.obj.spec.manualSelector !== true) {
      report.check(d.obj.spec.selector === undefined, `${d.where}: no spec.selector without manualSelector`);
    } else {
      report.check(
        selects(d.obj.spec.selector, labels) && Object.keys(asObject(d.obj.spec.selector?.matchLabels) ?? {}).length > 0,
        `${d.where}: spec.selector matches the pod template labels`,
        `selector ${JSON.stringify(d.obj.spec.selector)} vs labels ${JSON.stringify(labels)}`,
      );
    }
  }

  const deployment = deployments[0] as Doc<Workload> | undefined;
  let appEnv = new Map<string, EnvValue>();
  if (deployment?.obj.spec.template?.spec) {
    const dw = deployment.where;
    const spec = deployment.obj.spec;
    const pod = deployment.obj.spec.template.spec;
    const appContainer: Container | null = (pod.containers ?? [])[0] ?? null;
    appEnv = appContainer ? containerEnv(appContainer) : new Map<string, EnvValue>();
    report.check((spec.replicas ?? 1) >= 2, `${dw}: at least 2 replicas`, `replicas ${spec.replicas ?? 1}`);
    const ru = spec.strategy?.rollingUpdate;
    report.check(
      (spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && (ru?.maxUnavailable === 0 || ru?.maxUnavailable === '0%'),
      `${dw}: rolling update with maxUnavailable 0`,
    );
    if (appContainer) {
      const app = appContainer;
      const cw = `${dw} container ${str(app.name)}`;
      const probe = (kind: 'livenessProbe' | 'readinessProbe' | 'startupProbe', paths: string[]): void => {
        const p = app[kind];
        if (!p) {
          report.bad(`${cw}: has a ${kind}`);
          return;
        }
        const hg = p.httpGet;
        report.check(
          hg && paths.includes(str(hg.path)),
          `${cw}: ${kind} GET ${paths.join(' or ')}`,
          `got ${hg ? `GET ${str(hg.path)}` : Object.keys(p).join(', ')}`,
        );
        if (hg) report.check(portResolves(app, hg.port), `${cw}: ${kind} port ${str(hg.port)} is a container port`);
      };
      probe('livenessProbe', ['/healthz']);
      probe('readinessProbe', ['/readyz']);
      probe('startupProbe', ['/healthz', '/readyz']);
      const port = appEnv.get('PORT')?.value ?? facts.port ?? undefined;
      if (port !== undefined) {
        report.check(
          (app.ports ?? []).some((p) => String(p.containerPort) === str(port)),
          `${cw}: a containerPort equals PORT (${str(port)})`,
          `ports ${(app.ports ?? []).map((p) => p.containerPort).join(', ')}`,
        );
      }
      const host = appEnv.get('HOST')?.value;
      report.check(host === undefined ? facts.host === '0.0.0.0' : host === '0.0.0.0', `${cw}: HOST=0.0.0.0 (reachable from the Service)`, `got ${str(host)}`);
      const stopS = preStopSeconds(app);
      report.check(stopS > 0, `${cw}: preStop delay lets endpoints drain before SIGTERM`);
      const cmd = app.lifecycle?.preStop?.exec?.command ?? [];
      if (cmd.length && /^(\/bin\/)?(ba)?sh$|^(\/bin\/)?sleep$/.test(cmd[0])) {
        report.warn(`${cw}: preStop runs ${cmd[0]}; a distroless image has only node (node -e "setTimeout(()=>{},5000)")`);
      }
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      report.check(
        grace > stopS + shutdownMs(appEnv) / 1000,
        `${dw}: terminationGracePeriodSeconds (${grace}) > preStop (${stopS}s) + SHUTDOWN_TIMEOUT_MS (${shutdownMs(appEnv) / 1000}s)`,
      );
      if (app.command || app.args) report.warn(`${cw}: overrides the image's CMD`);
      serverAccepts(ctx, cw, Object.fromEntries([...appEnv].map(([k, v]) => [k, v.value !== undefined ? str(v.value) : (STAND_IN[k] ?? 'stand-in')])));
    }
    const runsMigrations = (c: Container): boolean => [...(c.command ?? []), ...(c.args ?? [])].join(' ').includes(MIGRATE_CLI.dist);
    const migrationJobs = jobs.filter((j) => (j.obj.spec.template?.spec?.containers ?? []).some(runsMigrations));
    report.check(migrationJobs.length > 0, `a Job runs ${MIGRATE_CLI.dist}`);
    if (migrationJobs.length) {
      const mr = appEnv.get('MIGRATIONS_RUN')?.value;
      report.check(mr === 'false', `${dw}: MIGRATIONS_RUN "false" (the Job migrates)`, `got ${str(mr)}`);
    }
    for (const j of migrationJobs) {
      const js = j.obj.spec;
      const jobPod = js.template?.spec ?? {};
      report.check(
        ['Never', 'OnFailure'].includes(str(jobPod.restartPolicy)),
        `${j.where}: restartPolicy Never or OnFailure`,
        `got ${str(jobPod.restartPolicy)}`,
      );
      report.check(Number.isInteger(js.backoffLimit) && Number(js.backoffLimit) > 0, `${j.where}: backoffLimit set`);
      report.check(existsSync(join(ctx.root, MIGRATE_CLI.src)), `${j.where}: ${MIGRATE_CLI.dist} is built from ${MIGRATE_CLI.src}, which exists`);
      const jc = (jobPod.containers ?? []).find(runsMigrations);
      if (appContainer && jc) {
        report.check(jc.image === appContainer.image, `${j.where}: same image as the Deployment (${str(appContainer.image)})`, `got ${str(jc.image)}`);
        const refs = (c: Container): string => JSON.stringify((c.envFrom ?? []).map((s) => [s.configMapRef?.name, s.secretRef?.name, s.prefix ?? '']));
        report.check(refs(jc) === refs(appContainer), `${j.where}: same envFrom as the Deployment`);
      }
      const jl = asObject(js.template?.metadata?.labels) ?? {};
      for (const s of byKind<Loose<IService>>('Service')) {
        const sel = asObject(s.obj.spec?.selector);
        if (sel && Object.keys(sel).length) report.check(!selects({ matchLabels: sel }, jl), `${j.where}: pods are not selected by Service ${str(nameOf(s))}`);
      }
      for (const p of byKind<Loose<IPodDisruptionBudget>>('PodDisruptionBudget')) {
        report.check(!selects(p.obj.spec?.selector, jl), `${j.where}: pods are not counted by PodDisruptionBudget ${str(nameOf(p))}`);
      }
    }
  }
  const podLabels = asObject(deployment?.obj.spec.template?.metadata?.labels) ?? {};

  // ConfigMaps and Secrets
  for (const d of byKind<Loose<IConfigMap>>('ConfigMap')) {
    const data = asObject(d.obj.data) ?? {};
    const leaked = Object.keys(data).filter((k) => SECRET_KEY.test(k) && str(data[k]).length > 0);
    report.check(leaked.length === 0, `${d.where}: no secrets in a ConfigMap`, `move ${leaked.join(', ')} to the Secret`);
    if ('PUBLIC_URL' in data) {
      report.check(
        /^https:\/\/[^/?#]+(\/[^?#]*[^/?#])?$/.test(str(data.PUBLIC_URL)),
        `${d.where}: PUBLIC_URL is an https URL without a trailing slash`,
        `got ${str(data.PUBLIC_URL)}`,
      );
    }
    if ('MIGRATIONS_RUN' in data) report.check(['true', 'false'].includes(str(data.MIGRATIONS_RUN)), `${d.where}: MIGRATIONS_RUN is true or false`);
    for (const k of Object.keys(data)) if (!reads(k)) report.warn(`${d.where}: ${k} is not read by the server yet (src/config/environment.ts)`);
  }
  for (const d of byKind<Loose<ISecret>>('Secret')) {
    const sd = asObject(d.obj.stringData) ?? {};
    const keys = secretKeys(nameOf(d));
    if (d.file.includes('.example.')) {
      report.check(Object.keys(asObject(d.obj.data) ?? {}).length === 0 && Object.keys(sd).length > 0, `${d.where}: example uses stringData only`);
      const real = Object.entries(sd).filter(([, v]) => !/CHANGE-?ME|REPLACE|PLACEHOLDER|EXAMPLE/i.test(str(v)));
      report.check(real.length === 0, `${d.where}: every example value is a marked placeholder (CHANGE-ME)`, `not marked: ${real.map(([k]) => k).join(', ')}`);
      const kes = sd.KEY_ENCRYPTION_SECRET;
      if (kes !== undefined) {
        report.check(
          str(kes).length < 32,
          `${d.where}: placeholder KEY_ENCRYPTION_SECRET is too short for the server to accept (< 32 chars), so it cannot go live by mistake`,
        );
      }
    }
    for (const k of keys) if (!reads(k)) report.warn(`${d.where}: ${k} is not read by the server yet (src/config/environment.ts)`);
    const both = keys.filter((k) => [...configMaps.keys()].some((cm) => cmKeys(cm).includes(k)));
    if (both.length) report.warn(`${d.where}: ${both.join(', ')} also set in a ConfigMap`);
  }

  // Services
  const services = byKind<Loose<IService>>('Service');
  report.check(services.length >= 1, 'a Service');
  for (const s of services) {
    const spec = s.obj.spec ?? {};
    const sel = asObject(spec.selector) ?? {};
    report.check((spec.type ?? 'ClusterIP') === 'ClusterIP', `${s.where}: type ClusterIP (exposed through an Ingress)`, `got ${str(spec.type)}`);
    const targets = deployments.filter(
      (dp) => Object.keys(sel).length && selects({ matchLabels: sel }, asObject(dp.obj.spec.template?.metadata?.labels) ?? {}),
    );
    report.check(
      targets.length > 0,
      `${s.where}: selector matches the Deployment's pod labels`,
      `selector ${JSON.stringify(sel)} vs ${JSON.stringify(podLabels)}`,
    );
    for (const p of spec.ports ?? []) {
      const tp = p.targetPort ?? p.port;
      for (const dp of targets) {
        const cs = dp.obj.spec.template?.spec?.containers ?? [];
        const hit = cs.find((c) => portResolves(c, tp));
        const port = hit && (hit.ports ?? []).find((cp) => portMatches(cp, tp));
        report.check(
          !!hit,
          `${s.where}: port ${str(p.port)} -> targetPort ${str(tp)} is a container port of ${dp.where}${port ? ` (${str(port.containerPort)})` : ''}`,
        );
      }
    }
  }

  // PodDisruptionBudgets
  const hpas = byKind<Loose<IHorizontalPodAutoscaler>>('HorizontalPodAutoscaler');
  for (const p of byKind<Loose<IPodDisruptionBudget>>('PodDisruptionBudget')) {
    const spec = p.obj.spec ?? {};
    report.check(
      selects(spec.selector, podLabels) && Object.keys(asObject(spec.selector) ?? {}).length > 0,
      `${p.where}: selector matches the Deployment's pod labels`,
    );
    const ints = [deployment?.obj.spec.replicas ?? 1, ...hpas.map((h) => h.obj.spec?.minReplicas ?? 1)].filter(Number.isInteger);
    const minPods = ints.length ? Math.min(...ints) : 1;
    if (Number.isInteger(spec.minAvailable)) {
      report.check(
        Number(spec.minAvailable) < minPods,
        `${p.where}: minAvailable ${str(spec.minAvailable)} < the fewest replicas (${minPods}), so drains can proceed`,
      );
    }
    if (spec.maxUnavailable !== undefined) {
      report.check(spec.maxUnavailable !== 0 && spec.maxUnavailable !== '0%', `${p.where}: maxUnavailable is not 0 (that blocks every drain)`);
    }
  }

  // HorizontalPodAutoscalers
  for (const h of hpas) {
    const spec = h.obj.spec ?? {};
    const ref = spec.scaleTargetRef ?? {};
    const target = docs.find((d) => d.obj.kind === ref.kind && nameOf(d) === ref.name && (!ref.apiVersion || d.obj.apiVersion === ref.apiVersion)) as
      Doc<Workload> | undefined;
    report.check(!!target, `${h.where}: scaleTargetRef ${ref.apiVersion ?? ''} ${str(ref.kind)}/${str(ref.name)} is defined`);
    const min = spec.minReplicas ?? 1;
    report.check(spec.maxReplicas !== undefined && min <= spec.maxReplicas, `${h.where}: minReplicas (${min}) <= maxReplicas (${str(spec.maxReplicas)})`);
    report.check(min >= 2, `${h.where}: minReplicas >= 2`);
    const replicas = asObject(target?.obj.spec)?.replicas;
    if (Number.isInteger(replicas) && spec.minReplicas !== undefined) {
      const n = Number(replicas);
      report.check(
        n >= spec.minReplicas && spec.maxReplicas !== undefined && n <= spec.maxReplicas,
        `${h.where}: the Deployment's replicas (${n}) lie within ${spec.minReplicas}-${str(spec.maxReplicas)}`,
      );
    }
    for (const m of spec.metrics ?? []) {
      if (m.type === 'Resource' && m.resource?.target?.type === 'Utilization' && target) {
        const r = str(m.resource.name);
        const cs = target.obj.spec.template?.spec?.containers ?? [];
        report.check(
          cs.every((c) => asObject(c.resources?.requests)?.[r] !== undefined),
          `${h.where}: ${r} utilization target has ${r} requests on every container`,
        );
      }
    }
  }

  // Ingresses
  const publicUrl = appEnv.get('PUBLIC_URL')?.value;
  for (const ing of byKind<Loose<IIngress>>('Ingress')) {
    const spec = ing.obj.spec ?? {};
    const hosts = new Set<string>();
    for (const rule of spec.rules ?? []) {
      if (rule.host) hosts.add(rule.host);
      for (const p of rule.http?.paths ?? []) {
        const svc = p.backend?.service;
        if (!svc) continue;
        const s = services.find((x) => nameOf(x) === svc.name);
        report.check(!!s, `${ing.where}: backend Service ${str(svc.name)} is defined`);
        if (s) {
          const named = svc.port?.name;
          report.check(
            (s.obj.spec?.ports ?? []).some((sp) => (named !== undefined ? sp.name === named : sp.port === svc.port?.number)),
            `${ing.where}: backend port ${str(named ?? svc.port?.number)} is a port of Service ${str(svc.name)}`,
          );
        }
      }
    }
    const tlsHosts = new Set((spec.tls ?? []).flatMap((t) => t.hosts ?? []));
    report.check([...hosts].every((h) => tlsHosts.has(h)) && hosts.size > 0, `${ing.where}: every host is covered by tls`);
    if (publicUrl) {
      let host: string | null = null;
      try {
        host = new URL(str(publicUrl)).hostname;
      } catch {
        // reported with the ConfigMap
      }
      report.check(host !== null && hosts.has(host), `${ing.where}: a rule's host matches PUBLIC_URL (${str(host)})`, `hosts ${[...hosts].join(', ')}`);
    }
  }
}
