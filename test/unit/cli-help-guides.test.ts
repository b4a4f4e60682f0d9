/** `eoip --help` points at guides that exist on this machine, by absolute path. */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guidePath, helpText } from '../../src/cli/help.js';

describe('help texts name their guides by a path that exists', () => {
  it.each([undefined, 'add', 'list', 'apply', 'monitor'] as const)('%s', (topic) => {
    const text = helpText(topic);
    const paths = [...text.matchAll(/(\/\S+\/docs\/[a-z-]+\.md)/g)].map((m) => m[1] ?? '');
    expect(paths.length).toBeGreaterThanOrEqual(topic === 'apply' ? 2 : 1);
    for (const p of paths) expect(existsSync(p), p).toBe(true);
    expect(text).not.toMatch(/see docs\//i);
  });

  it('guidePath gives an absolute path of a shipped guide', () => {
    expect(isAbsolute(guidePath('cli.md'))).toBe(true);
    expect(guidePath('no-such-guide.md')).toBe('docs/no-such-guide.md in the eoip-netlink package');
  });
});
