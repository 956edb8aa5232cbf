import fc from 'fast-check';
import { BodyError, BODY_LIMITS, jsonDepthExceeds, parseJsonBody } from './body-policy.js';

/** Depth of a parsed JSON value, as the policy counts it (arrays and objects). */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('body policy', () => {
  it('the depth scan agrees with the depth of the parsed value, strings with brackets and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, max) => {
        expect(jsonDepthExceeds(bytes(JSON.stringify(value)), max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 2000 },
    );
  });

  it('brackets inside strings, escaped quotes and non-ASCII text do not count', () => {
    expect(jsonDepthExceeds(bytes(JSON.stringify({ s: '[[[[{{{{"\\"]]]', é: 'ü[[[' })), 1)).toBe(false);
    expect(jsonDepthExceeds(bytes('["\\\\", [[]]]'), 2)).toBe(true);
    expect(jsonDepthExceeds(bytes('["\\\\", [[]]]'), 3)).toBe(false);
  });

  it('5,000 levels: refused as too deep before JSON.parse sees them; 64 levels parse', () => {
    const deep = (n: number) => bytes(`${'['.repeat(n)}${']'.repeat(n)}`);
    expect(() => parseJsonBody(deep(5000))).toThrow(BodyError);
    try {
      parseJsonBody(deep(5000));
    } catch (e) {
      expect(e).toMatchObject({ problem: 'too_deep', status: 400, message: `JSON body nested deeper than ${BODY_LIMITS.jsonDepth} levels` });
    }
    expect(depthOf(parseJsonBody(deep(BODY_LIMITS.jsonDepth)))).toBe(BODY_LIMITS.jsonDepth);
  });

  it('malformed JSON is a 400 "Malformed JSON body", whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
        let parsed = true;
        try {
          JSON.parse(Buffer.from(raw).toString('utf8'));
        } catch {
          parsed = false;
        }
        try {
          parseJsonBody(Buffer.from(raw));
          expect(parsed).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(BodyError);
          expect([400]).toContain((e as BodyError).status);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
