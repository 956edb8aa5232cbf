import fc from 'fast-check';
import { isUtcMicrosTimestamp, toMillisTimestamp } from './timestamp.js';

describe('isUtcMicrosTimestamp', () => {
  it.each(['2025-11-22T10:00:00.123456Z', '2024-02-29T23:59:59.999999Z', '0001-01-01T00:00:00.000000Z', '0099-12-31T00:00:00.000000Z'])(
    'accepts %s',
    (value) => {
      expect(isUtcMicrosTimestamp(value)).toBe(true);
    },
  );

  it.each([
    '2021-02-31T00:00:00.000000Z',
    '2023-02-29T00:00:00.000000Z',
    '2021-04-31T00:00:00.000000Z',
    '2021-13-01T00:00:00.000000Z',
    '2021-00-10T00:00:00.000000Z',
    '2021-01-00T00:00:00.000000Z',
    '0000-01-01T00:00:00.000000Z',
    '2021-01-01T24:00:00.000000Z',
    '2021-01-01T10:60:00.000000Z',
    '2021-01-01T10:00:60.000000Z',
    '2021-01-01T10:00:00Z',
    '2021-01-01T10:00:00.000Z',
    '2021-01-01',
    '2020',
    '1',
    'March 7',
    '2021-01-01T10:00:00.000000Z ',
    '２０２１-01-01T10:00:00.000000Z',
  ])('refuses %j', (value) => {
    expect(isUtcMicrosTimestamp(value)).toBe(false);
  });

  it('accepts exactly what a real instant prints as (any instant from year 1 to 9999)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        (d, micros) => {
          const text = `${d.toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`.replace(/^\+?0*(\d{4})/, '$1');
          expect(isUtcMicrosTimestamp(text)).toBe(true);
        },
      ),
    );
  });

  it('shows a microsecond timestamp as the admin API prints the same instant (toISOString, milliseconds)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        (d, micros) => {
          const stored = `${d.toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
          expect(toMillisTimestamp(stored)).toBe(d.toISOString());
        },
      ),
    );
  });
});
