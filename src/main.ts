import { withDeferredDateFormats } from './boot/deferred-date-formats.js';

// Imported, not a static import: the application's modules load inside withDeferredDateFormats.
const { run } = await withDeferredDateFormats(() => import('./server.js'));
run();
