import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkCompose } from './compose.js';
import { createContext, type LintContext } from './context.js';
import { checkDockerfile, checkDockerignore } from './dockerfile.js';
import { checkKubernetes } from './kubernetes.js';
import { lintDeploy } from './lint-deploy.js';
import { checkRender } from './render.js';
import { Report } from './report.js';
import { checkTools } from './tools.js';

/** The files the linter reads, copied from this repository (the tests run from its root). */
const INPUTS = [
  'docker-compose.yml',
  'Dockerfile',
  '.dockerignore',
  'package.json',
  'render.yaml',
  'deploy/kubernetes',
  'src/config/environment.ts',
  'src/cli/migrate.ts',
];
const dirs: string[] = [];

function copyOfRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lint-deploy-'));
  dirs.push(dir);
  for (const rel of INPUTS) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    cpSync(rel, join(dir, rel), { recursive: true });
  }
  return dir;
}

/** Rewrites one file; the pattern must match, so a test cannot pass on an edit that did nothing. */
function edit(dir: string, rel: string, pattern: RegExp | string, replacement: string): void {
  const path = join(dir, rel);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(pattern, replacement);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

function quietContext(dir: string): LintContext {
  return createContext(dir, new Report(() => {}));
}

const failed = (ctx: LintContext): string[] => ctx.report.lines.filter((l) => l.startsWith('  FAIL  ')).map((l) => l.slice('  FAIL  '.length));

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('lint-deploy', () => {
  it("passes this repository's deployment files (every section reports checks, none fails)", async () => {
    const report = await lintDeploy(copyOfRepo(), new Report(() => {}), { tools: false });
    expect(report.lines.filter((l) => l.startsWith('  FAIL'))).toEqual([]);
    expect(report.failures).toBe(0);
    for (const section of ['docker-compose.yml', 'Dockerfile', '.dockerignore', 'deploy/kubernetes', 'render.yaml']) {
      expect(report.lines.some((l) => l.startsWith(`== ${section}`))).toBe(true);
    }
    expect(report.lines.filter((l) => l.startsWith('  ok')).length).toBeGreaterThan(200);
    expect(report.lines).toContain('  ok    no unknown fields in 8 manifest(s)');
    expect(report.summary()).toMatch(/^lint-deploy: OK \(0 failed/);
  });

  describe('docker-compose.yml', () => {
    it('fails a latest tag and a root user', () => {
      const dir = copyOfRepo();
      edit(dir, 'docker-compose.yml', 'image: postgres:16', 'image: postgres:latest');
      edit(dir, 'docker-compose.yml', '    read_only: true\n', '    read_only: true\n    user: root\n');
      const ctx = quietContext(dir);
      checkCompose(ctx);
      expect(failed(ctx)).toEqual(
        expect.arrayContaining([
          'service postgres: image "postgres:latest" uses the latest tag',
          'postgres: image is postgres:16 — got postgres:latest',
          'app: does not run as root',
        ]),
      );
    });

    it('fails a misspelt top-level key and a duplicate key', () => {
      const dir = copyOfRepo();
      edit(dir, 'docker-compose.yml', /^services:/m, 'servics:');
      let ctx = quietContext(dir);
      checkCompose(ctx);
      expect(failed(ctx)).toEqual(['only known top-level keys — unknown: servics', 'has a services mapping']);

      edit(dir, 'docker-compose.yml', 'name: secure-mcp-server\n', 'name: secure-mcp-server\nname: again\n');
      ctx = quietContext(dir);
      checkCompose(ctx);
      expect(failed(ctx)).toEqual([expect.stringMatching(/^YAML: Map keys must be unique/)]);
    });
  });

  describe('Dockerfile and .dockerignore', () => {
    it('fails a latest base image, a root USER and npm install', () => {
      const dir = copyOfRepo();
      edit(dir, 'Dockerfile', /^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:latest');
      edit(dir, 'Dockerfile', /^USER node$/m, 'USER root');
      edit(dir, 'Dockerfile', /^RUN npm ci$/m, 'RUN npm install');
      const ctx = quietContext(dir);
      checkDockerfile(ctx);
      expect(failed(ctx)).toEqual(
        expect.arrayContaining([
          'FROM line 18: image "node:latest" uses the latest tag',
          'final stage runs as a non-root USER — USER root',
          'no npm install (npm ci only)',
        ]),
      );
      expect(ctx.dockerfile.user).toBe('root');
    });

    it('fails a .dockerignore that lets .env into the build context', () => {
      const dir = copyOfRepo();
      edit(dir, '.dockerignore', /^\.env$/m, '');
      const ctx = quietContext(dir);
      checkDockerignore(ctx);
      expect(failed(ctx)).toEqual(['.dockerignore excludes .env']);
    });
  });

  describe('deploy/kubernetes', () => {
    let fails: string[] = [];

    beforeAll(async () => {
      const dir = copyOfRepo();
      const deployment = 'deploy/kubernetes/deployment.yaml';
      edit(dir, deployment, 'image: secure-mcp-server:0.1.0', 'image: secure-mcp-server:latest');
      // the container's securityContext (the pod's also says 1000)
      edit(dir, deployment, '            runAsUser: 1000\n            runAsGroup: 1000\n', '            runAsUser: 0\n            runAsGroup: 1000\n');
      edit(dir, deployment, / {10}readinessProbe:\n(?: {12}.*\n)+/, '');
      edit(dir, deployment, 'readOnlyRootFilesystem: true', 'readOnlyRootFileSystem: true');
      const ctx = quietContext(dir);
      checkDockerfile(ctx);
      await checkKubernetes(ctx);
      fails = failed(ctx);
    });

    const server = 'deployment.yaml Deployment/secure-mcp-server container server';

    it('fails a latest image tag', () => {
      expect(fails).toContain(`${server}: image "secure-mcp-server:latest" uses the latest tag`);
    });

    it('fails a container running as root', () => {
      expect(fails).toContain(`${server}: runAsUser is a non-root uid — got 0`);
    });

    it('fails a missing readiness probe', () => {
      expect(fails).toContain(`${server}: has a readinessProbe`);
    });

    it('fails a misspelt field that the JSON schema lets through', () => {
      expect(fails).not.toContainEqual(expect.stringContaining(': schema:'));
      expect(fails).toContainEqual(
        expect.stringMatching(
          /^deployment\.yaml Deployment\/secure-mcp-server: unknown field spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFileSystem \(not in SecurityContext\)$/,
        ),
      );
      expect(fails).toContain(`${server}: readOnlyRootFilesystem: true`);
    });

    it('fails a value of the wrong type against the Kubernetes schema', async () => {
      const dir = copyOfRepo();
      edit(dir, 'deploy/kubernetes/deployment.yaml', /replicas: \d+/, 'replicas: two');
      const ctx = quietContext(dir);
      await checkKubernetes(ctx);
      expect(failed(ctx)).toContain('deployment.yaml Deployment/secure-mcp-server: schema: spec.replicas must be integer');
    });
  });

  describe('render.yaml', () => {
    it('fails a hard-coded secret and an unknown service field', () => {
      const dir = copyOfRepo();
      edit(
        dir,
        'render.yaml',
        /- key: KEY_ENCRYPTION_SECRET\n(\s+)generateValue: true/,
        '- key: KEY_ENCRYPTION_SECRET\n$1value: hard-coded-secret-of-at-least-32-characters',
      );
      edit(dir, 'render.yaml', /healthCheckPath:/, 'healthCheckPth: /x\n    healthCheckPath:');
      const ctx = quietContext(dir);
      checkRender(ctx);
      expect(failed(ctx)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/envVars\[\d+\] KEY_ENCRYPTION_SECRET: a secret is not hard-coded/),
          expect.stringMatching(/^services\[0\] [\w-]+: only known fields — unknown: healthCheckPth$/),
        ]),
      );
    });
  });

  describe('malformed values', () => {
    it('fail the checks that read them, never crash the run', () => {
      const dir = copyOfRepo();
      writeFileSync(
        join(dir, 'docker-compose.yml'),
        'services:\n  app:\n    build: {context: 5}\n    ports: 5\n    env_file: [null]\n    healthcheck: {test: 5}\n    volumes: [null]\n  postgres: {image: 5}\n',
      );
      writeFileSync(
        join(dir, 'render.yaml'),
        'services:\n  - type: web\n    runtime: docker\n    envVars: [5, {key: 5}, {fromDatabase: 5, key: A}]\n    dockerfilePath: 7\n',
      );
      const ctx = quietContext(dir);
      checkCompose(ctx);
      checkRender(ctx);
      expect(failed(ctx)).toEqual(
        expect.arrayContaining([
          'service postgres: image "5" has no tag (means :latest)',
          'app: build dockerfile Dockerfile exists in context 5',
          'app: publishes 3000:3000 — got ',
          'services[0] envVars[0] is a mapping',
          'services[0] envVars[1] 5: key is an environment variable name',
          'services[0]: dockerfilePath 7 exists',
        ]),
      );
    });
  });

  describe('a file that cannot be read', () => {
    it('fails its section by name and the other sections still run', async () => {
      const dir = copyOfRepo();
      rmSync(join(dir, 'docker-compose.yml'));
      mkdirSync(join(dir, 'docker-compose.yml'));
      const report = await lintDeploy(dir, new Report(() => {}), { tools: false });
      expect(report.lines.filter((l) => l.startsWith('  FAIL'))).toEqual([expect.stringMatching(/^ {2}FAIL {2}docker-compose\.yml: checks stopped: EISDIR/)]);
      expect(report.lines).toContain('== render.yaml (Render Blueprint)');
      expect(report.lines).toContain('  ok    one web service');
      expect(report.summary()).toMatch(/^lint-deploy: FAILED \(1 failed/);
    });
  });

  describe('scripts', () => {
    it('fails a scripts/*.mjs file that does not parse', () => {
      const dir = copyOfRepo();
      mkdirSync(join(dir, 'scripts'));
      writeFileSync(join(dir, 'scripts/good.mjs'), 'export const x = 1;\n');
      writeFileSync(join(dir, 'scripts/broken.mjs'), 'export const = ;\n');
      const ctx = quietContext(dir);
      checkTools(ctx);
      expect(failed(ctx)).toEqual(['scripts/broken.mjs']);
      expect(ctx.report.lines).toContain('  ok    scripts/good.mjs');
    });
  });
});
