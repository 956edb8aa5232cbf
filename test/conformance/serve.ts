// `npm run conformance:serve`: the server exactly as `npm start` runs it (same PORT, PUBLIC_URL and
// every other setting), plus the conformance suite's fixtures. Never used in production.
import { withDeferredDateFormats } from '../../src/boot/deferred-date-formats.js';

const { run, ConformanceModule } = await withDeferredDateFormats(async () => ({
  ...(await import('../../src/server.js')),
  ...(await import('./conformance.module.js')),
}));
run([ConformanceModule]);
