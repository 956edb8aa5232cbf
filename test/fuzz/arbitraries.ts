import fc from 'fast-check';

/**
 * fast-check arbitraries that favour what breaks servers: NUL, lone surrogates, 10 KB strings, JSON
 * nested 5,000 deep, `__proto__`/`constructor` keys, numbers past 2^53, wrong types. Shared by the
 * fuzz spec (test/fuzz.fuzz-spec.ts) and the hostile-load test (test/load/hostile-load.ts).
 */

/** A JSON number literal written as is (e.g. 9999999999999999999, which JSON.stringify would round). */
export class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return `RawJson(${this.text})`;
  }
}

/** JSON.stringify that writes RawJson values verbatim (JSON.rawJSON is not on Node 20). */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof RawJson ? `\u0000raw${raws.push(v.text) - 1}\u0000` : v));
  if (text === undefined) return 'null';
  return raws.length ? text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]) : text;
}

/** A body sent as bytes (e.g. invalid UTF-8) rather than as a JSON value. */
export class RawBody {
  constructor(readonly bytes: Uint8Array) {}
  static text(s: string): RawBody {
    return new RawBody(new TextEncoder().encode(s));
  }
  toString(): string {
    return `RawBody(${this.bytes.length} bytes: ${JSON.stringify(Buffer.from(this.bytes.subarray(0, 60)).toString('latin1'))}…)`;
  }
}

const BIG = 10 * 1024;
export const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
export const deepObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Strings that have broken parsers, validators, databases and loggers. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\udc00y',
  '\ud83d\ude00',
  '\ufeff',
  '\u202e',
  '\r\n',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '9999999999999999999',
  '-1',
  '0',
  '1e309',
  'NaN',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '%',
  '%00',
  '%zz',
  '%ED%A0%80',
  '../../../etc/passwd',
  "' OR '1'='1",
  '"; DROP TABLE notes; --',
  '\\',
  '<script>alert(1)</script>',
  '${7*7}',
  'a'.repeat(BIG),
  'a'.repeat(70_000),
  '\u0000'.repeat(BIG),
  '\ud800'.repeat(BIG / 2),
  '€'.repeat(BIG / 2),
  '2021-02-31',
  '2020',
  'March 7',
  '1|00000000-0000-0000-0000-000000000000',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'http://127.0.0.1:1/',
  'javascript:alert(1)',
  'data:text/html,<b>x</b>',
];

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const hostileChar = fc.constantFrom('\u0000', '\ud800', '\udc00', '\u0001', '\u001f', '\u007f', '\u2028', '"', '\\', '%', '&', '=', '+', '#', '/', '?', ' ');

/** Any string, weighted towards the hostile. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.oneof(hostileChar, fc.constantFrom('a', 'b', '0')), maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
  { arbitrary: fc.nat({ max: 20_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

/** Numbers JSON can carry, and some it cannot carry faithfully. */
export const nastyNumber: fc.Arbitrary<number | RawJson> = fc.oneof(
  fc.constantFrom<number | RawJson>(
    0,
    -0,
    -1,
    1,
    1.5,
    2 ** 31,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_VALUE,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    new RawJson('9999999999999999999'),
    new RawJson('-9999999999999999999'),
    new RawJson('1e309'),
    new RawJson('-1e309'),
    new RawJson('1E-400'),
    new RawJson('0.0000000000000000000000001'),
    new RawJson('100000000000000000000000000000000000000000000000000'),
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Object keys that have broken object handling in JavaScript and in SQL JSON paths. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '_meta', '$ref', '', '\u0000', '\ud800', 'a.b', 'length'),
    weight: 3,
  },
  { arbitrary: fc.string({ maxLength: 10 }), weight: 2 },
);

/** A scalar of any JSON type (or a raw number literal). */
export const nastyScalar: fc.Arbitrary<unknown> = fc.oneof(nastyString, nastyNumber, fc.boolean(), fc.constant(null));

/** Builds an object with own properties named by `entries` (`__proto__` included, as JSON.parse would). */
export const objectOf = (entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> => Object.fromEntries(entries);

/** Any JSON value, hostile at every level (up to ~4 deep; see `deepJsonText` for 5,000). */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    { arbitrary: nastyScalar, weight: 4 },
    { arbitrary: fc.array(tie('value'), { maxLength: 5 }), weight: 1 },
    { arbitrary: fc.array(fc.tuple(nastyKey, tie('value')), { maxLength: 5 }).map(objectOf), weight: 2 },
  ),
})).value;

/** A value of the wrong type for a field that wants `typical`, or `typical` itself. */
export function maybe<T>(typical: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: typical, weight: 3 }, { arbitrary: nastyValue, weight: 2 });
}

/** An object with some of `fields` (each possibly of the wrong type) and maybe extra hostile keys. */
export function recordOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(fields);
  return fc
    .tuple(fc.subarray(keys), fc.array(fc.tuple(nastyKey, nastyValue), { maxLength: 2 }), fc.tuple(...keys.map((k) => fields[k])))
    .map(([chosen, extra, values]) => objectOf([...chosen.map((k) => [k, values[keys.indexOf(k)]] as const), ...extra]));
}

/** Bodies no JSON.stringify produces: 5,000-deep nesting, invalid UTF-8, truncations, garbage. */
export const rawJsonBody: fc.Arbitrary<RawBody> = fc.oneof(
  fc.constantFrom(
    RawBody.text(deepArray(5000)),
    RawBody.text(deepObject(5000)),
    RawBody.text(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${deepObject(5000)}}`),
    RawBody.text(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${deepArray(5000)}}}`),
    RawBody.text('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
    RawBody.text('{"a":1,"a":2}'),
    RawBody.text(''),
    RawBody.text('null'),
    RawBody.text('{'),
    RawBody.text('[1,2'),
    RawBody.text('"\\ud800"'),
    RawBody.text('{"jsonrpc":"2.0","id":9999999999999999999,"method":"ping"}'),
    RawBody.text('\ufeff{"jsonrpc":"2.0","id":1,"method":"ping"}'),
    RawBody.text(`[${Array.from({ length: 200 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"ping"}`).join(',')}]`),
    new RawBody(Uint8Array.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])),
    new RawBody(Uint8Array.from([0xff, 0xfe, 0x00, 0x7b])),
    new RawBody(Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d])),
  ),
  fc.uint8Array({ maxLength: 200 }).map((b) => new RawBody(b)),
  fc.string({ unit: anyCodeUnit, maxLength: 100 }).map((s) => RawBody.text(s)),
);

/** UTF-8 bytes of `s`, lone surrogates written as their 3-byte WTF-8 forms (what a hostile client can send). */
export function wtf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

const UNRESERVED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const HEX = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`);

/** Percent-encodes `s` as WTF-8 (encodeURIComponent throws on lone surrogates). */
export function pct(s: string): string {
  if (!LONE_SURROGATE.test(s)) return encodeURIComponent(s);
  const parts: string[] = [];
  for (const b of wtf8(s)) parts.push(UNRESERVED[b] ? String.fromCharCode(b) : HEX[b]);
  return parts.join('');
}

/** A query string or form body: pairs, encoded, with occasional raw hostile fragments (`%zz`, `&&`, a bare key). */
export function formOf(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const keys = Object.keys(fields);
  const pair = fc.oneof(
    { arbitrary: fc.constantFrom(...keys).chain((k) => fields[k].map((v) => `${pct(k)}=${pct(v)}`)), weight: 8 },
    { arbitrary: fc.tuple(nastyString, nastyString).map(([k, v]) => `${pct(k)}=${pct(v)}`), weight: 1 },
    { arbitrary: fc.constantFrom('%zz=1', '=', '&', 'a', 'a=%', '%ED%A0%80=%ED%A0%80', 'a[b]=1', '__proto__[x]=1', 'a=1;b=2', '%00=%00'), weight: 1 },
  );
  return fc.array(pair, { maxLength: 12 }).map((pairs) => pairs.join('&'));
}

/** A form-field value: usually plausible, often hostile. */
export function formValue(...typical: string[]): fc.Arbitrary<string> {
  return typical.length ? fc.oneof({ arbitrary: fc.constantFrom(...typical), weight: 3 }, { arbitrary: nastyString, weight: 2 }) : nastyString;
}

/** A header value a client can send: tab and bytes 0x20-0xFF but DEL (Node refuses control bytes, CR and LF on the way out). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '\t',
    'x'.repeat(8000),
    '\xed\xa0\x80',
    '\xff\xfe',
    'Bearer',
    'Bearer ',
    'Basic',
    'Basic %%%',
    '2025-11-25',
    '2026-07-28',
    '9999-99-99',
    'tools/call',
    '=?base64?Zm9v?=',
  ),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xfe }).map((c) => String.fromCharCode(c === 0x7f ? 0xff : c)), maxLength: 40 }),
);
