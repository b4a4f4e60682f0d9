/**
 * Bounded work for any input: deeply nested bytes (error messages echoing
 * error messages, attribute trees thousands deep, datagrams of thousands of
 * tiny messages) give every decoder a value or a NetlinkParseError, never a
 * stack overflow or another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeErrorPayload,
  decodeLinkBody,
  decodeLinkMessage,
  decodeTunnelInfoData,
  describeMessage,
  IFINFOMSG_LEN,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  MAX_DESCRIBE_DEPTH,
  NetlinkParseError,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  parseAttributes,
  peekLinkKind,
  RTM_NEWLINK,
  splitMessages,
} from '../../src/codec/index.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);

/**
 * An NLMSG_ERROR whose echoed request is an NLMSG_ERROR, `depth` times,
 * around `inner` (a whole message). `flags` gives each level's header flags.
 */
function echoChain(depth: number, inner: Uint8Array, flags: (level: number) => number = () => 0): Uint8Array {
  const total = depth * (NLMSG_HDRLEN + 4) + inner.byteLength;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  for (let level = 0; level < depth; level++) {
    const off = level * (NLMSG_HDRLEN + 4);
    v.setUint32(off, total - off, true);
    v.setUint16(off + 4, NLMSG_ERROR, true);
    v.setUint16(off + 6, flags(level), true);
    v.setUint32(off + 8, level + 1, true);
    v.setInt32(off + NLMSG_HDRLEN, -22, true);
  }
  b.set(inner, depth * (NLMSG_HDRLEN + 4));
  return b;
}

/** A bare message of `type` with `payload` after its header. */
function message(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(NLMSG_HDRLEN + payload.byteLength);
  const v = new DataView(b.buffer);
  v.setUint32(0, b.byteLength, true);
  v.setUint16(4, type, true);
  b.set(payload, NLMSG_HDRLEN);
  return b;
}

/** Attributes nested `depth` deep: `types(level)` is each level's type; `leaf` is the innermost value. */
function attrTree(depth: number, types: (level: number) => number, leaf = new Uint8Array(0)): Uint8Array {
  const total = depth * 4 + leaf.byteLength;
  if (total > 0xffff) throw new Error('a nested attribute is at most 65535 bytes');
  const b = new Uint8Array((total + 3) & ~3);
  const v = new DataView(b.buffer);
  for (let level = 0; level < depth; level++) {
    v.setUint16(level * 4, total - level * 4, true);
    v.setUint16(level * 4 + 2, types(level), true);
  }
  b.set(leaf, depth * 4);
  return b;
}

/** An RTM_NEWLINK carrying `attrs` after its ifinfomsg. */
function linkWith(attrs: Uint8Array): Uint8Array {
  const payload = new Uint8Array(IFINFOMSG_LEN + attrs.byteLength);
  payload.set(attrs, IFINFOMSG_LEN);
  return message(RTM_NEWLINK, payload);
}

/** IFLA_INFO_KIND "eoip", so that IFLA_INFO_DATA is opened by the decoders that open it. */
const EOIP_KIND = new Uint8Array([9, 0, IFLA_INFO_KIND, 0, 0x65, 0x6f, 0x69, 0x70, 0, 0, 0, 0]);

/** Every decoder that takes bytes, run on one input; each must return or throw NetlinkParseError. */
const DECODERS: Record<string, (b: Uint8Array) => unknown> = {
  describeMessage: (b) => describeMessage(b),
  decodeLinkMessage: (b) => decodeLinkMessage(b),
  splitMessages: (b) => splitMessages(b),
  decodeErrorPayload: (b) =>
    decodeErrorPayload(b.subarray(NLMSG_HDRLEN), b.byteLength >= 8 ? b[6]! | (b[7]! << 8) : 0),
  decodeLinkBody: (b) => decodeLinkBody(b, undefined, 0, b.byteLength, RTM_NEWLINK, 0, 0),
  peekLinkKind: (b) => peekLinkKind(b, 0, b.byteLength),
  parseAttributes: (b) => parseAttributes(b.subarray(Math.min(b.byteLength, NLMSG_HDRLEN + IFINFOMSG_LEN))),
  decodeTunnelInfoData: (b) => decodeTunnelInfoData('eoip', b),
  // What `unknown` cuts out on demand is decoded lazily: read it too.
  'decodeLinkMessage().unknown': (b) => decodeLinkMessage(b).unknown,
};

/** Run every decoder on `input`; returns how many refused it. */
function decodeAll(input: Uint8Array): number {
  let refused = 0;
  for (const [name, decode] of Object.entries(DECODERS)) {
    try {
      decode(input);
    } catch (e) {
      if (!(e instanceof NetlinkParseError)) {
        throw new Error(`${name} threw ${String(e)} on ${input.byteLength} bytes`);
      }
      expect(e.offset, name).toBeGreaterThanOrEqual(0);
      expect(e.offset, name).toBeLessThanOrEqual(input.byteLength + 3);
      refused++;
    }
  }
  return refused;
}

describe('echoed error messages nested deep', () => {
  it('2,200 levels: describeMessage refuses with NetlinkParseError at the depth limit', () => {
    const deep = echoChain(2200, message(RTM_NEWLINK, new Uint8Array(IFINFOMSG_LEN)));
    let error: unknown;
    try {
      describeMessage(deep);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NetlinkParseError);
    expect(String((error as Error).message)).toMatch(`more than ${MAX_DESCRIBE_DEPTH} deep`);
    // The offset points at the first echoed message past the limit, in the outer input.
    expect((error as NetlinkParseError).offset).toBe((MAX_DESCRIBE_DEPTH + 1) * (NLMSG_HDRLEN + 4));
    // The other decoders read one level and stop.
    expect(decodeErrorPayload(deep.subarray(NLMSG_HDRLEN), 0).errno).toBe(22);
    expect(splitMessages(deep)).toHaveLength(1);
  });

  it('up to the limit the whole chain is described, down to the innermost request', () => {
    const inner = message(RTM_NEWLINK, new Uint8Array(IFINFOMSG_LEN));
    // The request sits MAX_DESCRIBE_DEPTH echoes deep: the deepest that is described.
    let d = describeMessage(echoChain(MAX_DESCRIBE_DEPTH, inner));
    for (let level = 0; level < MAX_DESCRIBE_DEPTH; level++) {
      expect(d.nlmsgerr?.errno_name).toBe('EINVAL');
      expect(d.nlmsghdr.seq).toBe(level + 1);
      d = d.nlmsgerr!.request;
    }
    expect(d.nlmsghdr.type_name).toBe('RTM_NEWLINK');
    expect(d.ifinfomsg?.ifi_index).toBe(0);
    expect(() => describeMessage(echoChain(MAX_DESCRIBE_DEPTH + 1, inner))).toThrow(NetlinkParseError);
  });

  it('with extended acks and capped levels mixed in, any depth up to 3,000', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.constantFrom(0, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_CAPPED | NLM_F_ACK_TLVS), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.uint8Array({ maxLength: 40 }),
        (depth, flagCycle, tail) => {
          const input = echoChain(depth, message(RTM_NEWLINK, tail), (l) => flagCycle[l % flagCycle.length]!);
          decodeAll(input);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('attribute trees nested deep', () => {
  it('10,000 levels under IFLA_LINKINFO / IFLA_INFO_DATA decode without recursion', () => {
    // IFLA_LINKINFO { IFLA_INFO_KIND "eoip", IFLA_INFO_DATA { IFLA_INFO_DATA { … 10,000 deep } } }
    const data = attrTree(10_000, () => IFLA_INFO_DATA);
    const info = new Uint8Array(4 + EOIP_KIND.byteLength + data.byteLength);
    new DataView(info.buffer).setUint16(0, info.byteLength, true);
    new DataView(info.buffer).setUint16(2, IFLA_LINKINFO, true);
    info.set(EOIP_KIND, 4);
    info.set(data, 4 + EOIP_KIND.byteLength);
    const input = linkWith(info);
    const msg = decodeLinkMessage(input);
    expect(msg.linkInfo?.kind).toBe('eoip');
    // IFLA_INFO_DATA holds one attribute of type 2 (IFLA_GRE_IFLAGS, not read): defaults.
    expect(msg.tunnel).toMatchObject({ kind: 'eoip', tunnelId: 0, ttl: 0 });
    const described = describeMessage(input);
    const linkinfo = described.attrs?.find((a) => a.name === 'IFLA_LINKINFO');
    expect(linkinfo?.nested?.map((a) => a.name)).toEqual(['IFLA_INFO_KIND', 'IFLA_INFO_DATA']);
    expect(decodeAll(input)).toBe(0);
  });

  it('any depth up to 16,000, any types, as attributes of a link message or bare', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16_000 }),
        fc.array(
          fc.constantFrom(IFLA_LINKINFO, IFLA_INFO_DATA, IFLA_INFO_KIND, 0x8000 | IFLA_LINKINFO, 3, 26),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.boolean(),
        (depth, typeCycle, asLink) => {
          const tree = attrTree(depth, (l) => typeCycle[l % typeCycle.length]!, EOIP_KIND);
          decodeAll(asLink ? linkWith(tree) : tree);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('many messages in one datagram', () => {
  it('10,000 tiny messages split in one pass', () => {
    const one = message(NLMSG_ERROR, new Uint8Array(NLMSG_HDRLEN + 4));
    const datagram = new Uint8Array(one.byteLength * 10_000);
    for (let i = 0; i < 10_000; i++) datagram.set(one, i * one.byteLength);
    const messages = splitMessages(datagram);
    expect(messages).toHaveLength(10_000);
    expect(messages[9_999]!.header.type).toBe(NLMSG_ERROR);
    decodeAll(datagram);
  });
});
