/**
 * Compile-time checks of the declared test API (never run): what Node's runner does not provide must
 * not compile. Each `@ts-expect-error` fails `npm run build:test` if its line starts to compile.
 */
export function notProvided(): void {
  // @ts-expect-error Node's runner only runs an `only` test with --test-only; no silent focus.
  it.only('focused', () => {});
  // @ts-expect-error A skipped test is a defect here (PROTOCOL: no skipped tests).
  it.skip('skipped', () => {});
  // @ts-expect-error There is no `jest` object; use `mock.fn` from node:test.
  jest.fn();
  // @ts-expect-error Only Jest's runner checks the count of assertions.
  expect.assertions(1);
  // @ts-expect-error Only Jest's runner checks that an assertion ran.
  expect.hasAssertions();
  // @ts-expect-error Jest's per-test timeout argument is not supported (TEST_TIMEOUT_MS is).
  it('with a timeout', () => {}, 5000);
}

export function provided(): void {
  describe('a suite', () => {
    beforeAll(() => {});
    afterAll(async () => {});
    beforeEach(() => {});
    afterEach(() => {});
    it('a test', async () => expect(await Promise.resolve(1)).toBe(1));
    test('another', () => expect({ a: 1 }).toEqual({ a: expect.any(Number) }));
    it.each([
      ['a', 1],
      ['b', 2],
    ])('%s is %d', (name, n) => expect(typeof name === 'string' && typeof n === 'number').toBe(true));
    it.each(['x', 'y'])('%s', (value) => expect(value.length).toBe(1));
  });
}
