import 'reflect-metadata';
import { createApp, shutdown, startupBanner, appLogger } from './app.factory.js';
import { AppConfig } from './config/app-config.js';
import { EnvironmentError } from './config/environment.js';
import { describeError } from './common/errors/describe-error.js';
import { RequestContextService } from './common/context/request-context.service.js';
import { logUnhandledRejections } from './http/unhandled-rejections.js';

async function main(): Promise<void> {
  const started = Date.now();
  const config = AppConfig.fromProcess();
  const app = await createApp(config);
  logUnhandledRejections(app.get(RequestContextService));
  await app.listen(config.port, config.host);
  appLogger.log(`Ready in ${Date.now() - started} ms`);
  console.log(startupBanner(config));
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      appLogger.log(`${signal} received: draining requests and shutting down`);
      shutdown(app, config.shutdownTimeoutMs)
        .then(() => process.exit(0))
        .catch((e: unknown) => {
          appLogger.error(`Shutdown failed: ${describeError(e)}`);
          process.exit(1);
        });
    });
  }
}

main().catch((e: unknown) => {
  if (e instanceof EnvironmentError) {
    console.error(e.message);
  } else {
    console.error(`Start-up failed: ${describeError(e)}`);
  }
  process.exit(1);
});
