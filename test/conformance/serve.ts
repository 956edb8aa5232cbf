// `npm run conformance:serve`: the server exactly as `npm start` runs it (same PORT, PUBLIC_URL and
// every other setting), plus the conformance suite's fixtures. Never used in production.
import { run } from '../../src/server.js';
import { ConformanceModule } from './conformance.module.js';

run([ConformanceModule]);
