import { mock } from 'node:test';
import { scheduleOnWallClock } from './wall-clock-schedule.js';

const MIN = 60_000;

describe('scheduleOnWallClock', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.UTC(2026, 10, 30, 15, 3, 20) }));
  afterEach(() => mock.timers.reset());

  /** Lets the task's promise chain settle and the next timer be armed. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('runs at the slots of the wall clock: every 10 minutes at :05, :15, ... with a 5-minute offset', async () => {
    const runs: string[] = [];
    const stop = scheduleOnWallClock(10 * MIN, 5 * MIN, async () => void runs.push(new Date(Date.now()).toISOString().slice(11, 19)));
    // The clock starts at 15:03:20; each tick ends exactly on a slot.
    for (const ms of [100_000, 10 * MIN, 10 * MIN]) {
      mock.timers.tick(ms);
      await settle();
    }
    stop();
    expect(runs).toEqual(['15:05:00', '15:15:00', '15:25:00']);
  });

  it('offset 0: on the hour and every 10 minutes after', async () => {
    const runs: string[] = [];
    const stop = scheduleOnWallClock(10 * MIN, 0, async () => void runs.push(new Date(Date.now()).toISOString().slice(11, 19)));
    mock.timers.tick(6 * MIN + 39_000); // a second early: nothing yet
    await settle();
    expect(runs).toEqual([]);
    mock.timers.tick(1000);
    await settle();
    mock.timers.tick(10 * MIN);
    await settle();
    stop();
    expect(runs).toEqual(['15:10:00', '15:20:00']);
  });

  it('a run still going at its next slot skips that slot; a failed run does not stop the schedule; stop() stops it', async () => {
    let runs = 0;
    let finish: () => void = () => undefined;
    const stop = scheduleOnWallClock(10 * MIN, 0, () => {
      runs++;
      if (runs === 1) return new Promise<void>((resolve) => (finish = resolve));
      return Promise.reject(new Error('database down'));
    });
    mock.timers.tick(7 * MIN); // past 15:10: the first run starts and hangs
    await settle();
    mock.timers.tick(25 * MIN); // 15:20 and 15:30 pass while it runs
    await settle();
    expect(runs).toBe(1);
    finish(); // at 15:35:20: the next run is at 15:40
    await settle();
    mock.timers.tick(5 * MIN);
    await settle();
    expect(runs).toBe(2);
    mock.timers.tick(10 * MIN); // after a rejected run, the schedule goes on
    await settle();
    expect(runs).toBe(3);
    stop();
    mock.timers.tick(60 * MIN);
    await settle();
    expect(runs).toBe(3);
  });

  it.each([
    [0, 0],
    [-1, 0],
    [10, 10],
    [10, -1],
    [Number.NaN, 0],
  ])('refuses period %d with offset %d', (period, offset) => {
    expect(() => scheduleOnWallClock(period, offset, async () => undefined)).toThrow(RangeError);
  });
});
