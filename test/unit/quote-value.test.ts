/**
 * Values quoted in error messages cannot act on the terminal that prints
 * them: C1 controls and bidirectional overrides are escaped like C0 ones.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, quoteValue } from '../../src/transport/invalid-argument.js';

describe('quoteValue', () => {
  it('escapes C1 controls and bidirectional marks, overrides and isolates', () => {
    // U+202E makes the rest of a line read right to left; U+009B is a one-byte CSI.
    const tricky = 'eth\u202E0gpj.exe\u009b31m\u2066x\u2069\u200f';
    const q = quoteValue(tricky);
    expect(q).toBe('"eth\\u202e0gpj.exe\\u009b31m\\u2066x\\u2069\\u200f"');
    expect(q).not.toMatch(/[\u0080-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    const e = new InvalidArgumentError('name', tricky, 'an interface name');
    expect(e.message).toContain('\\u202e');
    expect(e.message).not.toContain('\u202E');
  });

  it('leaves other text as JSON writes it, long values included', () => {
    expect(quoteValue('é日本\u0007')).toBe('"é日本\\u0007"');
    const long = `${'\u202E'.repeat(100)}`;
    const q = quoteValue(long);
    expect(q).toMatch(/^"(\\u202e)+…" \(100 characters\)$/);
  });
});
