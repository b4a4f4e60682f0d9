/**
 * The bin picks the code cache of a command from its arguments before the
 * parser is loaded: the guess agrees with the parser for every full command
 * word and for the flags before it, and stays within a fixed set of names
 * whatever the arguments (one cache file each, never one per namespace name).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheProfile, OTHER_PROFILE, PROFILE_OF_WORD } from '../../src/cli/cache-profile.js';
import { COMMAND_WORDS, parseArgs } from '../../src/cli/grammar.js';

/** The parser's command for these arguments. */
function parsed(argv: string[]): string {
  try {
    return parseArgs(argv).command;
  } catch (e) {
    // `--help` before a command word is thrown as a request for help.
    return (e as { name?: string }).name === 'UsageError' ? 'usage' : 'help';
  }
}

describe('cacheProfile', () => {
  it('maps every command word as the parser does', () => {
    expect(Object.keys(PROFILE_OF_WORD).sort()).toEqual(COMMAND_WORDS.map((w) => w.word).sort());
    for (const w of COMMAND_WORDS) expect(PROFILE_OF_WORD[w.word]).toBe(w.meaning);
  });

  it.each([
    [[], 'list'],
    [['-j'], 'list'],
    [['list', 'detail'], 'list'],
    [['-n', 'blue', 'add', 'remote', '192.0.2.1', 'tid', '5'], 'add'],
    [['--netns', 'add', 'del', 'x'], 'delete'],
    [['--netns=red', '-jp', 'show'], 'list'],
    [['-v'], 'version'],
    [['--help', 'add'], 'help'],
    [['-n', 'x', '-h'], 'help'],
    [['change', 'name', 'e1', 'ttl', '3'], 'set'],
    [['monitor'], 'monitor'],
  ])('%j is %s, as the parser reads it', (argv, profile) => {
    expect(cacheProfile(argv)).toBe(profile);
    expect(parsed(argv)).toBe(profile);
  });

  it('gives the fixed fallback for abbreviations, mistakes and odd words', () => {
    for (const argv of [
      ['l'],
      ['ad', 'remote', '192.0.2.1'],
      ['__proto__'],
      ['constructor'],
      ['toString'],
      ['-'],
    ]) {
      expect(cacheProfile(argv)).toBe(OTHER_PROFILE);
    }
  });

  it('names one of a fixed set whatever the arguments', () => {
    const names = new Set([...Object.values(PROFILE_OF_WORD), OTHER_PROFILE, 'list']);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('-n', '--netns', '-j', 'add', 'list', '-v'))),
        (argv) => {
          expect(names.has(cacheProfile(argv))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
