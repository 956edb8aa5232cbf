import { withDeferredDateFormats } from './deferred-date-formats.js';

describe('withDeferredDateFormats', () => {
  const Real = Intl.DateTimeFormat;
  let constructed = 0;
  beforeEach(() => {
    constructed = 0;
    // Counts real constructions (stands in for "ICU's data was loaded").
    Intl.DateTimeFormat = new Proxy(Real, { construct: (t, args) => (constructed++, Reflect.construct(t, args)) });
  });
  afterEach(() => {
    Intl.DateTimeFormat = Real;
  });

  it('a formatter made while loading builds the real one only when first used, and then formats exactly like it', async () => {
    const counting = Intl.DateTimeFormat;
    const options: Intl.DateTimeFormatOptions = { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: 'numeric' };
    const made = await withDeferredDateFormats(async () => new Intl.DateTimeFormat('en-US', options));
    expect(Intl.DateTimeFormat).toBe(counting);
    expect(constructed).toBe(0);
    const when = Date.UTC(2026, 10, 30, 15, 4);
    expect(made.format(when)).toBe(new Real('en-US', options).format(when));
    expect(made.formatToParts(when)).toEqual(new Real('en-US', options).formatToParts(when));
    expect(made.resolvedOptions().timeZone).toBe('UTC');
    expect(made).toBeInstanceOf(Real);
    expect(constructed).toBe(1); // once, for four uses (the comparisons use the uncounted constructor)
  });

  it("Nest's ConsoleLogger imported through it still prints its timestamp", async () => {
    const { ConsoleLogger } = await withDeferredDateFormats(() => import('@nestjs/common'));
    const line = new ConsoleLogger('Test', { colors: false, timestamp: false });
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string) => (written.push(String(chunk)), true);
    try {
      line.log('hello');
    } finally {
      process.stdout.write = write;
    }
    expect(written.join('')).toMatch(/\d{1,2}\/\d{1,2}\/\d{4}, \d{1,2}:\d{2}:\d{2}\s?[AP]M\s+LOG \[Test\] hello/);
    expect(new Intl.DateTimeFormat('en-US')).not.toHaveProperty('then');
  });

  it('puts the real constructor back when loading fails', async () => {
    const counting = Intl.DateTimeFormat;
    await expect(
      withDeferredDateFormats(async () => {
        throw new Error('import failed');
      }),
    ).rejects.toThrow('import failed');
    expect(Intl.DateTimeFormat).toBe(counting);
  });
});
