/**
 * Bad input never reaches the kernel: each case throws InvalidArgumentError
 * naming the field, and the transport saw no request that changes anything.
 */
import { describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { InvalidArgumentError } from '../../src/api/errors.js';
import type { TunnelPatch, TunnelSpec } from '../../src/api/types.js';
import { ReplayTransport } from '../fixtures/replay.js';

const base = { tunnelId: 7, local: '192.0.2.1', remote: '198.51.100.2' };
const base6 = { tunnelId: 7, local: 'fd00::1', remote: 'fd00::2' };

/** [description, spec, field the error must name, text its `allowed` must contain] */
const createCases: Array<[string, unknown, string, string]> = [
  ['tunnel id above 16 bits is never aliased', { ...base, tunnelId: 70000 }, 'tunnelId', '0..65535'],
  ['tunnel id 65536', { ...base, tunnelId: 65536 }, 'tunnelId', '0..65535'],
  ['negative tunnel id', { ...base, tunnelId: -1 }, 'tunnelId', '0..65535'],
  ['fractional tunnel id', { ...base, tunnelId: 1.5 }, 'tunnelId', '0..65535'],
  ['tunnel id as a string', { ...base, tunnelId: '7' }, 'tunnelId', '0..65535'],
  ['missing tunnel id', { local: '192.0.2.1', remote: '198.51.100.2' }, 'tunnelId', 'required'],
  ['eoipv6 tunnel id 4096', { ...base6, tunnelId: 4096 }, 'tunnelId', '0..4095'],
  ['eoipv6 tunnel id 65535', { ...base6, tunnelId: 65535 }, 'tunnelId', '0..4095'],
  ['missing remote', { tunnelId: 1 }, 'remote', 'required'],
  ['remote 0.0.0.0', { ...base, remote: '0.0.0.0' }, 'remote', 'not 0.0.0.0'],
  ['remote ::', { ...base6, remote: '::' }, 'remote', 'not 0.0.0.0 or ::'],
  ['IPv6 multicast remote', { ...base6, remote: 'ff02::1' }, 'remote', 'multicast'],
  ['remote not an address', { ...base, remote: 'router.example' }, 'remote', 'IPv4 or IPv6'],
  ['remote with a prefix length', { ...base, remote: '198.51.100.2/24' }, 'remote', 'IPv4 or IPv6'],
  ['remote with a leading-zero octet', { ...base, remote: '198.051.100.2' }, 'remote', 'IPv4 or IPv6'],
  ['remote octet above 255', { ...base, remote: '198.51.100.256' }, 'remote', 'IPv4 or IPv6'],
  ['IPv4 local with IPv6 remote', { tunnelId: 1, local: '192.0.2.1', remote: 'fd00::2' }, 'local', 'IPv6'],
  ['IPv6 local with IPv4 remote', { tunnelId: 1, local: 'fd00::1', remote: '198.51.100.2' }, 'local', 'IPv4'],
  ['local garbage', { ...base, local: 'me' }, 'local', 'IPv4'],
  ['empty name', { ...base, name: '' }, 'name', '1..15 bytes'],
  ['16-byte name', { ...base, name: 'abcdefghijklmnop' }, 'name', '1..15 bytes'],
  ['name with a slash', { ...base, name: 'a/b' }, 'name', "'/'"],
  ['name with a space', { ...base, name: 'a b' }, 'name', 'whitespace'],
  ['name with a colon', { ...base, name: 'eoip:1' }, 'name', "':'"],
  ['name "."', { ...base, name: '.' }, 'name', "'.'"],
  ['name ".."', { ...base, name: '..' }, 'name', "'..'"],
  ['15 characters but 16 bytes of UTF-8', { ...base, name: 'éabcdefghijklmn' }, 'name', '1..15 bytes'],
  ['ttl 256', { ...base, ttl: 256 }, 'ttl', '0..255'],
  ['ttl -1', { ...base, ttl: -1 }, 'ttl', '0..255'],
  ['tos 300', { ...base, tos: 300 }, 'tos', '0..255'],
  ['tos as a string', { ...base, tos: '0x10' }, 'tos', '0..255'],
  ['keepalive interval 3601', { ...base, keepalive: 3601 }, 'keepalive', '0..3600'],
  [
    'keepalive object interval 3601',
    { ...base, keepalive: { interval: 3601, retries: 1 } },
    'keepalive.interval',
    '0..3600',
  ],
  [
    'keepalive retries 256',
    { ...base, keepalive: { interval: 10, retries: 256 } },
    'keepalive.retries',
    '0..255',
  ],
  ['keepalive retries missing', { ...base, keepalive: { interval: 10 } }, 'keepalive.retries', '0..255'],
  ['keepalive word', { ...base, keepalive: 'off' }, 'keepalive', "'none'"],
  [
    'keepalive unknown key',
    { ...base, keepalive: { interval: 1, retries: 1, jitter: 2 } },
    'keepalive.jitter',
    'interval and retries',
  ],
  ['mtu 67', { ...base, mtu: 67 }, 'mtu', '68..65535'],
  ['mtu 65536', { ...base, mtu: 65536 }, 'mtu', '68..65535'],
  ['multicast MAC', { ...base, address: '01:00:5e:00:00:01' }, 'address', 'unicast'],
  ['all-zero MAC', { ...base, address: '00:00:00:00:00:00' }, 'address', 'non-zero'],
  ['short MAC', { ...base, address: '02:00:00:00:01' }, 'address', 'MAC'],
  ['link ifindex 0', { ...base, link: 0 }, 'link', 'ifindex > 0'],
  ['link name too long', { ...base, link: 'x'.repeat(16) }, 'link', '1..15 bytes'],
  ['master of the wrong type', { ...base, master: true }, 'master', 'interface name'],
  ['up as a string', { ...base, up: 'yes' }, 'up', 'true or false'],
  ['a misspelt field', { ...base, tunnelID: 7 }, 'tunnelID', 'known field'],
];

describe('createTunnel refuses bad input before sending anything', () => {
  it.each(createCases)('%s', async (_d, spec, field, allowed) => {
    const t = new ReplayTransport();
    const c = EoipClient.withTransport(t);
    const err = await c.createTunnel(spec as TunnelSpec).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe(field);
    expect(err.allowed).toContain(allowed);
    expect(err.message).toContain(field);
    expect(t.sent).toHaveLength(0);
  });
});

describe('references to interfaces must exist (looked up, never created)', () => {
  it.each([
    ['link', { ...base, link: 'nosuchdev' }],
    ['link', { ...base, link: 99 }],
    ['master', { ...base, master: 'nobridge' }],
  ] as Array<[string, TunnelSpec]>)('%s %j', async (field, spec) => {
    const t = new ReplayTransport();
    const err = await EoipClient.withTransport(t)
      .createTunnel(spec)
      .catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe(field);
    expect(t.mutations).toHaveLength(0);
  });
});

const changeCases: Array<[string, string, TunnelPatch, string]> = [
  ['tunnel id above the eoipv6 range', 'v6_basic', { tunnelId: 4096 }, 'tunnelId'],
  ['IPv4 remote on eoipv6', 'v6_basic', { remote: '198.51.100.2' }, 'remote'],
  ['IPv6 local on eoip', 'e_basic', { local: 'fd00::9' }, 'local'],
  ['remote 0.0.0.0', 'e_basic', { remote: '0.0.0.0' }, 'remote'],
  ['bad new name', 'e_basic', { name: 'has space' }, 'name'],
  ['ttl 999', 'e_basic', { ttl: 999 }, 'ttl'],
  ['unknown field', 'e_basic', { colour: 'blue' } as unknown as TunnelPatch, 'colour'],
  ['missing link', 'e_basic', { link: 'nosuchdev' }, 'link'],
];

describe('changeTunnel refuses bad input before changing anything', () => {
  it.each(changeCases)('%s', async (_d, target, patch, field) => {
    const t = new ReplayTransport();
    const err = await EoipClient.withTransport(t)
      .changeTunnel(target, patch)
      .catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe(field);
    expect(t.mutations).toHaveLength(0);
  });
});

describe('IPv6 multicast is judged by the first byte, not the spelling', () => {
  it.each([
    ['ff02::1', true],
    ['FF0E::9', true],
    ['ff::1', false], // 00ff::1
    ['0ff0::1', false],
    ['fd00::ff', false],
  ])('%s multicast=%s', async (remote, multicast) => {
    const t = new ReplayTransport();
    const r = await EoipClient.withTransport(t)
      .planCreateTunnel({ tunnelId: 1, remote })
      .then(() => 'ok')
      .catch((e) => (e instanceof InvalidArgumentError ? e.field : String(e)));
    expect(r).toBe(multicast ? 'remote' : 'ok');
  });
});

/** [description, targets, field the error must name, text its `allowed` must contain] */
const deleteManyCases: Array<[string, unknown, string, string]> = [
  ['targets not an array', 'e_basic', 'targets', 'array'],
  ['a 16-byte name among them', ['e_basic', 'abcdefghijklmnop'], 'targets[1]', '1..15 bytes'],
  ['ifindex 0 among them', ['e_basic', 0], 'targets[1]', 'ifindex > 0'],
  ['a boolean among them', [true], 'targets[0]', 'interface name'],
];

describe('deleteTunnels refuses bad input before sending anything', () => {
  it.each(deleteManyCases)('%s', async (_d, targets, field, allowed) => {
    const t = new ReplayTransport();
    const err = await EoipClient.withTransport(t)
      .deleteTunnels(targets as string[])
      .catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe(field);
    expect(err.allowed).toContain(allowed);
    expect(t.sent).toHaveLength(0);
  });
});
