import 'reflect-metadata';
import { createServer, type AddressInfo } from 'node:net';
import type { Type } from '@nestjs/common';
import { createApp, shutdown, startupBanner, appLogger } from './app.factory.js';
import { AppConfig } from './config/app-config.js';
import { EnvironmentError } from './config/environment.js';
import { recordRunningServer } from './config/running-server.js';
import { describeError } from './common/errors/describe-error.js';
import { RequestContextService } from './common/context/request-context.service.js';
import { DatabaseConnector, StartupError } from './database/database-connector.service.js';
import { logUnhandledRejections } from './http/unhandled-rejections.js';
import { releaseStartupMemory } from './boot/release-startup-memory.js';

/**
 * Starts the server as `npm start` does. `modules`: test-only modules; only the conformance entry
 * point (test/conformance/serve.ts) passes any, production passes none.
 */
export async function serve(modules: Type[] = []): Promise<void> {
  const started = Date.now();
  let config = AppConfig.fromProcess();
  if (config.port === 0 && !process.env.PUBLIC_URL) {
    // PORT=0 picks a free port; the default PUBLIC_URL (issuer, metadata, banner) must name that port, not 0.
    process.env.PORT = String(await freePort(config.host));
    config = AppConfig.fromProcess();
  }
  const app = await createApp(config, { modules });
  logUnhandledRejections(app.get(RequestContextService));
  // Listens at once: /healthz answers while the database is still being reached (then /readyz turns 200).
  await app.listen(config.port, config.host);
  const forget = recordRunningServer(config, (app.getHttpServer().address() as { port: number }).port);
  process.once('exit', forget);
  console.log(startupBanner(config));
  let stopping = false;
  const stop = (reason: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    appLogger.log(`${reason}: draining requests and shutting down (at most ${config.shutdownTimeoutMs} ms)`);
    // A hook that hangs cannot keep the process past SHUTDOWN_TIMEOUT_MS.
    setTimeout(() => {
      appLogger.error(`Shutdown took longer than SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; exiting now`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    shutdown(app, config.shutdownTimeoutMs)
      .then(() => process.exit(code))
      .catch((e: unknown) => {
        appLogger.error(`Shutdown failed: ${describeError(e)}`);
        process.exit(1);
      });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(`${signal} received`, 0));
  app
    .get(DatabaseConnector)
    .whenReady()
    .then(
      () => {
        appLogger.log(`Ready in ${Date.now() - started} ms`);
        const before = process.memoryUsage.rss();
        const took = releaseStartupMemory();
        if (took === undefined) appLogger.debug('Start-up memory kept: node runs without --expose-gc (npm start and the image pass it)');
        else appLogger.debug(`Released start-up memory in ${Math.round(took)} ms: RSS ${mb(before)} -> ${mb(process.memoryUsage.rss())} MB`);
      },
      // Logged once by the connector (a StartupError is one line saying what to fix).
      (e: unknown) => stop(e instanceof StartupError ? 'Start-up failed' : `Start-up failed (${(e as Error).message})`, 1),
    );
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Runs `serve`, and on failure prints one line saying what to fix and exits 1. */
export function run(modules: Type[] = []): void {
  serve(modules).catch((e: unknown) => {
    if (e instanceof EnvironmentError || e instanceof StartupError) {
      console.error(e.message);
    } else {
      console.error(`Start-up failed: ${describeError(e)}`);
    }
    process.exit(1);
  });
}
