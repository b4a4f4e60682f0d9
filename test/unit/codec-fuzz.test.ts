/**
 * Mutation fuzzing of every captured message: truncations, bit flips, byte
 * and length overwrites. The decoders may refuse an input, but only with
 * NetlinkParseError (with a sane offset): never another exception, never a
 * hang. FUZZ_RUNS sets the number of mutated inputs (default 50,000).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeErrorPayload,
  decodeLinkMessage,
  describeMessage,
  fromHex,
  NetlinkParseError,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  splitMessages,
} from '../../src/codec/index.js';
import { allErrorCases, dumpsVectors, probesVectors, sentRequestCases } from '../fixtures/vectors.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 50_000);

/** Every datagram in the vectors: requests, answers, dumps, probes. */
function corpus(): Uint8Array[] {
  const hex: string[] = [];
  for (const c of sentRequestCases()) hex.push(c.request_hex_seq_zeroed, c.answer_hex);
  const dumps = dumpsVectors();
  hex.push(dumps.dump_request_hex, ...dumps.links.map((l) => l.rtm_newlink_hex));
  for (const c of allErrorCases()) {
    for (const h of [
      c.request_hex,
      c.answer_hex,
      c.with_ext_ack?.answer_hex,
      c.without_ext_ack?.answer_hex,
    ]) {
      if (h) hex.push(h);
    }
  }
  // Probes hold hex at varying depths: collect every *_hex string.
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string' && key.endsWith('_hex') && /^([0-9a-f]{2})+$/.test(v)) hex.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(probesVectors());
  return [...new Set(hex)].map(fromHex);
}

type Op =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'u16'; at: number; value: number };

// Values that sit on the edges of length checks.
const EDGE16 = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 19, 20, 31, 32, 36, 0x7fff, 0x8000, 0xfffc, 0xffff];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant('byte' as const),
    at: fc.nat(),
    value: fc.constantFrom(0, 1, 3, 4, 0x7f, 0x80, 0xff),
  }),
  // Lengths live at 4-byte aligned offsets (nlmsg_len, nla_len): aim there.
  fc.record({
    op: fc.constant('u16' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...EDGE16), fc.integer({ min: 0, max: 0xffff })),
  }),
);

function mutate(src: Uint8Array, ops: Op[]): Uint8Array {
  let b = src.slice();
  for (const o of ops) {
    if (b.byteLength === 0) break;
    const at = o.at % b.byteLength;
    switch (o.op) {
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'flip':
        b[at]! ^= 1 << o.bit;
        break;
      case 'byte':
        b[at] = o.value;
        break;
      case 'u16': {
        const p = at & ~3;
        b[p] = o.value & 0xff;
        if (p + 1 < b.byteLength) b[p + 1] = o.value >> 8;
        break;
      }
    }
  }
  return b;
}

interface Tally {
  ok: number;
  refused: number;
}

/** Run `fn`; a NetlinkParseError with an offset near the input counts as a refusal, anything else fails. */
function attempt(name: string, tally: Tally, input: Uint8Array, fn: () => unknown): void {
  try {
    fn();
    tally.ok++;
  } catch (e) {
    if (!(e instanceof NetlinkParseError)) {
      throw new Error(`${name} threw ${String(e)} on ${Buffer.from(input).toString('hex')}`);
    }
    // The offset may point up to an alignment step past the end (a padded length), no further.
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.byteLength + 3) {
      throw new Error(`${name}: offset ${e.offset} outside the ${input.byteLength}-byte input`);
    }
    tally.refused++;
  }
}

describe('fuzzing the decoders with mutated vector messages', () => {
  const inputs = corpus();

  it('has a corpus covering requests, answers and dumps', () => {
    expect(inputs.length).toBeGreaterThan(150);
  });

  it(`only ever throws NetlinkParseError (${RUNS} mutated inputs)`, () => {
    const tallies: Record<string, Tally> = {};
    const t = (k: string): Tally => {
      tallies[k] ??= { ok: 0, refused: 0 };
      return tallies[k];
    };
    let count = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: inputs.length - 1 }),
        fc.array(opArb, { minLength: 1, maxLength: 3 }),
        (which, ops) => {
          const input = mutate(inputs[which]!, ops);
          count++;
          const flags = input.byteLength >= 8 ? input[6]! | (input[7]! << 8) : 0;
          attempt('decodeLinkMessage', t('decodeLinkMessage'), input, () => decodeLinkMessage(input));
          attempt('describeMessage', t('describeMessage'), input, () => describeMessage(input));
          // Error offsets count from the message start, so there must be a header before the payload.
          if (input.byteLength >= NLMSG_HDRLEN) {
            attempt('decodeErrorPayload', t('decodeErrorPayload'), input, () =>
              decodeErrorPayload(input.subarray(NLMSG_HDRLEN), flags),
            );
          }
          attempt('splitMessages', t('splitMessages'), input, () => {
            for (const m of splitMessages(input)) {
              attempt('describeMessage (split)', t('describeMessage (split)'), input, () =>
                describeMessage(m.bytes),
              );
              if (m.header.type === NLMSG_ERROR) {
                attempt('decodeErrorPayload (split)', t('decodeErrorPayload (split)'), input, () =>
                  decodeErrorPayload(m.payload, m.header.flags),
                );
              } else {
                attempt('decodeLinkMessage (split)', t('decodeLinkMessage (split)'), input, () =>
                  decodeLinkMessage(m.bytes),
                );
              }
            }
          });
        },
      ),
      { numRuns: RUNS },
    );
    expect(count).toBeGreaterThanOrEqual(RUNS);
    // Not vacuous: every decoder both accepted and refused a fair share of inputs.
    for (const name of ['decodeLinkMessage', 'describeMessage', 'decodeErrorPayload', 'splitMessages']) {
      const { ok, refused } = tallies[name]!;
      expect(ok, name).toBeGreaterThan(RUNS / 50);
      expect(refused, name).toBeGreaterThan(RUNS / 50);
    }
  });

  it('refuses every truncation of every message that its header says is longer', () => {
    let refused = 0;
    for (const full of inputs) {
      const declared = full[0]! | (full[1]! << 8) | (full[2]! << 16);
      // From 1 byte: an empty datagram is a valid, empty split.
      for (let n = 1; n < Math.min(full.byteLength, declared); n += 1 + (n >> 4)) {
        const cut = full.subarray(0, n);
        for (const fn of [describeMessage, decodeLinkMessage, splitMessages]) {
          expect(() => fn(cut)).toThrow(NetlinkParseError);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(5000);
  });
});
