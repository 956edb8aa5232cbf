/**
 * The test API the specs use, on Node's own test runner (`node --test`), with Jest's `expect` package.
 * Not Jest: Jest loads this ESM project only on Node >= 24.9 with --experimental-vm-modules, and the
 * tests must run on every Node the server supports (README, "Development").
 *
 * Only what works is declared: `describe`, `it`/`test` (+ `.each`), the four hooks and `expect`.
 * `it.skip`, `it.only`, `jest.fn` and `expect.assertions` do not compile (use `mock.fn` from
 * `node:test` for spies).
 */
import './flush-before-exit.js';
import { after, afterEach as nodeAfterEach, before, beforeEach as nodeBeforeEach, describe as nodeDescribe, it as nodeIt } from 'node:test';
import { inspect } from 'node:util';
import { compileFunction } from 'node:vm';
import { expect as jestExpect } from 'expect';

type Body = () => unknown;
type JestExpect = typeof jestExpect;
/** Jest's `expect` without the assertion counting that only Jest's runner checks. */
type Expect = (<T = unknown>(actual: T) => ReturnType<typeof jestExpect<T>>) & Omit<JestExpect, 'assertions' | 'hasAssertions'>;

interface Each {
  /** One test per row; an array row is spread into the arguments. `%s %d %i %j %p %#` format the title. */
  <Row extends readonly any[] | [any]>(table: readonly Row[]): (title: string, fn: (...args: Row) => unknown) => void;
  <Row>(table: readonly Row[]): (title: string, fn: (row: Row) => unknown) => void;
}
interface TestFunction {
  (name: string, fn: Body): void;
  each: Each;
}

declare global {
  var describe: (name: string, fn: () => void) => void;
  var it: TestFunction;
  var test: TestFunction;
  var beforeAll: (fn: Body) => void;
  var afterAll: (fn: Body) => void;
  var beforeEach: (fn: Body) => void;
  var afterEach: (fn: Body) => void;
  var expect: Expect;
}

/** Default time limit of each test and hook (Node's `--test-timeout` would also limit whole files and suites). */
const TIMEOUT = Number(process.env.TEST_TIMEOUT_MS ?? 60_000);

type Register = (...args: unknown[]) => unknown;
type CallAt = (register: Register, args: unknown[]) => void;
const atSite = new Map<string, CallAt>();

/**
 * Calls `register` (Node's `it` or a hook) as if from the spec line that called the wrapper. Node's runner records its caller's position as the test's location and maps it through
 * the source map (--enable-source-maps), so a failure is reported at the spec's TypeScript line, not here.
 */
function registerFromSpec(register: Register, args: unknown[]): void {
  const saved = Error.prepareStackTrace;
  let site: NodeJS.CallSite | undefined;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, registerFromSpec);
    site = holder.stack?.[1]; // [0] is the wrapper, [1] the spec that called it (read while the frames are raw)
  } finally {
    Error.prepareStackTrace = saved;
  }
  const filename = site?.getFileName();
  const line = site?.getLineNumber();
  const column = site?.getColumnNumber();
  if (!filename || !line || !column) return void register(...args);
  const key = `${filename}:${line}:${column}`;
  let call = atSite.get(key);
  if (!call) {
    call = compileFunction('register(...args)', ['register', 'args'], { filename, lineOffset: line - 1, columnOffset: column - 1 }) as CallAt;
    atSite.set(key, call);
  }
  call(register, args);
}

function formatTitle(title: string, args: readonly unknown[], index: number): string {
  let i = 0;
  return title.replace(/%[sdifjop#%]/g, (token) => {
    if (token === '%%') return '%';
    if (token === '%#') return String(index);
    const value = args[i++];
    if (token === '%j') return JSON.stringify(value);
    if (token === '%p' || token === '%o') return inspect(value, { depth: 3 });
    if (token === '%d' || token === '%i') return String(Number(value));
    return typeof value === 'string' ? value : inspect(value);
  });
}

const each: Each =
  (table: readonly unknown[]) =>
  (title: string, fn: (...args: never[]) => unknown): void => {
    for (const [index, row] of table.entries()) {
      const args = (Array.isArray(row) ? row : [row]) as never[];
      registerFromSpec(nodeIt as Register, [formatTitle(title, args, index), { timeout: TIMEOUT }, () => fn(...args)]);
    }
  };

const it: TestFunction = Object.assign((name: string, fn: Body) => registerFromSpec(nodeIt as Register, [name, { timeout: TIMEOUT }, () => fn()]), { each });

const hook = (register: typeof before) => (fn: Body) => registerFromSpec(register as Register, [() => fn(), { timeout: TIMEOUT }]);

Object.assign(globalThis, {
  describe: nodeDescribe,
  it,
  test: it,
  beforeAll: hook(before),
  afterAll: hook(after),
  beforeEach: hook(nodeBeforeEach),
  afterEach: hook(nodeAfterEach),
  expect: jestExpect,
});
