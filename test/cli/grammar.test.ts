/**
 * The command line grammar in-process: abbreviations and their ambiguities,
 * strtoul-style numbers, keepalive and interface values, and the spec/patch
 * each command line becomes.
 */
import { describe, expect, it } from 'vitest';
import {
  COMMAND_WORDS,
  OPTION_WORDS,
  parseArgs,
  parseKeepalive,
  parseLinkRef,
  parseUnsigned,
  resolveWord,
  UsageError,
  type Word,
} from '../../src/cli/grammar.js';

describe('resolveWord: commands', () => {
  const table: Array<[string, string | 'ambiguous' | 'unknown']> = [
    ['add', 'add'],
    ['a', 'add'],
    ['ad', 'add'],
    ['new', 'add'],
    ['n', 'add'],
    ['ne', 'add'],
    ['set', 'set'],
    ['se', 'set'],
    ['change', 'set'],
    ['c', 'set'],
    ['list', 'list'],
    ['l', 'list'],
    ['show', 'list'],
    ['sh', 'list'],
    ['s', 'ambiguous'],
    ['version', 'version'],
    ['v', 'version'],
    ['help', 'help'],
    ['h', 'help'],
    // New words: del/delete share a meaning, so de is not ambiguous; d is (doctor).
    ['d', 'ambiguous'],
    ['de', 'delete'],
    ['del', 'delete'],
    ['dele', 'delete'],
    ['delete', 'delete'],
    ['deletes', 'unknown'],
    ['do', 'doctor'],
    ['doc', 'doctor'],
    ['doctor', 'doctor'],
    // a prefix of a reference word keeps its meaning: a is add although apply exists.
    ['a', 'add'],
    ['ap', 'apply'],
    ['app', 'apply'],
    ['apply', 'apply'],
    ['m', 'monitor'],
    ['mo', 'monitor'],
    ['monitor', 'monitor'],
    ['monitors', 'unknown'],
    ['x', 'unknown'],
    ['', 'unknown'],
    ['Add', 'unknown'],
  ];
  it.each(table)('%j → %s', (input, want) => {
    const r = resolveWord(input, COMMAND_WORDS);
    if (want === 'ambiguous' || want === 'unknown') expect(r).toMatchObject({ ok: false, reason: want });
    else expect(r).toMatchObject({ ok: true, meaning: want });
  });

  it('ambiguity names every candidate', () => {
    expect(resolveWord('s', COMMAND_WORDS)).toEqual({
      ok: false,
      reason: 'ambiguous',
      candidates: ['set', 'show'],
    });
    expect(resolveWord('d', COMMAND_WORDS)).toEqual({
      ok: false,
      reason: 'ambiguous',
      candidates: ['del', 'delete', 'doctor'],
    });
  });

  it('every prefix of a reference command word means what it means in the reference tool', () => {
    const reference = COMMAND_WORDS.filter((w) => w.reference);
    for (const w of reference) {
      for (let n = 1; n <= w.word.length; n++) {
        const prefix = w.word.slice(0, n);
        const before = resolveWord(prefix, reference);
        const now = resolveWord(prefix, COMMAND_WORDS);
        if (before.ok)
          expect({ prefix, now }).toMatchObject({ prefix, now: { ok: true, meaning: before.meaning } });
        else expect({ prefix, now }).toMatchObject({ prefix, now: { ok: false, reason: 'ambiguous' } });
      }
    }
  });
});

describe('resolveWord: options of add/set', () => {
  const table: Array<[string, string | 'ambiguous' | 'unknown']> = [
    ['name', 'name'],
    ['n', 'name'],
    ['tunnel-id', 'tunnel-id'],
    ['tu', 'tunnel-id'],
    ['tid', 'tunnel-id'],
    ['ti', 'tunnel-id'],
    ['t', 'ambiguous'],
    ['tt', 'ttl'],
    ['to', 'tos'],
    ['l', 'ambiguous'],
    ['lo', 'local'],
    ['li', 'link'],
    ['r', 'remote'],
    ['k', 'keepalive'],
    ['m', 'ambiguous'],
    ['mt', 'mtu'],
    ['ma', 'master'],
    ['a', 'address'],
    ['u', 'up'],
    ['d', 'down'],
    ['up', 'up'],
    ['foo', 'unknown'],
  ];
  it.each(table)('%j → %s', (input, want) => {
    const r = resolveWord(input, OPTION_WORDS);
    if (want === 'ambiguous' || want === 'unknown') expect(r).toMatchObject({ ok: false, reason: want });
    else expect(r).toMatchObject({ ok: true, meaning: want });
  });

  it('ambiguous in the reference stays ambiguous even when a new word matches too', () => {
    const r = resolveWord('t', [
      ...OPTION_WORDS,
      { word: 'table', meaning: 'table' as never, reference: false },
    ]);
    expect(r).toEqual({
      ok: false,
      reason: 'ambiguous',
      candidates: ['tunnel-id', 'tid', 'ttl', 'tos', 'table'],
    });
  });
});

describe('resolveWord: the reference word wins, an exact word always wins', () => {
  type M = 'add' | 'apply' | 'nat' | 'name' | 'up' | 'upper';
  const words: Word<M>[] = [
    { word: 'add', meaning: 'add', reference: true },
    { word: 'name', meaning: 'name', reference: true },
    { word: 'apply', meaning: 'apply', reference: false },
    { word: 'nat', meaning: 'nat', reference: false },
    { word: 'up', meaning: 'up', reference: false },
    { word: 'upper', meaning: 'upper', reference: false },
  ];
  const table: Array<[string, M | 'ambiguous']> = [
    ['a', 'add'], // unambiguous among the reference words: stays add although apply exists
    ['ap', 'apply'],
    ['ad', 'add'],
    ['n', 'name'],
    ['na', 'name'], // nat shares the prefix, but the reference word wins
    ['nat', 'nat'], // exact
    ['up', 'up'], // exact, although a prefix of upper
    ['upp', 'upper'],
    ['u', 'ambiguous'],
  ];
  it.each(table)('%j → %s', (input, want) => {
    const r = resolveWord(input, words);
    if (want === 'ambiguous') expect(r).toMatchObject({ ok: false, reason: 'ambiguous' });
    else expect(r).toEqual({ ok: true, meaning: want, word: want });
  });
});

describe('parseUnsigned reads numbers as strtoul(s, 0) does, strictly', () => {
  const table: Array<[string, number | undefined]> = [
    ['0', 0],
    ['7', 7],
    ['1234', 1234],
    ['010', 8],
    ['0777', 511],
    ['00', 0],
    ['0x10', 16],
    ['0X1f', 31],
    ['0xffff', 65535],
    ['4294967296', 4294967296],
    ['08', undefined],
    ['09', undefined],
    ['0x', undefined],
    ['0xg', undefined],
    ['-1', undefined],
    ['+1', undefined],
    [' 1', undefined],
    ['1 ', undefined],
    ['', undefined],
    ['1e3', undefined],
    ['1.0', undefined],
    ['12abc', undefined],
    ['abc', undefined],
  ];
  it.each(table)('%j → %s', (input, want) => {
    expect(parseUnsigned(input)).toBe(want);
  });
});

describe('keepalive and interface values', () => {
  it.each([
    ['none', 'none'],
    ['10', 10],
    ['0', 0],
    ['10,3', { interval: 10, retries: 3 }],
    ['5,0', { interval: 5, retries: 0 }],
    ['0x1e,010', { interval: 30, retries: 8 }],
    ['0,5', 'none'],
  ] as const)('keepalive %j', (input, want) => {
    expect(parseKeepalive(input)).toEqual(want);
  });

  it.each(['', ',', '10,', ',3', '10,3,1', 'off', 'None', '-1', '10;3', '10, 3'])(
    'keepalive %j is refused',
    (input) => {
      expect(() => parseKeepalive(input)).toThrow(UsageError);
      expect(() => parseKeepalive(input)).toThrow(/invalid keepalive/);
    },
  );

  it.each([
    ['eth0', 'eth0'],
    ['2', 2],
    ['0x2', 2],
    ['none', null],
    ['0', null],
    ['br-lan', 'br-lan'],
  ] as const)('link/master %j', (input, want) => {
    expect(parseLinkRef(input)).toBe(want);
  });
});

function usage(argv: string[]): UsageError {
  try {
    parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`no usage error for ${JSON.stringify(argv)}`);
}

const G = { json: false, pretty: false, dryRun: false };

describe('parseArgs', () => {
  it('no arguments lists; flags alone list too', () => {
    expect(parseArgs([])).toEqual({ command: 'list', global: G, detail: false, raw: {} });
    expect(parseArgs(['-j'])).toEqual({
      command: 'list',
      global: { ...G, json: true },
      detail: false,
      raw: {},
    });
    expect(parseArgs(['-d'])).toEqual({ command: 'list', global: G, detail: true, raw: {} });
    expect(parseArgs(['-n', 'blue'])).toEqual({
      command: 'list',
      global: { ...G, netns: 'blue' },
      detail: false,
      raw: {},
    });
  });

  it('add: every option into the spec, numbers converted', () => {
    const p = parseArgs([
      'add',
      'name',
      'e1',
      'local',
      '192.0.2.1',
      'remote',
      '198.51.100.7',
      'tid',
      '0x64',
      'link',
      'eth0',
      'ttl',
      '010',
      'tos',
      '0x10',
      'keepalive',
      '10,3',
      'mtu',
      '1400',
      'address',
      'auto',
      'master',
      '4',
      'up',
    ]);
    expect(p).toEqual({
      command: 'add',
      global: G,
      spec: {
        tunnelId: 100,
        remote: '198.51.100.7',
        name: 'e1',
        local: '192.0.2.1',
        link: 'eth0',
        ttl: 8,
        tos: 16,
        keepalive: { interval: 10, retries: 3 },
        mtu: 1400,
        address: 'auto',
        master: 4,
        up: true,
      },
      raw: {
        name: 'e1',
        local: '192.0.2.1',
        remote: '198.51.100.7',
        'tunnel-id': '0x64',
        link: 'eth0',
        ttl: '010',
        tos: '0x10',
        keepalive: '10,3',
        mtu: '1400',
        address: 'auto',
        master: '4',
      },
    });
  });

  it('add: only what is given; link/master none are left out', () => {
    const p = parseArgs(['a', 'r', '10.0.0.2', 'tu', '7', 'li', 'none', 'ma', '0', 'd']);
    expect(p).toMatchObject({ command: 'add', spec: { tunnelId: 7, remote: '10.0.0.2', up: false } });
    expect(Object.keys((p as { spec: object }).spec).sort()).toEqual(['remote', 'tunnelId', 'up']);
  });

  it('set: the patch holds only what is given (keepalive untouched unless given)', () => {
    expect(parseArgs(['set', 'name', 'e1', 'ttl', '64'])).toEqual({
      command: 'set',
      global: G,
      target: 'e1',
      patch: { ttl: 64 },
      raw: { name: 'e1', ttl: '64' },
    });
    expect(parseArgs(['change', 'n', 'e1', 'rem', '10.0.0.9', 'k', 'none'])).toMatchObject({
      command: 'set',
      target: 'e1',
      patch: { remote: '10.0.0.9', keepalive: 'none' },
    });
    // The reference tool's full form still works: every field given.
    expect(
      parseArgs([
        'set',
        'name',
        'e1',
        'local',
        '10.0.0.1',
        'remote',
        '10.0.0.2',
        'tunnel-id',
        '7',
        'keepalive',
        '20,5',
      ]),
    ).toMatchObject({
      patch: { local: '10.0.0.1', remote: '10.0.0.2', tunnelId: 7, keepalive: { interval: 20, retries: 5 } },
    });
  });

  it('set: none clears link and master; down', () => {
    const p = parseArgs(['set', 'name', 'e1', 'link', 'none', 'master', '0', 'down']);
    expect(p).toMatchObject({ command: 'set', patch: { link: null, master: null, up: false } });
  });

  it('set: nothing to change, or no name, is bad usage', () => {
    expect(usage(['set', 'name', 'e1']).message).toMatch(/nothing to change/);
    expect(usage(['set', 'ttl', '3']).message).toMatch(/name is required/);
    expect(usage(['set', 'ttl', '3']).field).toBe('name');
  });

  it('list: filters and detail', () => {
    expect(parseArgs(['show', 'n', 'e1', 'k', 'eoipv6', 'de'])).toEqual({
      command: 'list',
      global: G,
      name: 'e1',
      kind: 'eoipv6',
      detail: true,
      raw: { name: 'e1', kind: 'eoipv6' },
    });
    expect(parseArgs(['list', '-d'])).toMatchObject({ command: 'list', detail: true });
    expect(parseArgs(['list', '--detail', 'kind', 'eoip'])).toMatchObject({ detail: true, kind: 'eoip' });
    expect(usage(['list', 'kind', 'eoipv']).field).toBe('kind');
  });

  it('del NAME and del name NAME', () => {
    expect(parseArgs(['del', 'e1'])).toEqual({
      command: 'delete',
      global: G,
      target: 'e1',
      targets: ['e1'],
      raw: { name: 'e1' },
    });
    expect(parseArgs(['delete', 'name', 'e1'])).toMatchObject({
      command: 'delete',
      target: 'e1',
      targets: ['e1'],
    });
    expect(parseArgs(['del', 'e1', 'e2', 'e3'])).toMatchObject({ targets: ['e1', 'e2', 'e3'], target: 'e1' });
    // Two words of which the first is not the keyword: two names.
    expect(parseArgs(['del', 'nome', 'x'])).toMatchObject({ targets: ['nome', 'x'] });
    expect(parseArgs(['de', 'n', 'name'])).toMatchObject({ command: 'delete', target: 'name' });
    expect(usage(['d', 'name']).message).toBe(
      `ambiguous command "d": could be del, delete, doctor (try 'eoip help')`,
    );
  });

  it('monitor: kind filter, flags, nothing else', () => {
    expect(parseArgs(['monitor'])).toEqual({ command: 'monitor', global: G, raw: {} });
    expect(parseArgs(['mo', 'k', 'eoipv6', '-j', '-n', 'blue'])).toEqual({
      command: 'monitor',
      global: { ...G, json: true, netns: 'blue' },
      kind: 'eoipv6',
      raw: { kind: 'eoipv6' },
    });
    expect(parseArgs(['m', 'kind', 'eoip'])).toMatchObject({ command: 'monitor', kind: 'eoip' });
    expect(usage(['monitor', 'kind', 'gre'])).toMatchObject({
      message: 'invalid kind: "gre" (allowed: eoip or eoipv6)',
      field: 'kind',
      command: 'monitor',
    });
    expect(usage(['monitor', 'kind']).message).toBe('monitor: kind needs a value');
    expect(usage(['monitor', 'name', 'e1']).message).toMatch(/^monitor: unknown option "name"/);
    expect(usage(['monitor', '--prune']).message).toBe('monitor: --prune is only for apply');
    expect(usage(['monitor', '-d']).message).toBe('monitor: -d/--detail is only for list');
  });

  it('apply: one file, --prune and --dry-run anywhere; - is standard input', () => {
    expect(parseArgs(['apply', 't.yaml'])).toEqual({
      command: 'apply',
      global: G,
      file: 't.yaml',
      prune: false,
      raw: { file: 't.yaml' },
    });
    expect(parseArgs(['--prune', 'ap', 't.json', '--dry-run', '-jp', '-n', 'x'])).toEqual({
      command: 'apply',
      global: { json: true, pretty: true, dryRun: true, netns: 'x' },
      file: 't.json',
      prune: true,
      raw: { file: 't.json' },
    });
    expect(parseArgs(['apply', '-'])).toMatchObject({ command: 'apply', file: '-' });
    expect(usage(['apply']).message).toMatch(/^apply: which file\?/);
    expect(usage(['apply']).field).toBe('file');
    expect(usage(['apply', 'a.json', 'b.json']).message).toBe(
      'apply: unexpected argument "b.json" (eoip apply FILE)',
    );
    expect(usage(['apply', 'a.json', '--force']).message).toBe(
      `apply: unknown flag "--force" (try 'eoip help apply')`,
    );
    expect(usage(['--prune', 'list']).message).toBe('list: --prune is only for apply');
  });

  it('doctor: no arguments', () => {
    expect(parseArgs(['doctor'])).toEqual({ command: 'doctor', global: G });
    expect(parseArgs(['do', '-j', '--netns=blue'])).toEqual({
      command: 'doctor',
      global: { ...G, json: true, netns: 'blue' },
    });
    expect(usage(['doctor', 'now']).message).toBe('doctor: unexpected argument "now"');
  });

  it('-n takes the word as typed: a bare number is a name, not a pid', () => {
    expect(parseArgs(['-n', '1234', 'list'])).toMatchObject({ global: { netns: '1234' } });
    expect(parseArgs(['--netns=/proc/1234/ns/net', 'mo'])).toMatchObject({
      global: { netns: '/proc/1234/ns/net' },
    });
  });

  it('global flags anywhere a word is expected, combined short flags, never in a value', () => {
    expect(parseArgs(['-jp', 'list'])).toMatchObject({ global: { json: true, pretty: true } });
    expect(parseArgs(['list', '-p'])).toMatchObject({ global: { json: true, pretty: true } });
    expect(parseArgs(['--netns=blue', 'list', '--json'])).toMatchObject({
      global: { netns: 'blue', json: true },
    });
    expect(
      parseArgs(['add', 'remote', '10.0.0.2', '--dry-run', 'tid', '1', '-n', '/proc/1/ns/net']),
    ).toMatchObject({
      command: 'add',
      global: { dryRun: true, netns: '/proc/1/ns/net' },
      spec: { remote: '10.0.0.2', tunnelId: 1 },
    });
    // A value that looks like a flag is a value: here a (bad) tunnel id, not an unknown flag.
    expect(usage(['add', 'remote', '10.0.0.2', 'tid', '-j']).message).toBe(
      'invalid tunnel-id: "-j" (allowed: a number: decimal, 0x hex or 0-prefixed octal)',
    );
    expect(parseArgs(['add', 'name', '-j', 'remote', '10.0.0.2', 'tid', '1'])).toMatchObject({
      spec: { name: '-j' },
    });
  });

  it('help and version forms', () => {
    expect(parseArgs(['help'])).toEqual({ command: 'help', global: G });
    expect(parseArgs(['--help'])).toEqual({ command: 'help', global: G });
    expect(parseArgs(['-h'])).toEqual({ command: 'help', global: G });
    expect(parseArgs(['help', 'a'])).toEqual({ command: 'help', global: G, topic: 'add' });
    expect(parseArgs(['--help', 'change'])).toEqual({ command: 'help', global: G, topic: 'set' });
    expect(parseArgs(['list', '--help'])).toEqual({ command: 'help', global: G, topic: 'list' });
    expect(parseArgs(['de', '-h'])).toEqual({ command: 'help', global: G, topic: 'delete' });
    expect(parseArgs(['help', 'mo'])).toEqual({ command: 'help', global: G, topic: 'monitor' });
    expect(parseArgs(['ap', '--help'])).toEqual({ command: 'help', global: G, topic: 'apply' });
    expect(parseArgs(['apply', 'f.json', '--prune', '-h'])).toEqual({
      command: 'help',
      global: G,
      topic: 'apply',
    });
    expect(parseArgs(['do', '-h'])).toEqual({ command: 'help', global: G, topic: 'doctor' });
    expect(usage(['help', 'd']).message).toMatch(/ambiguous command "d": could be del, delete, doctor/);
    expect(parseArgs(['add', 'remote', '10.0.0.2', '-h'])).toEqual({
      command: 'help',
      global: G,
      topic: 'add',
    });
    expect(parseArgs(['-v'])).toEqual({ command: 'version', global: G });
    expect(parseArgs(['--version'])).toEqual({ command: 'version', global: G });
    expect(parseArgs(['-j', 'version'])).toEqual({ command: 'version', global: { ...G, json: true } });
    expect(usage(['help', 's']).message).toMatch(/ambiguous command "s"/);
  });

  it('usage errors name the field and the command', () => {
    const e = usage(['add', 'remote', '10.0.0.2', 'tid', '1', 'ttl', '08']);
    expect(e.field).toBe('ttl');
    expect(e.command).toBe('add');
    expect(e.message).toBe('invalid ttl: "08" (allowed: a number: decimal, 0x hex or 0-prefixed octal)');
    expect(usage(['add', 'remote', '10.0.0.2']).field).toBe('tunnel-id');
    expect(usage(['add', 'tid', '1']).field).toBe('remote');
    expect(usage(['add', 'remote', '10.0.0.2', 'tid', '1', 'keepalive']).message).toBe(
      'add: keepalive needs a value',
    );
    expect(usage(['add', 'l', 'x']).message).toBe(
      `add: ambiguous option "l": could be local, link (try 'eoip help add')`,
    );
    expect(usage(['frob']).message).toBe(`unknown command "frob" (try 'eoip help')`);
    expect(usage(['add', '-x']).message).toBe(`add: unknown flag "-x" (try 'eoip help add')`);
  });
});
