/** The garbage collector, when the process runs with --expose-gc (`npm start` and the image do). */
type ExposedGc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

/**
 * One full, compacting garbage collection once start-up is done: the heap that start-up grew (module
 * code run once, Nest's metadata scanning, migrations) is given back, and the young generation shrinks
 * to its minimum. A server that stays idle never collects on its own (nothing allocates), so without it
 * an idle instance keeps ~13 MB more (Node 24, real Postgres: ~130 -> ~117 MB RSS); under load the heap
 * grows again as it needs. Takes ~80-100 ms, once, as the server turns ready.
 * Returns how long it took, or undefined when the collector is not exposed.
 */
export function releaseStartupMemory(gc: unknown = (globalThis as { gc?: unknown }).gc): number | undefined {
  if (typeof gc !== 'function') return undefined;
  const started = performance.now();
  // 'last-resort': the collection V8 runs under memory pressure (several passes, compaction, smaller heap).
  (gc as ExposedGc)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return performance.now() - started;
}
