/**
 * Attribute and message framing: padding, nesting, type-flag masking, and
 * lengths that must be refused (with NetlinkParseError, never a loop or a
 * read past the end).
 */
import { describe, expect, it } from 'vitest';
import {
  AttributeWriter,
  decodeErrorPayload,
  decodeLinkMessage,
  forEachAttribute,
  fromHex,
  NetlinkParseError,
  parseAttributes,
  readAttr,
  splitMessages,
  toHex,
} from '../../src/codec/index.js';

/** The NetlinkParseError `fn` throws (fails the test if it throws anything else or nothing). */
function parseErrorOf(fn: () => unknown): NetlinkParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NetlinkParseError);
    return e as NetlinkParseError;
  }
  throw new Error('expected a NetlinkParseError, nothing was thrown');
}

describe('AttributeWriter', () => {
  it('pads every attribute to 4 bytes with zeros, length without padding', () => {
    const w = new AttributeWriter();
    w.u8(8, 0x40).u32(4, 0x12345678).u16(2, 0xbeef).s32(9, -2);
    expect(toHex(w.finish())).toBe(
      '0500080040000000' + '0800040078563412' + '06000200efbe0000' + '08000900feffffff',
    );
  });

  it('writes strings with or without the NUL', () => {
    const w = new AttributeWriter();
    w.string(3, 'e1').string(3, 'e1', false).string(3, 'abcd', false);
    expect(toHex(w.finish())).toBe('0700030065310000' + '0600030065310000' + '0800030061626364');
  });

  it('patches nest lengths, including the padding of the last child', () => {
    const w = new AttributeWriter();
    w.nest(18, (li) => {
      li.string(1, 'eoip', false);
      li.nest(2, (d) => d.u8(8, 1));
    });
    // LINKINFO(4 + 8 + (4 + 8)) = 24; INFO_DATA = 4 + 8 = 12.
    expect(toHex(w.finish())).toBe('18001200' + '08000100656f6970' + '0c000200' + '0500080001000000');
  });

  it('grows past its initial capacity without losing bytes', () => {
    const w = new AttributeWriter(4);
    const big = new Uint8Array(1001).map((_, i) => i & 0xff);
    w.u32(1, 7)
      .bytes(2, big)
      .nest(3, (n) => n.bytes(4, big));
    const out = w.finish();
    expect(out.byteLength).toBe(8 + 1008 + 4 + 1008);
    const attrs = parseAttributes(out);
    expect(attrs.map((a) => [a.type, a.value.byteLength])).toEqual([
      [1, 4],
      [2, 1001],
      [3, 1008],
    ]);
    expect(attrs[1]!.value).toEqual(big);
    expect(parseAttributes(attrs[2]!.value)[0]!.value).toEqual(big);
  });
});

describe('parseAttributes / forEachAttribute', () => {
  it('steps over padding and returns values without it', () => {
    const b = fromHex('0500080040000000' + '0600030065310000' + '0800040007000000');
    expect(parseAttributes(b).map((a) => [a.type, toHex(a.value)])).toEqual([
      [8, '40'],
      [3, '6531'],
      [4, '07000000'],
    ]);
  });

  it('masks NLA_F_NESTED and NLA_F_NET_BYTEORDER off the type and reports them', () => {
    const b = fromHex('0800128001000000' + '0800014002000000' + '080005c003000000' + '0800070004000000');
    expect(parseAttributes(b).map((a) => [a.type, a.nested, a.netByteOrder])).toEqual([
      [18, true, false],
      [1, false, true],
      [5, true, true],
      [7, false, false],
    ]);
    const raw: number[] = [];
    forEachAttribute(b, 0, b.byteLength, (type, _s, _e, rawType) => raw.push(type, rawType));
    expect(raw).toEqual([18, 0x8012, 1, 0x4001, 5, 0xc005, 7, 7]);
  });

  it('reads nested attributes from a value view', () => {
    const b = fromHex('14001200' + '08000100656f6970' + '0800020001000000');
    const [outer] = parseAttributes(b);
    const inner = parseAttributes(outer!.value);
    expect(inner.map((a) => a.type)).toEqual([1, 2]);
    expect(readAttr.string(inner[0]!.value)).toBe('eoip');
    expect(readAttr.u32(inner[1]!.value)).toBe(1);
  });

  it('accepts a last attribute whose padding is missing', () => {
    // A 5-byte attribute at the very end, without its 3 pad bytes.
    const b = fromHex('080004000700000005000800ff');
    expect(parseAttributes(b).map((a) => toHex(a.value))).toEqual(['07000000', 'ff']);
  });

  it('tolerates fewer than 4 trailing bytes, as the kernel does', () => {
    expect(parseAttributes(fromHex('0800040007000000' + '0800')).length).toBe(1);
  });

  it('refuses a zero length instead of looping', () => {
    const e = parseErrorOf(() =>
      parseAttributes(fromHex('0800040007000000' + '00000300' + '0800040007000000')),
    );
    expect(e.offset).toBe(8);
    expect(e.message).toMatch(/length 0/);
  });

  it.each([1, 2, 3])('refuses length %i (below the header)', (len) => {
    const e = parseErrorOf(() => parseAttributes(Uint8Array.of(len, 0, 1, 0, 0, 0, 0, 0)));
    expect(e.offset).toBe(0);
  });

  it('refuses a length past the end and says where', () => {
    const e = parseErrorOf(() => parseAttributes(fromHex('0800040007000000' + '0c00030061626364')));
    expect(e.offset).toBe(8);
    expect(e.message).toMatch(/runs past/);
  });

  it('adds the base to error offsets', () => {
    const e = parseErrorOf(() => parseAttributes(fromHex('00000000'), 0, 4, 100));
    expect(e.offset).toBe(100);
  });

  it('reads only its range', () => {
    const b = fromHex('0800040007000000' + '0800040008000000');
    expect(parseAttributes(b, 8, 16).map((a) => readAttr.u32(a.value))).toEqual([8]);
  });
});

describe('readAttr', () => {
  it('reads little-endian integers and C strings', () => {
    expect(readAttr.u8(Uint8Array.of(0xfe))).toBe(254);
    expect(readAttr.u16(Uint8Array.of(0x34, 0x12))).toBe(0x1234);
    expect(readAttr.u32(Uint8Array.of(0x78, 0x56, 0x34, 0x12))).toBe(0x12345678);
    expect(readAttr.s32(Uint8Array.of(0xfe, 0xff, 0xff, 0xff))).toBe(-2);
    expect(readAttr.u64(fromHex('0100000002000000'))).toBe(2 * 2 ** 32 + 1);
    expect(readAttr.string(fromHex('656f697000ffff'))).toBe('eoip');
    expect(readAttr.string(fromHex('656f6970'))).toBe('eoip');
  });

  it('throws NetlinkParseError on short values, with the given offset', () => {
    expect(parseErrorOf(() => readAttr.u8(new Uint8Array(0), 'TTL', 40)).offset).toBe(40);
    expect(parseErrorOf(() => readAttr.u16(Uint8Array.of(1))).message).toMatch(/needs 2 bytes/);
    expect(parseErrorOf(() => readAttr.u32(Uint8Array.of(1, 2, 3), 'IKEY', 12)).message).toMatch(
      /^IKEY needs 4/,
    );
    expect(parseErrorOf(() => readAttr.s32(Uint8Array.of(1, 2, 3))).offset).toBe(0);
    expect(parseErrorOf(() => readAttr.u64(new Uint8Array(7))).message).toMatch(/needs 8 bytes/);
  });
});

describe('splitMessages', () => {
  const ack = '24000000020000010100000085000000000000006c000000100005060100000000000000';

  it('splits back-to-back messages, aligning each to 4 bytes', () => {
    // A 17-byte NOOP (padded to 20) then an ACK.
    const noop = '11000000010000000200000000000000aa000000';
    const msgs = splitMessages(fromHex(noop + ack));
    expect(msgs.map((m) => [m.header.type, m.header.length, m.header.seq])).toEqual([
      [1, 17, 2],
      [2, 36, 1],
    ]);
    expect(toHex(msgs[0]!.payload)).toBe('aa');
    expect(msgs[1]!.bytes.byteOffset).toBe(20);
  });

  it('returns nothing for an empty datagram', () => {
    expect(splitMessages(new Uint8Array(0))).toEqual([]);
  });

  it('refuses a zero nlmsg_len instead of looping', () => {
    const e = parseErrorOf(() => splitMessages(fromHex(`${ack}00000000020000000000000000000000`)));
    expect(e.offset).toBe(36);
  });

  it('refuses a truncated header and a length past the end', () => {
    expect(parseErrorOf(() => splitMessages(fromHex(`${ack}2400`))).offset).toBe(36);
    expect(parseErrorOf(() => splitMessages(fromHex(ack).subarray(0, 35))).message).toMatch(/runs past/);
  });
});

describe('decoders refuse short or mistyped messages', () => {
  it('decodeLinkMessage', () => {
    expect(parseErrorOf(() => decodeLinkMessage(new Uint8Array(31))).offset).toBe(0);
    // An NLMSG_ERROR is not a link message.
    const notLink = new Uint8Array(32);
    notLink.set([32, 0, 0, 0, 2, 0]);
    expect(parseErrorOf(() => decodeLinkMessage(notLink)).message).toMatch(/not RTM_NEWLINK/);
    // nlmsg_len larger than the buffer.
    const tooLong = new Uint8Array(32);
    tooLong.set([33, 0, 0, 0, 16, 0]);
    expect(parseErrorOf(() => decodeLinkMessage(tooLong)).message).toMatch(/nlmsg_len 33/);
  });

  it('decodeErrorPayload', () => {
    expect(parseErrorOf(() => decodeErrorPayload(new Uint8Array(19), 0)).offset).toBe(16);
    // NLM_F_ACK_TLVS without NLM_F_CAPPED: the echoed request must fit.
    const p = fromHex('eaffffff' + '40000000100005000100000000000000');
    expect(parseErrorOf(() => decodeErrorPayload(p, 0x200)).message).toMatch(/echoed request length 64/);
    // Without TLVs nothing after the header is needed.
    expect(decodeErrorPayload(p, 0).errno).toBe(22);
  });
});
