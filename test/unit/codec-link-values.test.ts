/**
 * Values a link listing is made of, decoded exactly: hardware addresses of
 * any bytes and length, 64-bit counters on both sides of 2^32 (a counter
 * below it is read without arithmetic), and link kinds, which the decoder
 * shares between links: every kind still reads as its own bytes, past the
 * pool's size, and text that is not ASCII is never taken for a pooled name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMac } from '../../src/codec/addresses.js';
import {
  IFLA_ADDRESS,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINKINFO,
  IFLA_STATS64,
} from '../../src/codec/constants.js';
import { decodeLinkMessage, peekLinkKind } from '../../src/codec/link.js';

/** One attribute: header, value, padding to 4. */
function attr(type: number, value: Uint8Array): Uint8Array {
  const len = 4 + value.length;
  const out = new Uint8Array((len + 3) & ~3);
  new DataView(out.buffer).setUint16(0, len, true);
  new DataView(out.buffer).setUint16(2, type, true);
  out.set(value, 4);
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** An RTM_NEWLINK message (ifindex 7) with these attributes. */
function linkMessage(attrs: Uint8Array[]): Uint8Array {
  const body = concat(attrs);
  const out = new Uint8Array(32 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint16(4, 16, true); // RTM_NEWLINK
  v.setInt32(20, 7, true);
  out.set(body, 32);
  return out;
}

const cstring = (bytes: number[]) => Uint8Array.from([...bytes, 0]);
const ascii = (s: string) => cstring([...s].map((c) => c.charCodeAt(0)));

describe('decoded link values', () => {
  it('formats any hardware address as lowercase hex pairs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), (mac) => {
        const expected = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
        expect(formatMac(mac)).toBe(expected);
        expect(decodeLinkMessage(linkMessage([attr(IFLA_ADDRESS, mac)])).address).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads 64-bit counters exactly on both sides of 2^32', () => {
    const values = [
      0,
      1,
      2 ** 30 - 1,
      2 ** 30,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 32 + 1,
      2 ** 40 + 12345,
      2 ** 53 - 1,
    ];
    const stats = new Uint8Array(80);
    const v = new DataView(stats.buffer);
    for (const [i, x] of values.entries()) v.setBigUint64(i * 8, BigInt(x), true);
    const s = decodeLinkMessage(linkMessage([attr(IFLA_STATS64, stats)])).stats!;
    expect([
      s.rxPackets,
      s.txPackets,
      s.rxBytes,
      s.txBytes,
      s.rxErrors,
      s.txErrors,
      s.rxDropped,
      s.txDropped,
      s.multicast,
      s.collisions,
    ]).toEqual(values);
  });

  it('reads every link kind as its own bytes, well past the number of kinds kept for sharing', () => {
    const kinds = Array.from({ length: 80 }, (_, i) => `kind${i}`);
    for (let round = 0; round < 2; round++) {
      for (const kind of kinds) {
        const info = attr(
          IFLA_LINKINFO,
          concat([attr(IFLA_INFO_KIND, ascii(kind)), attr(IFLA_INFO_SLAVE_KIND, ascii(`s-${kind}`))]),
        );
        const msg = linkMessage([info]);
        const decoded = decodeLinkMessage(msg);
        expect(decoded.linkInfo).toMatchObject({ kind, slaveKind: `s-${kind}` });
        expect(peekLinkKind(msg, 0, msg.length)).toBe(kind);
      }
    }
  });

  it('never answers a kind that is not ASCII with a shared name', () => {
    const kindOf = (bytes: number[]) =>
      decodeLinkMessage(linkMessage([attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, cstring(bytes)))])).linkInfo
        ?.kind;
    // Latin-1 é alone is not UTF-8: replaced, and never read as "é".
    for (let round = 0; round < 3; round++) {
      expect(kindOf([0x76, 0xc3, 0xa9])).toBe('vé');
      expect(kindOf([0x76, 0xe9])).toBe('v\ufffd');
      expect(kindOf([0x76, 0x65])).toBe('ve');
    }
  });
});
