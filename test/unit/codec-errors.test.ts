/**
 * NLMSG_ERROR answers captured from the kernel: errno, extended-ack text and
 * offset, capped and uncapped echoes, and the success ACK's shape.
 */
import { describe, expect, it } from 'vitest';
import {
  type DescribedExtAckTlv,
  decodeErrorPayload,
  describeMessage,
  errnoName,
  fromHex,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  splitMessages,
} from '../../src/codec/index.js';
import {
  allErrorCases,
  type ErrorAnswer,
  type ErrorCase,
  probe,
  type SuccessAckProbe,
  sentRequestCases,
} from '../fixtures/vectors.js';

/** The one NLMSG_ERROR of an answer, decoded, with the message it came in. */
function decodeAnswer(hex: string) {
  const msgs = splitMessages(fromHex(hex));
  expect(msgs.length).toBe(1);
  const m = msgs[0]!;
  expect(m.header.type).toBe(NLMSG_ERROR);
  return { msg: m, err: decodeErrorPayload(m.payload, m.header.flags) };
}

interface Answer {
  id: string;
  answer: ErrorAnswer;
  errno: number;
  request: Uint8Array;
  extAckMsg: string | null;
  extAckOffset: number | null;
  withExtAck: boolean;
}

/** Every NLMSG_ERROR answer of errors.json with what was recorded for it. */
function errorAnswers(): Answer[] {
  const out: Answer[] = [];
  const add = (c: ErrorCase, a: ErrorAnswer | undefined, withExtAck: boolean) => {
    if (!a || c.errno === null || c.errno === undefined || !c.request_hex) return;
    out.push({
      id: `${c.id}${withExtAck ? '' : ' (no ext ack)'}`,
      answer: a,
      errno: a.errno ?? c.errno,
      request: fromHex(c.request_hex),
      extAckMsg: withExtAck ? (a.ext_ack_msg ?? c.ext_ack_msg ?? null) : null,
      extAckOffset: withExtAck ? (a.ext_ack_offset ?? c.ext_ack_offset ?? null) : null,
      withExtAck,
    });
  };
  for (const c of allErrorCases()) {
    if (c.answer_hex) add(c, { answer_hex: c.answer_hex }, false);
    add(c, c.with_ext_ack, true);
    add(c, c.without_ext_ack, false);
  }
  return out;
}

const answers = errorAnswers();

describe('errors.json answers', () => {
  it('covers the tool scenarios and both socket kinds of the hand-built ones', () => {
    expect(answers.length).toBeGreaterThan(80);
    expect(answers.filter((a) => a.extAckMsg !== null).length).toBe(12);
    expect(new Set(answers.map((a) => a.errno))).toEqual(new Set([0, 1, 17, 19, 22, 34, 95, 99]));
  });

  describe.each(answers.map((a) => [a.id, a] as const))('%s', (_id, a) => {
    it('decodes to the recorded errno and extended ack', () => {
      const { msg, err } = decodeAnswer(a.answer.answer_hex);
      expect(err.errno).toBe(a.errno);
      if (a.answer.errno_name) expect(a.errno === 0 ? 'OK' : errnoName(err.errno)).toBe(a.answer.errno_name);
      if (a.answer.answer_flags_hex) expect(msg.header.flags).toBe(Number(a.answer.answer_flags_hex));
      // The answer names the request it answers.
      const reqView = new DataView(a.request.buffer, a.request.byteOffset);
      expect(err.request.length).toBe(a.request.byteLength);
      expect(err.request.type).toBe(reqView.getUint16(4, true));
      expect(err.request.flags).toBe(reqView.getUint16(6, true));
      expect(err.request.seq).toBe(msg.header.seq);
      if ((msg.header.flags & NLM_F_ACK_TLVS) === 0) {
        expect(err.extAck).toBeUndefined();
        expect(a.extAckMsg).toBeNull();
      } else {
        expect(err.extAck?.message ?? null).toBe(a.extAckMsg);
        expect(err.extAck?.offset ?? null).toBe(a.extAckOffset);
      }
      // A failure echoes the whole request unless capped; a success never does.
      if (msg.header.flags & NLM_F_CAPPED)
        expect(msg.payload.byteLength).toBeLessThan(4 + a.request.byteLength);
      else expect(msg.payload.subarray(4, 4 + a.request.byteLength)).toEqual(a.request);
    });

    it('describeMessage shows the same, down to the echoed request', () => {
      const d = describeMessage(fromHex(a.answer.answer_hex));
      expect(d.nlmsgerr?.errno).toBe(a.errno);
      expect(d.nlmsgerr?.error).toBe(a.errno === 0 ? 0 : -a.errno);
      if (a.answer.answer_flag_names) expect(d.nlmsghdr.flag_names).toEqual(a.answer.answer_flag_names);
      if (d.nlmsghdr.flags & NLM_F_CAPPED) {
        expect(d.nlmsgerr?.request).toStrictEqual({ nlmsghdr: describeMessage(a.request).nlmsghdr });
      } else {
        expect(d.nlmsgerr?.request).toStrictEqual(describeMessage(a.request));
      }
      if (a.answer.ext_ack_tlvs) expect(d.ext_ack_tlvs).toStrictEqual(normaliseTlvs(a.answer.ext_ack_tlvs));
      const msg = d.ext_ack_tlvs?.find((t) => t.name === 'NLMSGERR_ATTR_MSG')?.value ?? null;
      expect(msg).toBe(a.extAckMsg);
    });
  });

  it('the ext-ack offset points at the attribute the kernel refused', () => {
    const expected: Record<string, string> = {
      local_len_2: 'IFLA_GRE_LOCAL',
      v6_local_len_4: 'IFLA_GRE_LOCAL',
      ikey_len_2: 'IFLA_GRE_IKEY',
      ifname_empty: 'IFLA_IFNAME',
      ifname_16_chars: 'IFLA_IFNAME',
    };
    const types: Record<string, number> = { IFLA_GRE_LOCAL: 6, IFLA_GRE_IKEY: 4, IFLA_IFNAME: 3 };
    const withOffset = answers.filter((a) => a.extAckOffset !== null);
    expect(withOffset.map((a) => a.id).sort()).toEqual(Object.keys(expected).sort());
    for (const a of withOffset) {
      const { err } = decodeAnswer(a.answer.answer_hex);
      const at = err.extAck!.offset!;
      const type = a.request[at + 2]! | (a.request[at + 3]! << 8);
      expect(type, a.id).toBe(types[expected[a.id]!]);
    }
  });
});

/**
 * The vectors record NLMSGERR_ATTR_POLICY with its raw type (NLA_F_NESTED | 4,
 * named "32772"); describeMessage masks the flag and reports it separately.
 */
function normaliseTlvs(tlvs: DescribedExtAckTlv[]): DescribedExtAckTlv[] {
  return tlvs.map((t) => {
    if (t.type !== (0x8000 | 4)) return t;
    expect(t.name).toBe('32772');
    return { type: 4, name: 'NLMSGERR_ATTR_POLICY', hex: t.hex, nla_flags: ['NLA_F_NESTED'] };
  });
}

describe('requests.json answers', () => {
  const cases = sentRequestCases();

  it.each(cases.map((c) => [c.id, c] as const))('%s decodes to the recorded errno', (_id, c) => {
    const { msg, err } = decodeAnswer(c.answer_hex);
    expect(err.errno).toBe(c.kernel_errno);
    expect(c.kernel_errno === 0 ? 'OK' : errnoName(err.errno)).toBe(c.kernel_errno_name);
    // The tool does not ask for extended acks.
    expect(msg.header.flags & NLM_F_ACK_TLVS).toBe(0);
    expect(err.extAck).toBeUndefined();
    expect(err.request.length).toBe(c.request_hex_seq_zeroed.length / 2);
    expect(err.request.flags).toBe(c.nlmsg_flags);
    // Success: a capped 36-byte ACK. Failure: the whole request echoed.
    if (c.kernel_errno === 0) {
      expect(msg.header.flags).toBe(NLM_F_CAPPED);
      expect(msg.header.length).toBe(36);
    } else {
      expect(msg.header.flags).toBe(0);
      expect(msg.header.length).toBe(NLMSG_HDRLEN + 4 + err.request.length);
    }
  });
});

describe('success ACK (probes.json success_ack_shape)', () => {
  const p = probe<SuccessAckProbe>('success_ack_shape');

  it('is NLMSG_ERROR with errno 0, NLM_F_CAPPED and only the request header', () => {
    const { msg, err } = decodeAnswer(p.answer_hex);
    expect(msg.header.length).toBe(36);
    expect(msg.header.flags).toBe(NLM_F_CAPPED);
    expect(err.errno).toBe(0);
    expect(err.extAck).toBeUndefined();
    expect(err.request).toEqual({
      length: p.request_hex.length / 2,
      type: 16,
      flags: 0x605,
      seq: 1,
      pid: 0,
    });
  });

  it('describes to the recorded header', () => {
    const d = describeMessage(fromHex(p.answer_hex));
    expect(d.nlmsghdr).toStrictEqual(p.answer_header);
    expect(d.nlmsgerr).toStrictEqual({
      error: 0,
      errno: 0,
      errno_name: 'OK',
      request: { nlmsghdr: describeMessage(fromHex(p.request_hex)).nlmsghdr },
    });
  });
});
