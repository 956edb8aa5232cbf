/**
 * Runs `task` at fixed times of the wall clock: whenever the time since the epoch, less `offsetMs`, is a
 * multiple of `periodMs` (every 10 minutes at :00, :10, ... with offset 0; at :05, :15, ... with 5 minutes).
 * Instances that share a schedule run at the same moments, so an advisory lock lets one of them work.
 * A run that is still going at its next slot makes that slot be skipped, never a second run at once.
 * The timer does not keep the process alive. Returns a function that stops it.
 *
 * A cron library would do this and more; the two clean-up tasks need only this, and the cron package
 * (with luxon and the ICU data its time zones load) cost the idle server ~8 MB of memory.
 */
export function scheduleOnWallClock(periodMs: number, offsetMs: number, task: () => Promise<unknown>, now: () => number = Date.now): () => void {
  if (!(periodMs > 0) || !(offsetMs >= 0 && offsetMs < periodMs)) throw new RangeError(`Bad schedule: every ${periodMs} ms, offset ${offsetMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (): void => {
    if (stopped) return;
    const t = now();
    const next = Math.floor((t - offsetMs) / periodMs) * periodMs + offsetMs + periodMs;
    timer = setTimeout(fire, next - t);
    timer.unref();
  };
  const fire = (): void => {
    // Errors are the task's to report; a rejection must not stop the schedule.
    task()
      .catch(() => undefined)
      .finally(arm);
  };
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
