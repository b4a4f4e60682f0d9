/**
 * A tunnel request (the body's `tunnel`) against a generic body whose
 * `infoData` callback writes the same params: same bytes for every input,
 * same errors for bad addresses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttributeWriter,
  buildChangeTunnelRequest,
  buildCreateTunnelRequest,
  buildNewLinkRequest,
  CHANGE_FLAGS,
  CREATE_FLAGS,
  formatIPv4,
  formatIPv6,
  type TunnelLinkExtras,
  type TunnelParams,
} from '../../src/codec/index.js';
import { encodeTunnelInfoData } from '../fixtures/tunnel-info-data.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 500);

/** The generic path, written out here so that it does not depend on the code under test. */
function generic(seq: number, index: number | undefined, params: TunnelParams, extras: TunnelLinkExtras) {
  const infoData = (w: AttributeWriter) => encodeTunnelInfoData(w, params);
  return index === undefined
    ? buildNewLinkRequest(seq, CREATE_FLAGS, Object.assign({}, extras, { kind: params.kind, infoData }))
    : buildNewLinkRequest(
        seq,
        CHANGE_FLAGS,
        Object.assign({}, extras, { index, kind: params.kind, infoData }),
      );
}

function build(seq: number, index: number | undefined, params: TunnelParams, extras: TunnelLinkExtras) {
  return index === undefined
    ? buildCreateTunnelRequest(seq, params, extras)
    : buildChangeTunnelRequest(seq, index, params, extras);
}

/** Copy to a plain array: the results are views into different buffers. */
const bytes = (b: Uint8Array) => Array.from(b);

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 255 });

/** IPv6 text in one of several valid spellings, embedded IPv4 and upper case included. */
const ipv6 = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc
        .array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0xfd00), { minLength: 8, maxLength: 8 })
        .map((w) => Uint8Array.from(w.flatMap((x) => [x >> 8, x & 0xff]))),
    ),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([b, style]) => {
    const words = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
    if (style === 1) return words.join(':');
    if (style === 2) return `${words.slice(0, 6).join(':')}:${formatIPv4(b, 12)}`;
    if (style === 3) return formatIPv6(b).toUpperCase();
    return formatIPv6(b);
  });
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIPv4(b));

const keepalive = fc.option(
  fc.record({ interval: fc.integer({ min: 0, max: 3600 }), retries: u8 }).map((k) => ({ ...k })),
  { nil: null },
);

function paramsOf(kind: 'eoip' | 'eoipv6', addr: fc.Arbitrary<string>): fc.Arbitrary<TunnelParams> {
  return fc
    .record({
      tunnelId: fc.integer({ min: 0, max: kind === 'eoip' ? 65535 : 4095 }),
      local: addr,
      remote: addr,
      link: u32,
      ttl: u8,
      tos: u8,
      keepalive,
    })
    .map((r) => ({ kind, ...r }));
}

const params = fc.oneof(paramsOf('eoip', ipv4), paramsOf('eoipv6', ipv6));

/** Any UTF-16 code unit, lone surrogates included (they encode as U+FFFD). */
const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

const extras: fc.Arbitrary<TunnelLinkExtras> = fc
  .record(
    {
      name: fc.oneof(
        fc.stringMatching(/^[a-z][a-z0-9_.-]{0,14}$/),
        fc.string({ unit: 'binary', maxLength: 15 }),
        fc.string({ unit: utf16Unit, maxLength: 8 }),
      ),
      mtu: fc.integer({ min: 68, max: 65535 }),
      address: fc.oneof(
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.uint8Array({ minLength: 0, maxLength: 9 }),
      ),
      master: u32,
      up: fc.boolean(),
      netnsFd: fc.integer({ min: 0, max: 0x7fffffff }),
      targetNsid: fc.integer({ min: -1, max: 0x7fffffff }),
    },
    { requiredKeys: [] },
  )
  .map((x) => ({ ...x }));

const index = fc.option(fc.integer({ min: 1, max: 0x7fffffff }), { nil: undefined });

/** The bytes written, or the class of the error thrown. */
function outcome(write: () => Uint8Array): number[] | string {
  try {
    return bytes(write());
  } catch (e) {
    return (e as Error).name;
  }
}

describe('direct tunnel request encoder', () => {
  it('writes the same bytes as the generic path, for creates and changes', () => {
    fc.assert(
      fc.property(u32, index, params, extras, (seq, idx, p, x) => {
        // Both paths write the same bytes, or both refuse (a name with a lone surrogate).
        expect(outcome(() => build(seq, idx, p, x))).toEqual(outcome(() => generic(seq, idx, p, x)));
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('truncates out-of-range numbers as the generic path does', () => {
    const num = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: false }),
      fc.constant(-1),
      fc.constant(2 ** 32 + 5),
    );
    fc.assert(
      fc.property(num, num, num, num, num, num, (a, b, c, d, e, f) => {
        const p: TunnelParams = {
          kind: 'eoip',
          tunnelId: a,
          local: '10.0.0.1',
          remote: '10.0.0.2',
          link: b,
          ttl: c,
          tos: d,
          keepalive: { interval: e, retries: f },
        };
        const x: TunnelLinkExtras = { mtu: a, master: b, netnsFd: c, targetNsid: d };
        expect(bytes(build(e, f, p, x))).toEqual(bytes(generic(e, f, p, x)));
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves kinds other than eoip/eoipv6 to the generic path, unchanged', () => {
    const p = { kind: 'gretap', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', link: 0, ttl: 0, tos: 0 };
    const odd = { ...p, keepalive: null } as unknown as TunnelParams;
    expect(bytes(buildCreateTunnelRequest(3, odd, { name: 'g0' }))).toEqual(
      bytes(generic(3, undefined, odd, { name: 'g0' })),
    );
  });

  it.each([
    ['eoip', '10.0.0.1', '::1', 'remote: "::1" is not an IPv4 address'],
    ['eoip', '10.0.0.01', '10.0.0.2', 'local: "10.0.0.01" is not an IPv4 address'],
    ['eoipv6', '::1', '10.0.0.2', 'remote: "10.0.0.2" is not an IPv6 address'],
    ['eoipv6', '1:::2', '::2', 'local: "1:::2" is not an IPv6 address'],
  ] as const)(
    '%s with local %s, remote %s throws the TypeError the generic path throws',
    (kind, local, remote, msg) => {
      const p: TunnelParams = { kind, tunnelId: 1, local, remote, link: 0, ttl: 0, tos: 0, keepalive: null };
      expect(() => generic(1, undefined, p, { name: 't' })).toThrow(new TypeError(msg));
      expect(() => buildCreateTunnelRequest(1, p, { name: 't' })).toThrow(new TypeError(msg));
      expect(() => buildChangeTunnelRequest(1, 5, p)).toThrow(new TypeError(msg));
    },
  );
});
