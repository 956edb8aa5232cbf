import { SecretBox } from './secret-box.js';

const SECRET = 'a-key-encryption-secret-of-at-least-32-chars';

/** Flips one bit of the base64url segment `index` of a sealed value. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index], 'base64url');
  bytes[0] ^= 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  const box = new SecretBox(SECRET, 'signing-keys');

  it('opens what it sealed', () => {
    for (const plaintext of ['hello', '{"kty":"EC","d":"secret"}', 'ünïcödé ✓'.repeat(100)]) {
      expect(box.open(box.seal(plaintext))).toBe(plaintext);
    }
  });

  it('opens a sealed empty string', () => {
    expect(box.open(box.seal(''))).toBe('');
  });

  it('never shows the plaintext and uses a fresh IV each time', () => {
    const a = box.seal('{"d":"private"}');
    const b = box.seal('{"d":"private"}');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(a).not.toContain('private');
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });

  it.each([
    ['the ciphertext', 2],
    ['the IV', 1],
    ['the tag', 3],
  ])('rejects a value whose %s was tampered with', (_what, index) => {
    const sealed = box.seal('top secret');
    expect(() => box.open(tamper(sealed, index))).toThrow();
  });

  it('a box for another purpose cannot open it', () => {
    const sealed = box.seal('top secret');
    expect(() => new SecretBox(SECRET, 'upstream-tokens').open(sealed)).toThrow();
  });

  it('a box with another secret cannot open it', () => {
    const sealed = box.seal('top secret');
    expect(() => new SecretBox(`${SECRET}-rotated`, 'signing-keys').open(sealed)).toThrow();
  });

  it.each(['', 'v1', 'v2.aaaa.bbbb.cccc', 'v1..bbbb.cccc', 'not a sealed value'])('rejects the malformed value %j', (value) => {
    expect(() => box.open(value)).toThrow('Unrecognised sealed value');
  });
});
