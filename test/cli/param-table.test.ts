/**
 * The command line is derived from the tunnel parameter table
 * (src/api/fields.ts): every parameter, whatever it is, is read by `add` and
 * `set` (its word and aliases, its value by its form) into its own key, has
 * its line in `eoip add --help` and its entry in the synopses, prints its
 * segment of the list line, is named by its word when a change of it alone
 * is summarised by `eoip monitor`, and is a key of the `-j` object. Values
 * are made from each parameter's form and position, so no two parameters
 * share one: a value landing under another parameter's key shows.
 */
import { describe, expect, it } from 'vitest';
import { paramSpec, TUNNEL_FIELDS, type TunnelField } from '../../src/api/fields.js';
import { formatTunnelLine } from '../../src/api/format.js';
import type { Tunnel } from '../../src/api/types.js';
import { ADD_REQUIRED, type AddCommand, parseArgs, type SetCommand } from '../../src/cli/grammar.js';
import { helpText } from '../../src/cli/help.js';
import { describeChanges } from '../../src/cli/monitor.js';
import { tunnelToJson } from '../../src/cli/output.js';

const FIELDS = TUNNEL_FIELDS.map((f, i) => ({ f, i, p: paramSpec(f) }));

/** A command line value of parameter number `i` of `f`'s form, and what the grammar makes of it. */
function cliValue(f: TunnelField, i: number): { text: string; value: unknown } {
  switch (paramSpec(f).form) {
    case 'number':
      // Hex, so that the strtoul-like reading is the one used.
      return { text: `0x${(0x20 + i).toString(16)}`, value: 0x20 + i };
    case 'address':
      return { text: `192.0.2.${10 + i}`, value: `192.0.2.${10 + i}` };
    case 'link':
      return { text: `dev${i}`, value: `dev${i}` };
    case 'keepalive':
      return { text: `${20 + i},${3 + i}`, value: { interval: 20 + i, retries: 3 + i } };
  }
}

/** A tunnel's value of parameter number `i` of `f`'s form (`step` makes another one). */
function tunnelValue(f: TunnelField, i: number, step = 0): unknown {
  switch (paramSpec(f).form) {
    case 'number':
      return 40 + i + step;
    case 'address':
      return `198.51.100.${1 + i + step}`;
    case 'link':
      return 100 + i + step;
    case 'keepalive':
      return { interval: 10 + i + step, retries: 2 + i };
  }
}

/** `add`'s required parameters as words and values, but `f` (given by the test). */
function requiredBut(f: TunnelField): { argv: string[]; spec: Record<string, unknown> } {
  const argv: string[] = [];
  const spec: Record<string, unknown> = {};
  for (const { field } of ADD_REQUIRED) {
    if (field === f) continue;
    const v = cliValue(field, TUNNEL_FIELDS.indexOf(field));
    argv.push(paramSpec(field).word, v.text);
    spec[field] = v.value;
  }
  return { argv, spec };
}

/** A case that does not apply to a parameter's form is not defined for it (rather than shown as skipped). */
const notApplicable = (_name: string, _fn: () => void) => {};

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const BASE = {
  index: 7,
  name: 'e1',
  kind: 'eoip',
  ...Object.fromEntries(FIELDS.map(({ f, i }) => [f, tunnelValue(f, i)])),
  mtu: 1458,
  address: '02:00:5e:10:00:01',
  flags: 0x11043,
  up: true,
  running: true,
  operState: 'up',
} as Tunnel;

describe('the parameter table drives the command line', () => {
  it('the values made for the parameters are all different', () => {
    const cli = FIELDS.map(({ f, i }) => JSON.stringify(cliValue(f, i).value));
    const tunnel = FIELDS.map(({ f, i }) => JSON.stringify(tunnelValue(f, i)));
    expect(new Set(cli).size).toBe(FIELDS.length);
    expect(new Set(tunnel).size).toBe(FIELDS.length);
  });

  describe.each(FIELDS)('$f', ({ f, i, p }) => {
    const v = cliValue(f, i);

    it('add reads its word and aliases into spec.<field>', () => {
      const req = requiredBut(f);
      for (const word of [p.word, ...p.aliases]) {
        const cmd = parseArgs(['add', ...req.argv, word, v.text]) as AddCommand;
        expect(cmd.command).toBe('add');
        expect(cmd.spec).toEqual({ ...req.spec, [f]: v.value });
        expect(cmd.raw[p.word]).toBe(v.text);
      }
    });

    it('set reads its word and aliases into patch.<field>', () => {
      for (const word of [p.word, ...p.aliases]) {
        const cmd = parseArgs(['set', 'name', 'e1', word, v.text]) as SetCommand;
        expect(cmd.command).toBe('set');
        expect(cmd.target).toBe('e1');
        expect(cmd.patch).toEqual({ [f]: v.value });
      }
    });

    (p.form === 'link' ? it : notApplicable)('none: add leaves it out, set clears it (null)', () => {
      const req = requiredBut(f);
      const add = parseArgs(['add', ...req.argv, p.word, 'none']) as AddCommand;
      expect(add.spec).toEqual(req.spec);
      const set = parseArgs(['set', 'name', 'e1', p.word, 'none']) as SetCommand;
      expect(set.patch).toEqual({ [f]: null });
    });

    (p.form === 'number' ? it : notApplicable)('a bad number is a usage error naming its word', () => {
      const req = requiredBut(f);
      expect(() => parseArgs(['add', ...req.argv, p.word, '08'])).toThrow(
        `invalid ${p.word}: "08" (allowed: a number: decimal, 0x hex or 0-prefixed octal)`,
      );
    });

    it('has its line in `eoip add --help`, and its place in the add and set synopses', () => {
      const add = helpText('add');
      expect(add).toMatch(
        new RegExp(`^  ${literal(`${p.word} ${p.help.arg}`)} +${literal(p.help.text)}`, 'm'),
      );
      const [addUsage] = add.split('\n\n');
      expect(addUsage).toMatch(new RegExp(`[ []${literal(p.word)} `));
      const [setUsage] = helpText('set').split('\n\n');
      expect(setUsage).toContain(`[${p.word} `);
    });

    it('a change of it alone is named by its word in the monitor summary', () => {
      const changed = { ...BASE, [f]: tunnelValue(f, i, 50) } as Tunnel;
      const from = p.text(BASE[f]);
      const to = p.text(changed[f]);
      expect(from).not.toBe(to);
      expect(describeChanges(BASE, changed)).toEqual([{ field: p.word, from, to }]);
      expect(describeChanges(changed, BASE)).toEqual([{ field: p.word, from: to, to: from }]);
    });

    it('is a key of the -j object, with its own value', () => {
      const json = tunnelToJson(BASE) as unknown as Record<string, unknown>;
      expect(Object.hasOwn(json, f)).toBe(true);
      expect(json[f]).toEqual(p.json(BASE[f]));
      expect(json[f]).toEqual(BASE[f]);
    });

    (p.line !== 'head' ? it : notApplicable)('prints its segment in the list line', () => {
      const place = p.line as Exclude<typeof p.line, 'head'>;
      const segment = (place.text as (x: unknown) => string | undefined)(BASE[f]);
      expect(segment).toBeDefined();
      expect(formatTunnelLine(BASE)).toContain(` ${segment}`);
      const changed = { ...BASE, [f]: tunnelValue(f, i, 50) } as Tunnel;
      expect(formatTunnelLine(changed)).not.toBe(formatTunnelLine(BASE));
    });
  });

  it('every parameter at once lands under its own key, in add and in set', () => {
    const argv = FIELDS.flatMap(({ f, i, p }) => [p.word, cliValue(f, i).text]);
    const want = Object.fromEntries(FIELDS.map(({ f, i }) => [f, cliValue(f, i).value]));
    expect((parseArgs(['add', ...argv]) as AddCommand).spec).toEqual(want);
    expect((parseArgs(['set', 'name', 'e1', ...argv]) as SetCommand).patch).toEqual(want);
  });

  it('the -j object: index, name, kind, the parameters in table order, then the interface', () => {
    expect(Object.keys(tunnelToJson(BASE))).toEqual([
      'index',
      'name',
      'kind',
      ...TUNNEL_FIELDS,
      'mtu',
      'address',
      'up',
      'running',
      'operState',
      'master',
      'masterName',
      'stats',
    ]);
  });
});
