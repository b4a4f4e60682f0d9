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
  type AttributeWriter,
  buildMessage,
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINKINFO,
  IFLA_STATS64,
  RTM_NEWLINK,
} from '../../src/codec/index.js';
import { decodeLinkMessage, peekLinkKind } from '../../src/codec/link.js';

/** An RTM_NEWLINK message: an empty ifinfomsg, then what `fill` writes. */
function linkMessage(fill: (w: AttributeWriter) => void): Uint8Array {
  return buildMessage(RTM_NEWLINK, 0, 0, (w) => {
    w.zeros(IFINFOMSG_LEN);
    fill(w);
  });
}

const cstring = (bytes: number[]) => Uint8Array.from([...bytes, 0]);
const ascii = (s: string) => cstring([...s].map((c) => c.charCodeAt(0)));

describe('decoded link values', () => {
  it('formats any hardware address as lowercase hex pairs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), (mac) => {
        const expected = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
        expect(formatMac(mac)).toBe(expected);
        expect(decodeLinkMessage(linkMessage((w) => w.bytes(IFLA_ADDRESS, mac))).address).toBe(expected);
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
    const s = decodeLinkMessage(linkMessage((w) => w.bytes(IFLA_STATS64, stats))).stats!;
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
        const msg = linkMessage((w) =>
          w.nest(IFLA_LINKINFO, (li) => {
            li.bytes(IFLA_INFO_KIND, ascii(kind));
            li.bytes(IFLA_INFO_SLAVE_KIND, ascii(`s-${kind}`));
          }),
        );
        const decoded = decodeLinkMessage(msg);
        expect(decoded.linkInfo).toMatchObject({ kind, slaveKind: `s-${kind}` });
        expect(peekLinkKind(msg, 0, msg.length)).toBe(kind);
      }
    }
  });

  it('never answers a kind that is not ASCII with a shared name', () => {
    const kindOf = (bytes: number[]) =>
      decodeLinkMessage(
        linkMessage((w) => w.nest(IFLA_LINKINFO, (li) => li.bytes(IFLA_INFO_KIND, cstring(bytes)))),
      ).linkInfo?.kind;
    // Latin-1 é alone is not UTF-8: replaced, and never read as "é".
    for (let round = 0; round < 3; round++) {
      expect(kindOf([0x76, 0xc3, 0xa9])).toBe('vé');
      expect(kindOf([0x76, 0xe9])).toBe('v\ufffd');
      expect(kindOf([0x76, 0x65])).toBe('ve');
    }
  });
});
