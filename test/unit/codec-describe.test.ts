/**
 * describeMessage beyond the captured trees: flag names per message type,
 * NLMSG_DONE, short dump requests, attribute flags, odd layouts, and bad input.
 */
import { describe, expect, it } from 'vitest';
import {
  AttributeWriter,
  buildDumpLinksRequest,
  buildMessage,
  describeMessage,
  fromHex,
  NetlinkParseError,
  NLMSG_DONE,
  NLMSG_ERROR,
  RTM_GETLINK,
  RTM_NEWLINK,
  toHex,
} from '../../src/codec/index.js';
import { allErrorCases, dumpsVectors, probe, sentRequestCases } from '../fixtures/vectors.js';

/** A bare message of `type`/`flags` with `payload` (hex). */
function msg(type: number, flags: number, payload = ''): Uint8Array {
  return buildMessage(type, flags, 7, (w) => {
    if (payload) w.raw(fromHex(payload));
  });
}

function throwsParseError(bytes: Uint8Array): NetlinkParseError {
  try {
    describeMessage(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(NetlinkParseError);
    return e as NetlinkParseError;
  }
  throw new Error('describeMessage accepted bad input');
}

describe('flag names follow the message type', () => {
  it.each([
    // NEW requests: 0x100.. are REPLACE, EXCL, CREATE, APPEND.
    [
      RTM_NEWLINK,
      0xf05,
      ['NLM_F_REQUEST', 'NLM_F_ACK', 'NLM_F_REPLACE', 'NLM_F_EXCL', 'NLM_F_CREATE', 'NLM_F_APPEND'],
    ],
    // GET requests: ROOT, MATCH, ATOMIC (0x300 = NLM_F_DUMP).
    [RTM_GETLINK, 0x701, ['NLM_F_REQUEST', 'NLM_F_ROOT', 'NLM_F_MATCH', 'NLM_F_ATOMIC']],
    // DEL requests: NONREC, BULK.
    [17, 0x305, ['NLM_F_REQUEST', 'NLM_F_ACK', 'NLM_F_NONREC', 'NLM_F_BULK']],
    // SET has no upper flags of its own.
    [19, 0x105, ['NLM_F_REQUEST', 'NLM_F_ACK', '0x100']],
    // Answers: CAPPED, ACK_TLVS.
    [NLMSG_ERROR, 0x300, ['NLM_F_CAPPED', 'NLM_F_ACK_TLVS']],
    [NLMSG_DONE, 0x202, ['NLM_F_MULTI', 'NLM_F_ACK_TLVS']],
    [RTM_NEWLINK, 0x22, ['NLM_F_MULTI', 'NLM_F_DUMP_FILTERED']],
    [RTM_NEWLINK, 0x18, ['NLM_F_ECHO', 'NLM_F_DUMP_INTR']],
    // Unnamed bits show as hex, lowest first.
    [1, 0x9140, ['0x40', '0x100', '0x1000', '0x8000']],
  ] as const)('type %i flags %s', (type, flags, names) => {
    const payload =
      type === NLMSG_ERROR ? `00000000${'00'.repeat(16)}` : type === NLMSG_DONE ? '00000000' : '';
    const body =
      type === RTM_NEWLINK || type === RTM_GETLINK || type === 17 || type === 19 ? '00'.repeat(16) : payload;
    const d = describeMessage(msg(type, flags, body));
    expect(d.nlmsghdr.flag_names).toEqual(names);
    expect(d.nlmsghdr.flags_hex).toBe(`0x${flags.toString(16).padStart(4, '0')}`);
  });
});

describe('dump requests', () => {
  it('the tool dump request (rtgenmsg + IFLA_EXT_MASK) describes with rtgenmsg', () => {
    const d = describeMessage(fromHex(dumpsVectors().dump_request_hex));
    expect(d).toStrictEqual({
      nlmsghdr: {
        len: 28,
        type: RTM_GETLINK,
        type_name: 'RTM_GETLINK',
        flags: 0x301,
        flags_hex: '0x0301',
        flag_names: ['NLM_F_REQUEST', 'NLM_F_ROOT', 'NLM_F_MATCH'],
        seq: 1795589041,
        pid: 0,
      },
      rtgenmsg: { rtgen_family: 0 },
      attrs: [{ type: 29, name: 'IFLA_EXT_MASK', len: 8, hex: '01000000', value: 1 }],
    });
  });

  it('a kind-filtered dump uses the full ifinfomsg and matches the probed request', () => {
    const results = probe('dump_filtered_by_info_kind')['results'] as Record<string, { request_hex: string }>;
    for (const kind of ['eoip', 'eoipv6', 'dummy']) {
      const built = buildDumpLinksRequest(1, { kind });
      expect(toHex(built)).toBe(results[`ifinfomsg_kind_${kind}`]!.request_hex);
      const d = describeMessage(built);
      expect(d.ifinfomsg?.ifi_index).toBe(0);
      expect(d.attrs?.[0]?.nested).toEqual([
        {
          type: 1,
          name: 'IFLA_INFO_KIND',
          len: 4 + kind.length,
          hex: toHex(new TextEncoder().encode(kind)),
          value: kind,
        },
      ]);
    }
    // The short form whose 16-byte payload the kernel reads as an ifinfomsg.
    const short = describeMessage(fromHex(results['rtgenmsg_kind_eoip']!.request_hex));
    expect(short.ifinfomsg?.ifi_family).toBe(0);
    expect(short.attrs).toEqual([]);
  });

  it('refuses a GETLINK without even an rtgenmsg', () => {
    throwsParseError(msg(RTM_GETLINK, 0x301));
  });
});

describe('NLMSG_DONE', () => {
  it('carries the dump error code and extended-ack text', () => {
    // As the strict rtgenmsg dump probe answered: EINVAL with a message.
    const text = 'Invalid values in header for link dump request';
    const w = new AttributeWriter();
    w.string(1, text);
    const d = describeMessage(msg(NLMSG_DONE, 0x202, `eaffffff${toHex(w.finish())}`));
    expect(d.done).toEqual({ error: -22, errno: 22, errno_name: 'EINVAL' });
    expect(d.ext_ack_tlvs).toEqual([
      { type: 1, name: 'NLMSGERR_ATTR_MSG', hex: `${toHex(new TextEncoder().encode(text))}00`, value: text },
    ]);
  });

  it('without TLVs has only the code; without a code only the header', () => {
    expect(describeMessage(msg(NLMSG_DONE, 2, '00000000'))).toStrictEqual({
      nlmsghdr: expect.objectContaining({ type: NLMSG_DONE, type_name: 'NLMSG_DONE' }),
      done: { error: 0, errno: 0, errno_name: 'OK' },
    });
    expect(Object.keys(describeMessage(msg(NLMSG_DONE, 2)))).toEqual(['nlmsghdr']);
  });
});

describe('NLMSG_ERROR', () => {
  it('falls back to header + hex when the echoed request is malformed', () => {
    // An echoed RTM_NEWLINK whose only attribute claims length 2.
    const req = `24000000100005000900000000000000${'00'.repeat(16)}02000300`;
    const d = describeMessage(msg(NLMSG_ERROR, 0, `eaffffff${req}`));
    expect(d.nlmsgerr?.errno_name).toBe('EINVAL');
    expect(d.nlmsgerr?.request).toStrictEqual({
      nlmsghdr: expect.objectContaining({ len: 36, type_name: 'RTM_NEWLINK', seq: 9 }),
      payload_hex: `${'00'.repeat(16)}02000300`,
    });
  });

  it('refuses an echoed request longer than the error', () => {
    const e = throwsParseError(msg(NLMSG_ERROR, 0, `eaffffff${'ff000000100005000900000000000000'}`));
    expect(e.offset).toBe(20);
  });

  it('refuses ext-ack attributes with a bad length', () => {
    throwsParseError(msg(NLMSG_ERROR, 0x300, `eaffffff${'24000000100005000900000000000000'}01000100`));
  });

  it('names errnos it does not know by number', () => {
    const d = describeMessage(msg(NLMSG_ERROR, 0x100, `0cfeffff${'24000000100005000900000000000000'}`));
    expect(d.nlmsgerr).toMatchObject({ error: -500, errno: 500, errno_name: 'E500' });
  });
});

describe('link attributes', () => {
  function link(fill: (w: AttributeWriter) => void): Uint8Array {
    return buildMessage(RTM_NEWLINK, 0, 0, (w) => {
      w.zeros(16);
      fill(w);
    });
  }

  it('reports NLA_F_NESTED and still opens IFLA_LINKINFO and an eoip INFO_DATA', () => {
    const d = describeMessage(
      link((w) =>
        w.nest(18 | 0x8000, (li) => {
          // INFO_DATA before the kind: still understood as eoip.
          li.nest(2 | 0x8000, (data) => data.u32(4, 9).bytes(6, fromHex('0a000001')));
          li.string(1, 'eoip');
        }),
      ),
    );
    const li = d.attrs![0]!;
    expect(li).toMatchObject({ type: 18, name: 'IFLA_LINKINFO', nla_flags: ['NLA_F_NESTED'] });
    expect(li.nested![0]).toMatchObject({ type: 2, nla_flags: ['NLA_F_NESTED'] });
    expect(li.nested![0]!.nested!.map((a) => [a.name, a.value])).toEqual([
      ['IFLA_GRE_IKEY', 9],
      ['IFLA_GRE_LOCAL', '10.0.0.1'],
    ]);
    expect(li.nested![1]).toStrictEqual({
      type: 1,
      name: 'IFLA_INFO_KIND',
      len: 9,
      hex: '656f697000',
      value: 'eoip',
    });
  });

  it('reports NLA_F_NET_BYTEORDER', () => {
    const d = describeMessage(link((w) => w.u32(4 | 0x4000, 1400)));
    expect(d.attrs).toStrictEqual([
      { type: 4, name: 'IFLA_MTU', len: 8, hex: '78050000', value: 1400, nla_flags: ['NLA_F_NET_BYTEORDER'] },
    ]);
  });

  it('leaves INFO_DATA of other kinds closed, and unknown attributes raw', () => {
    const d = describeMessage(
      link((w) => {
        w.nest(18, (li) => li.string(1, 'vxlan').nest(2, (x) => x.u32(1, 42)));
        w.u32(999, 5);
      }),
    );
    expect(d.attrs![0]!.nested![1]).toStrictEqual({
      type: 2,
      name: 'IFLA_INFO_DATA',
      len: 12,
      hex: '080001002a000000',
    });
    expect(d.attrs![1]).toStrictEqual({ type: 999, name: 'UNKNOWN_999', len: 8, hex: '05000000' });
  });

  it('gives no value when a length is wrong for the type', () => {
    const d = describeMessage(
      link((w) => w.u16(4, 1400).bytes(1, fromHex('0200000000')).bytes(16, fromHex('0600'))),
    );
    expect(d.attrs!.map((a) => 'value' in a)).toEqual([false, false, false]);
  });

  it('refuses a link message shorter than ifinfomsg, and bad attribute lengths', () => {
    throwsParseError(msg(RTM_NEWLINK, 0, '00'.repeat(12)));
    throwsParseError(link((w) => w.raw(fromHex('0000030000000000'))));
    // A bad length inside IFLA_LINKINFO.
    throwsParseError(link((w) => w.nest(18, (li) => li.raw(fromHex('20000100656f6970')))));
  });
});

describe('framing', () => {
  it('describes other message types as raw payload', () => {
    expect(describeMessage(msg(24, 0, 'aabbccdd'))).toStrictEqual({
      nlmsghdr: expect.objectContaining({ type: 24, type_name: 'RTM_NEWROUTE' }),
      payload_hex: 'aabbccdd',
    });
    expect(describeMessage(msg(999, 0)).nlmsghdr.type_name).toBe('UNKNOWN_999');
  });

  it('accepts alignment padding after the message but not a second message', () => {
    const m = msg(NLMSG_DONE, 2, '00000000');
    const padded = m.slice();
    padded[0] = 19; // the last of the 20 bytes is alignment padding
    expect(describeMessage(padded).nlmsghdr.len).toBe(19);
    const extra = new Uint8Array(24);
    extra.set(padded);
    expect(throwsParseError(extra).offset).toBe(19);
    const two = new Uint8Array(m.byteLength * 2);
    two.set(m);
    two.set(m, m.byteLength);
    expect(throwsParseError(two).offset).toBe(m.byteLength);
  });

  it.each([0, 8, 15])('refuses %i bytes', (n) => {
    expect(throwsParseError(new Uint8Array(n)).offset).toBe(0);
  });

  it('refuses nlmsg_len below the header or past the end', () => {
    const m = msg(NLMSG_DONE, 2, '00000000');
    m[0] = 15;
    throwsParseError(m);
    m[0] = 21;
    throwsParseError(m);
  });
});

describe('the result is plain JSON', () => {
  it('survives a JSON round trip for every captured message', () => {
    const all: string[] = [
      ...sentRequestCases().flatMap((c) => [c.request_hex_seq_zeroed, c.answer_hex]),
      ...dumpsVectors().links.map((l) => l.rtm_newlink_hex),
      ...allErrorCases().flatMap((c) => [
        c.with_ext_ack?.answer_hex ?? '',
        c.without_ext_ack?.answer_hex ?? '',
      ]),
    ].filter((h) => h !== '');
    expect(all.length).toBeGreaterThan(150);
    for (const hex of all) {
      const d = describeMessage(fromHex(hex));
      expect(JSON.parse(JSON.stringify(d))).toStrictEqual(d);
    }
  });
});
