/**
 * The shipped JSON Schema and the loader's own checks agree: every document
 * one accepts the other accepts. Checked on a table of valid and invalid
 * files, on random tunnels, and on the examples of docs/apply.md.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseApplyFile } from '../../src/api/apply.js';
import { parseIp } from '../../src/codec/addresses.js';
import { REPO_ROOT } from '../fixtures/vectors.js';

// ajv is CommonJS: its class is the module itself, or its `default`.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ??
  Ajv2020Module) as unknown as typeof Ajv2020Module.default;

const schema = JSON.parse(readFileSync(resolve(REPO_ROOT, 'schema/tunnels.schema.json'), 'utf8'));
const ajv = new Ajv2020({ strict: true, allErrors: true });
const schemaAccepts = ajv.compile(schema);

async function loaderAccepts(doc: unknown): Promise<boolean> {
  try {
    await parseApplyFile(JSON.stringify(doc), 'json');
    return true;
  } catch (e) {
    if ((e as { code?: string }).code !== 'INVALID_ARGUMENT') throw e;
    return false;
  }
}

const T = { name: 'e1', tunnelId: 7, remote: '198.51.100.7' };
const T6 = { name: 'e6', tunnelId: 7, remote: '2001:db8::7' };
/** One tunnel with a field replaced (undefined removes it). */
function tun(over: Record<string, unknown>, base: Record<string, unknown> = T): unknown {
  const t: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete t[k];
    else t[k] = v;
  }
  return { tunnels: [t] };
}

const VALID: Array<[string, unknown]> = [
  ['minimal object form', { tunnels: [T] }],
  ['bare list', [T]],
  ['empty list', { tunnels: [] }],
  ['empty bare list', []],
  ['with $schema', { $schema: './tunnels.schema.json', tunnels: [T] }],
  [
    'every field, eoip, upper bounds',
    tun({
      name: 'hq',
      tunnelId: 65535,
      local: '192.0.2.1',
      link: 'eth0',
      ttl: 255,
      tos: 0,
      keepalive: { interval: 3600, retries: 255 },
      mtu: 65535,
      address: '02:00:5e:10:00:01',
      master: 'br-lan',
      up: true,
    }),
  ],
  [
    'every field, eoipv6, lower bounds',
    tun(
      {
        tunnelId: 4095,
        local: '::',
        keepalive: 'none',
        mtu: 68,
        address: 'auto',
        link: 3,
        master: 4,
        up: false,
      },
      T6,
    ),
  ],
  ['local auto, keepalive 0', tun({ local: 'auto', keepalive: 0 })],
  ['keepalive seconds', tun({ keepalive: 3600, ttl: 0, tos: 255 })],
  ['IPv4-mapped IPv6 remote', tun({ remote: '::ffff:198.51.100.7', tunnelId: 4095 })],
  ['IPv6 with embedded IPv4 local', tun({ local: '2001:db8::192.0.2.1' }, T6)],
  ['MAC with dashes and single digits', tun({ address: 'AA-BB-CC-DD-EE-F' })],
  ['MAC single-digit unicast first octet', tun({ address: '2:0:0:0:0:1' })],
  ['name of 15 characters', tun({ name: 'abcdefghijklmno' })],
  ['name with dots and symbols', tun({ name: '.eoip@hq-1_x' })],
  ['name ..x', tun({ name: '..x' })],
  ['tunnel id 0', tun({ tunnelId: 0 })],
  ['ifindex 2147483647 as link', tun({ link: 2147483647 })],
  ['remote that is a local-looking address', tun({ remote: '127.0.0.1' })],
  ['two kinds', { tunnels: [T, T6] }],
];

const INVALID: Array<[string, unknown]> = [
  ['null document', null],
  ['a string', 'tunnels'],
  ['a number', 42],
  ['no tunnels key', {}],
  ['tunnels not a list', { tunnels: { name: 'a' } }],
  ['extra top-level key', { tunnels: [], prune: true }],
  ['$schema not a string', { $schema: 5, tunnels: [] }],
  ['item not an object', { tunnels: ['e1'] }],
  ['item null', [null]],
  ['item a list', [[T]]],
  ['missing name', tun({ name: undefined })],
  ['missing tunnelId', tun({ tunnelId: undefined })],
  ['missing remote', tun({ remote: undefined })],
  ['empty name', tun({ name: '' })],
  ['name of 16 characters', tun({ name: 'abcdefghijklmnop' })],
  ['name with /', tun({ name: 'a/b' })],
  ['name with :', tun({ name: 'a:b' })],
  ['name with a space', tun({ name: 'a b' })],
  ['name with a tab', tun({ name: 'a\tb' })],
  ['name .', tun({ name: '.' })],
  ['name ..', tun({ name: '..' })],
  ['non-ASCII name', tun({ name: 'tün' })],
  ['name a number', tun({ name: 42 })],
  ['tunnelId -1', tun({ tunnelId: -1 })],
  ['tunnelId 65536', tun({ tunnelId: 65536 })],
  ['tunnelId 1.5', tun({ tunnelId: 1.5 })],
  ['tunnelId as text', tun({ tunnelId: '7' })],
  ['eoipv6 tunnelId 4096', tun({ tunnelId: 4096 }, T6)],
  ['remote 0.0.0.0', tun({ remote: '0.0.0.0' })],
  ['remote ::', tun({ remote: '::' })],
  ['remote ::0.0.0.0', tun({ remote: '::0.0.0.0' })],
  ['remote 0:0:0:0:0:0:0:0', tun({ remote: '0:0:0:0:0:0:0:0' })],
  ['remote IPv6 multicast', tun({ remote: 'ff02::1' })],
  ['remote IPv6 multicast, upper case', tun({ remote: 'FF05::1:3' })],
  ['remote with a leading zero', tun({ remote: '010.0.0.1' })],
  ['remote with three parts', tun({ remote: '10.0.0' })],
  ['remote octet 256', tun({ remote: '10.0.0.256' })],
  ['remote host name', tun({ remote: 'router.example' })],
  ['remote with two ::', tun({ remote: '2001:db8::1::2' })],
  ['remote a number', tun({ remote: 167772162 })],
  ['local of the other family', tun({ local: 'fd00::1' })],
  ['IPv4 local for an IPv6 remote', tun({ local: '192.0.2.1' }, T6)],
  ['local any', tun({ local: 'any' })],
  ['local empty', tun({ local: '' })],
  ['link 0', tun({ link: 0 })],
  ['link -1', tun({ link: -1 })],
  ['link 2147483648', tun({ link: 2147483648 })],
  ['link with /', tun({ link: 'a/b' })],
  ['link true', tun({ link: true })],
  ['master 0', tun({ master: 0 })],
  ['ttl 256', tun({ ttl: 256 })],
  ['ttl -1', tun({ ttl: -1 })],
  ['tos 1.2', tun({ tos: 1.2 })],
  ['keepalive 3601', tun({ keepalive: 3601 })],
  ['keepalive -1', tun({ keepalive: -1 })],
  ['keepalive off', tun({ keepalive: 'off' })],
  ['keepalive "10,10"', tun({ keepalive: '10,10' })],
  ['keepalive true', tun({ keepalive: true })],
  ['keepalive without retries', tun({ keepalive: { interval: 10 } })],
  ['keepalive retries 256', tun({ keepalive: { interval: 10, retries: 256 } })],
  ['keepalive with an extra key', tun({ keepalive: { interval: 10, retries: 1, jitter: 1 } })],
  ['mtu 67', tun({ mtu: 67 })],
  ['mtu 65536', tun({ mtu: 65536 })],
  ['mtu 1500.5', tun({ mtu: 1500.5 })],
  ['mtu null', tun({ mtu: null })],
  ['multicast MAC', tun({ address: '01:00:5e:00:00:01' })],
  ['zero MAC', tun({ address: '00:00:00:00:00:00' })],
  ['MAC with bad digits', tun({ address: 'zz:00:00:00:00:01' })],
  ['MAC with five parts', tun({ address: '02:00:00:00:00' })],
  ['MAC part of three digits', tun({ address: '02:00:00:00:00:001' })],
  ['address autox', tun({ address: 'autox' })],
  ['up "yes"', tun({ up: 'yes' })],
  ['up 1', tun({ up: 1 })],
  ['unknown field', tun({ color: 'red' })],
];

describe('schema/tunnels.schema.json agrees with parseApplyFile', () => {
  it('has at least 20 valid and 20 invalid cases', () => {
    expect(VALID.length).toBeGreaterThanOrEqual(20);
    expect(INVALID.length).toBeGreaterThanOrEqual(20);
  });

  it.each(VALID)('both accept: %s', async (_label, doc) => {
    expect(await loaderAccepts(doc)).toBe(true);
    expect(schemaAccepts(doc), JSON.stringify(schemaAccepts.errors)).toBe(true);
  });

  it.each(INVALID)('both refuse: %s', async (_label, doc) => {
    expect(await loaderAccepts(doc)).toBe(false);
    expect(schemaAccepts(doc)).toBe(false);
  });

  it('the one documented difference: duplicate names pass the schema, the loader refuses them', async () => {
    const doc = { tunnels: [T, { ...T, tunnelId: 8 }] };
    expect(schemaAccepts(doc)).toBe(true);
    expect(await loaderAccepts(doc)).toBe(false);
  });

  it('agrees on random tunnels (fields around every bound, random addresses and names)', async () => {
    const hexish = fc
      .array(fc.constantFrom(...'0123456789abcdefF:.:'), { maxLength: 24 })
      .map((a) => a.join(''));
    const address = fc.oneof(
      hexish,
      fc.constantFrom(
        '10.0.0.2',
        '0.0.0.0',
        '255.255.255.255',
        '01.2.3.4',
        '2001:db8::7',
        '::',
        '::1',
        'ff02::1',
        'fe80::1',
        '::ffff:10.0.0.1',
        '1:2:3:4:5:6:7:8',
        '1:2:3:4:5:6:7::',
        '1::2:3:4:5:6:7',
        '::2:3:4:5:6:10.0.0.1',
      ),
      fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((p) => p.join('.')),
    );
    const name = fc.oneof(
      fc.string({ minLength: 0, maxLength: 17 }),
      fc.constantFrom('eth0', 'br-lan', '.', '..', 'a/b', 'x:y', 'é', 'a b', 'abcdefghijklmno'),
    );
    const int = (lo: number, hi: number) =>
      fc.oneof(fc.integer({ min: lo - 2, max: hi + 2 }), fc.constantFrom(lo, hi, lo - 1, hi + 1, 1.5));
    const tunnel = fc.record(
      {
        name,
        tunnelId: fc.oneof(int(0, 65535), fc.constantFrom(4095, 4096, '7')),
        remote: address,
        local: fc.oneof(address, fc.constant('auto')),
        link: fc.oneof(name, int(1, 2147483647)),
        ttl: int(0, 255),
        tos: int(0, 255),
        keepalive: fc.oneof(
          fc.constantFrom('none', 'off'),
          int(0, 3600),
          fc.record({ interval: int(0, 3600), retries: int(0, 255) }, { requiredKeys: [] }),
        ),
        mtu: int(68, 65535),
        address: fc.oneof(
          fc.constantFrom(
            'auto',
            '02:00:00:00:00:01',
            '01:00:00:00:00:01',
            '00:00:00:00:00:00',
            '0-0-0-0-0-2',
          ),
          fc.array(fc.constantFrom(...'0123456789abcdefxX:-'), { maxLength: 18 }).map((a) => a.join('')),
        ),
        master: fc.oneof(name, int(1, 2147483647)),
        up: fc.oneof(fc.boolean(), fc.constantFrom('yes', 1)),
      },
      { requiredKeys: [] },
    );
    // Mostly well-formed tunnels, so that acceptance is exercised as well as refusal.
    const good = fc.record(
      {
        name: fc.constantFrom('e1', 'hq', 'x.y'),
        tunnelId: int(0, 65535),
        remote: address,
        local: fc.oneof(address, fc.constant('auto')),
        ttl: int(0, 255),
        keepalive: fc.oneof(fc.constant('none'), int(0, 3600)),
      },
      { requiredKeys: ['name', 'tunnelId', 'remote'] },
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(tunnel, good, good), async (t) => {
        const doc = { tunnels: [t] };
        const mine = await loaderAccepts(doc);
        if (mine) accepted++;
        expect(schemaAccepts(doc)).toBe(mine);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it('the schema address patterns read exactly the addresses the codec reads', () => {
    const v4 = new RegExp(schema.$defs.ipv4.pattern, 'u');
    const v6 = new RegExp(schema.$defs.ipv6.pattern, 'u');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.constantFrom(...'0123456789abcdefABCDEF:.'), { maxLength: 46 }).map((a) => a.join('')),
          fc.ipV6(),
          fc.ipV4(),
          fc.ipV4Extended(),
        ),
        (s) => {
          const p = parseIp(s);
          expect(v6.test(s)).toBe(p?.family === 6);
          expect(v4.test(s)).toBe(p?.family === 4);
        },
      ),
      { numRuns: 20000 },
    );
  });
});

describe('the examples of docs/apply.md', () => {
  const doc = readFileSync(resolve(REPO_ROOT, 'docs/apply.md'), 'utf8');
  const blocks = [...doc.matchAll(/```(json|yaml)\n([\s\S]*?)```/g)].map((m) => ({
    format: m[1] as 'json' | 'yaml',
    text: m[2]!,
  }));

  it('has JSON and YAML examples', () => {
    expect(blocks.filter((b) => b.format === 'json').length).toBeGreaterThanOrEqual(1);
    expect(blocks.filter((b) => b.format === 'yaml').length).toBeGreaterThanOrEqual(1);
  });

  it('every example passes both the schema and the loader', async () => {
    for (const b of blocks) {
      const value = b.format === 'json' ? JSON.parse(b.text) : parseYaml(b.text);
      expect(schemaAccepts(value), b.text).toBe(true);
      expect((await parseApplyFile(b.text, b.format)).length).toBeGreaterThan(0);
    }
  });
});

describe('the schema and the parameter table', () => {
  it('describes every tunnel parameter of the table', async () => {
    const { TUNNEL_FIELDS } = await import('../../src/api/fields.js');
    const properties = Object.keys(schema.$defs.tunnel.properties);
    expect(TUNNEL_FIELDS.filter((f) => !properties.includes(f))).toEqual([]);
  });
});
