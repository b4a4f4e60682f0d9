/**
 * Address text <-> bytes. Expected values were produced by glibc's
 * inet_ntop / inet_pton (the reference tool prints with inet_ntop).
 */
import { describe, expect, it } from 'vitest';
import {
  formatIPv4,
  formatIPv6,
  formatIp,
  formatMac,
  fromHex,
  parseIPv4,
  parseIPv6,
  parseIp,
  parseMac,
  toHex,
} from '../../src/codec/index.js';

/** Eight 16-bit words to the 16 address bytes. */
function words(...w: number[]): Uint8Array {
  expect(w.length).toBe(8);
  const b = new Uint8Array(16);
  w.forEach((x, i) => {
    b[2 * i] = x >> 8;
    b[2 * i + 1] = x & 0xff;
  });
  return b;
}

describe('formatIPv6 matches glibc inet_ntop', () => {
  const cases: [string, Uint8Array][] = [
    ['::', words(0, 0, 0, 0, 0, 0, 0, 0)],
    ['::1', words(0, 0, 0, 0, 0, 0, 0, 1)],
    // glibc has no "::0.0.0.2" rule (BIND 8 did): seven zero words print as hex.
    ['::2', words(0, 0, 0, 0, 0, 0, 0, 2)],
    ['::100', words(0, 0, 0, 0, 0, 0, 0, 0x100)],
    ['::ffff:1.2.3.4', words(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304)],
    ['::ffff:0.0.0.0', words(0, 0, 0, 0, 0, 0xffff, 0, 0)],
    ['::ffff:0.0.0.1', words(0, 0, 0, 0, 0, 0xffff, 0, 1)],
    ['::1.2.3.4', words(0, 0, 0, 0, 0, 0, 0x0102, 0x0304)],
    ['::0.1.0.2', words(0, 0, 0, 0, 0, 0, 1, 2)],
    ['::fffe:102:304', words(0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304)],
    ['::ffff:0:102:304', words(0, 0, 0, 0, 0xffff, 0, 0x0102, 0x0304)],
    ['64:ff9b::102:304', words(0x64, 0xff9b, 0, 0, 0, 0, 0x0102, 0x0304)],
    ['1:0:0:1::1', words(1, 0, 0, 1, 0, 0, 0, 1)],
    ['fd00::1', words(0xfd00, 0, 0, 0, 0, 0, 0, 1)],
    // Two runs of two: the leftmost wins.
    ['2001:db8::1:0:0:1', words(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)],
    ['::1:0:0:1:0:0', words(0, 0, 1, 0, 0, 1, 0, 0)],
    // The longer run wins even when it is on the right.
    ['0:1:0:0:1::', words(0, 1, 0, 0, 1, 0, 0, 0)],
    ['1::1:0:0:0', words(1, 0, 0, 0, 1, 0, 0, 0)],
    ['::1:0:0:0', words(0, 0, 0, 0, 1, 0, 0, 0)],
    ['1::', words(1, 0, 0, 0, 0, 0, 0, 0)],
    ['fe80::', words(0xfe80, 0, 0, 0, 0, 0, 0, 0)],
    ['ab:cd::ef:0', words(0xab, 0xcd, 0, 0, 0, 0, 0xef, 0)],
    // Single zero words are never compressed.
    ['1:0:1:0:1:0:1:0', words(1, 0, 1, 0, 1, 0, 1, 0)],
    ['1:2:3:4:5:6:7:8', words(1, 2, 3, 4, 5, 6, 7, 8)],
    [
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      words(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff),
    ],
  ];
  it.each(cases)('%s', (text, bytes) => {
    expect(formatIPv6(bytes)).toBe(text);
    expect(formatIp(bytes)).toBe(text);
    // And it reads back to the same bytes.
    expect(parseIPv6(text)).toEqual(bytes);
  });

  it('reads at an offset', () => {
    const b = new Uint8Array(20);
    b.set(words(0xfd00, 0, 0, 0, 0, 0, 0, 0x12), 4);
    expect(formatIPv6(b, 4)).toBe('fd00::12');
    expect(formatIPv4(Uint8Array.of(9, 10, 0, 0, 1, 7), 2)).toBe('0.0.1.7');
  });
});

describe('parseIPv6 accepts what inet_pton accepts', () => {
  const accepted: [string, string][] = [
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
    ['::1:2:3:4:5:6:7', '00000001000200030004000500060007'],
    ['1::2:3:4:5:6:7', '00010000000200030004000500060007'],
    ['0001:0002::', '00010002000000000000000000000000'],
    ['FD00::A', 'fd00000000000000000000000000000a'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['::1.2.3.4', '00000000000000000000000001020304'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['0000:0000:0000:0000:0000:ffff:255.255.255.255', '00000000000000000000ffffffffffff'],
    ['1::1.2.3.4', '00010000000000000000000001020304'],
    ['1:2::3:4:5:6:7', '00010002000000030004000500060007'],
    ['a:b::c', '000a000b00000000000000000000000c'],
  ];
  it.each(accepted)('%s', (text, hex) => {
    expect(toHex(parseIPv6(text)!)).toBe(hex);
    expect(parseIp(text)).toEqual({ family: 6, bytes: fromHex(hex) });
  });
});

describe('parseIPv6 rejects what inet_pton rejects', () => {
  it.each([
    '',
    ':',
    ':::',
    '1::2::3',
    ':1::2',
    '1::2:',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2:3:4:5:6:7:8',
    // "::" must stand for at least one group.
    '1:2:3:4:5:6::1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::',
    '::1.2.3',
    '::01.2.3.4',
    '::256.1.1.1',
    '00001::',
    'g::',
    'fe80::1%eth0',
    ' ::1',
    '::1 ',
    '1.2.3.4',
    ':1.2.3.4',
    '::ffff:1a.2.3.4',
    '::1.2.3.4:1',
    '1::2:3:4:5:6:1.2.3.4',
  ])('%j', (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });
});

describe('parseIPv4 follows inet_pton', () => {
  it.each([
    ['1.2.3.4', '01020304'],
    ['0.0.0.0', '00000000'],
    ['255.255.255.255', 'ffffffff'],
    ['10.0.0.1', '0a000001'],
    ['1.2.3.0', '01020300'],
  ])('accepts %s', (text, hex) => {
    expect(toHex(parseIPv4(text)!)).toBe(hex);
    expect(formatIPv4(fromHex(hex))).toBe(text);
    expect(parseIp(text)).toEqual({ family: 4, bytes: fromHex(hex) });
  });

  it.each([
    '01.2.3.4',
    '1.2.3.04',
    '00.1.2.3',
    '256.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4\n',
    '+1.2.3.4',
    '1.2.3.-4',
    '0x1.2.3.4',
    '1000.1.1.1',
    '',
  ])('rejects %j', (text) => {
    expect(parseIPv4(text)).toBeUndefined();
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('MAC addresses', () => {
  it('parse with either separator and format lowercase', () => {
    expect(toHex(parseMac('02:00:5E:10:00:ff')!)).toBe('02005e1000ff');
    expect(toHex(parseMac('2-0-5e-10-0-ff')!)).toBe('02005e1000ff');
    expect(formatMac(fromHex('865f7538e0a7'))).toBe('86:5f:75:38:e0:a7');
  });

  it.each(['02:00:5e:10:00', '02:00:5e:10:00:ff:01', '02:00:5e:10:00:fff', 'zz:00:5e:10:00:ff', ''])(
    'rejects %j',
    (text) => {
      expect(parseMac(text)).toBeUndefined();
    },
  );
});
