#!/usr/bin/env node
// Static checks of the deployment files, no Docker engine or cluster needed (`npm run lint:deploy`).
//   node dist-test/scripts/lint-deploy/main.js [repository root, default: the current directory]
// docker-compose.yml, Dockerfile (+ .dockerignore), deploy/kubernetes (schemas and types from
// kubernetes-models, then policy), render.yaml; node --check on scripts/*.mjs; shellcheck/hadolint when on PATH.
// Exit status: 0 when every check passed (warnings allowed), 1 when any failed.
import { resolve } from 'node:path';
import { lintDeploy } from './lint-deploy.js';
import { Report } from './report.js';

const report = await lintDeploy(resolve(process.argv[2] ?? '.'), new Report());
console.log(`\n${report.summary()}`);
process.exitCode = report.failures === 0 ? 0 : 1;
