import fc from 'fast-check';
import { cleanString } from '../audit/audit-sanitizer.js';
import { isStorableText } from './text.js';

/** The definition, as a regular expression: NUL, a high surrogate without a low one after it, a low one without a high one before it. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Strings rich in what matters here: NUL, lone and paired surrogates, plain text. */
const texts = fc
  .array(fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', 'a', 'é', '…'), fc.string({ maxLength: 3 })), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

describe('storable text (no NUL, no unpaired surrogate)', () => {
  it('isStorableText says exactly what the definition says', () => {
    fc.assert(
      fc.property(texts, (s) => {
        expect(isStorableText(s)).toBe(!new RegExp(UNSTORABLE.source).test(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('cleanString (audit) replaces exactly what the definition finds, after cutting to the limit', () => {
    fc.assert(
      fc.property(texts, fc.integer({ min: 1, max: 20 }), (s, max) => {
        const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
        expect(cleanString(s, max)).toBe(cut.replace(UNSTORABLE, '\uFFFD'));
      }),
      { numRuns: 5000 },
    );
  });
});
