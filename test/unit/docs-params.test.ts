/**
 * The guides list every tunnel parameter the table has: a parameter added to
 * TUNNEL_PARAMS fails here until docs/cli.md (both synopses and the options
 * table, with every alias) and docs/apply.md (the field table) show it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paramSpec, TUNNEL_PARAMS } from '../../src/api/fields.js';
import type { TunnelField } from '../../src/codec/eoip.js';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const CLI = doc('cli.md');
const APPLY = doc('apply.md');
const FIELDS = Object.keys(TUNNEL_PARAMS) as TunnelField[];

/** The first cells of the table whose header row starts with `| first |`. */
function firstCells(text: string, first: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  expect(start, `a table headed "| ${first} |"`).toBeGreaterThanOrEqual(0);
  const cells: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    cells.push(line.split('|')[1]!.trim());
  }
  return cells;
}

/** The synopsis of `eoip [FLAGS] command` in docs/cli.md: its line and the indented ones after it. */
function synopsis(command: string): string {
  const lines = CLI.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`eoip [FLAGS] ${command} `));
  expect(start, `the synopsis of ${command}`).toBeGreaterThanOrEqual(0);
  const out = [lines[start]!];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s{4,}\S/.test(line)) break;
    out.push(line);
  }
  return out.join('\n');
}

describe('the guides list every tunnel parameter', () => {
  const options = firstCells(CLI, 'option');
  const fields = firstCells(APPLY, 'field');

  it.each(FIELDS)('docs/cli.md has %s with every alias in the options table and both synopses', (f) => {
    const p = paramSpec(f);
    const row = options.find((cell) => cell.split(/,\s*/)[0] === `\`${p.word}\``);
    expect(row, `an options row for ${p.word}`).toBeDefined();
    for (const alias of p.aliases) expect(row).toContain(`\`${alias}\``);
    for (const command of ['add', 'set']) expect(synopsis(command)).toMatch(new RegExp(`\\b${p.word} `));
  });

  it.each(FIELDS)('docs/apply.md has a field row for %s', (f) => {
    expect(fields).toContain(`\`${f}\``);
  });
});
