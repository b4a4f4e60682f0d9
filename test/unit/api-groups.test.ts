/**
 * The API reference groups every export by task (typedoc/groups.mjs, applied
 * by the typedoc/categories.mjs plugin): each export of src/index.ts is in
 * exactly one group, and every name a group lists is exported.
 */
import { describe, expect, it } from 'vitest';
import { API_GROUPS } from '../../typedoc/groups.mjs';
import { packageExports } from '../fixtures/package-exports.js';

describe('API reference groups', () => {
  const exported = packageExports();
  const grouped = API_GROUPS.flatMap((g: { names: string[] }) => g.names);

  it('are the six tasks, in order', () => {
    expect(API_GROUPS.map((g: { title: string }) => g.title)).toEqual([
      'Tunnels',
      'Links',
      'Events',
      'Apply',
      'Errors',
      'Codec',
    ]);
  });

  it('hold every export exactly once, and nothing else', () => {
    expect(exported.length).toBeGreaterThan(100);
    expect(exported.filter((n) => !grouped.includes(n))).toEqual([]);
    expect(grouped.filter((n: string) => !exported.includes(n))).toEqual([]);
    expect(grouped.length).toBe(new Set(grouped).size);
  });
});
