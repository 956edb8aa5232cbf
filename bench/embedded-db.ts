/**
 * Runs the project's embedded engine (PGlite behind pglite-socket, src/database/embedded-postgres.ts)
 * in its own process, so that it neither shares an event loop with the load generator nor is counted
 * as any server's CPU. Reports its connection URL to the parent over IPC; stops on SIGTERM or when the
 * parent goes away.
 *
 * Env: DATA_DIR.
 */
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';

async function main(): Promise<void> {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) throw new Error('embedded-db: DATA_DIR is required');
  const engine = new EmbeddedPostgres(dataDir);
  const url = await engine.start();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    engine
      .stop()
      .catch((e: unknown) => console.error(`embedded-db: stop failed: ${(e as Error).message}`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.send?.({ type: 'listening', url });
}

main().catch((e: unknown) => {
  console.error(`embedded-db failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
