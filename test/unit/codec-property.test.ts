/**
 * Property tests: any valid tunnel survives build -> decode unchanged
 * (addresses come back in canonical text, whatever text went in).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildChangeTunnelRequest,
  buildCreateTunnelRequest,
  CHANGE_FLAGS,
  CREATE_FLAGS,
  decodeLinkMessage,
  decodeTunnelInfoData,
  describeMessage,
  formatIPv4,
  formatIPv6,
  IFINFOMSG_LEN,
  IFLA_INFO_DATA,
  IFLA_LINKINFO,
  NLMSG_HDRLEN,
  parseAttributes,
  type TunnelParams,
} from '../../src/codec/index.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 500);

// fc.record builds null-prototype objects; copy into plain ones for toStrictEqual.
const keepalive = fc.option(
  fc
    .record({ interval: fc.integer({ min: 0, max: 3600 }), retries: fc.integer({ min: 0, max: 255 }) })
    .map((k) => ({ interval: k.interval, retries: k.retries })),
  { nil: null },
);

/** IPv6 text for `b` in a random but valid spelling: canonical, expanded, zero-padded, upper case. */
function ipv6Text(b: Uint8Array, style: number): string {
  const words = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
  switch (style) {
    case 0:
      return formatIPv6(b);
    case 1:
      return words.join(':');
    case 2:
      return words.map((w) => w.padStart(4, '0')).join(':');
    default:
      return formatIPv6(b).toUpperCase();
  }
}

interface Case {
  params: TunnelParams;
  /** The params as they should decode (canonical address text). */
  expected: TunnelParams;
}

const common = {
  link: fc.integer({ min: 0, max: 0xffffffff }),
  ttl: fc.integer({ min: 0, max: 255 }),
  tos: fc.integer({ min: 0, max: 255 }),
  keepalive,
};

const eoipCase: fc.Arbitrary<Case> = fc
  .record({
    tunnelId: fc.integer({ min: 0, max: 65535 }),
    local: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    remote: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    ...common,
  })
  .map(({ local, remote, ...rest }) => {
    const params: TunnelParams = {
      kind: 'eoip',
      local: formatIPv4(local),
      remote: formatIPv4(remote),
      ...rest,
    };
    return { params, expected: params };
  });

const eoipv6Case: fc.Arbitrary<Case> = fc
  .record({
    tunnelId: fc.integer({ min: 0, max: 4095 }),
    // Mostly sparse addresses, so that "::" compression and embedded IPv4 forms come up.
    local: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), sparse16()),
    remote: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), sparse16()),
    localStyle: fc.integer({ min: 0, max: 3 }),
    remoteStyle: fc.integer({ min: 0, max: 3 }),
    ...common,
  })
  .map(({ local, remote, localStyle, remoteStyle, ...rest }) => ({
    params: {
      kind: 'eoipv6',
      local: ipv6Text(local, localStyle),
      remote: ipv6Text(remote, remoteStyle),
      ...rest,
    },
    expected: { kind: 'eoipv6', local: formatIPv6(local), remote: formatIPv6(remote), ...rest },
  }));

/** 16 bytes made of zero and small words. */
function sparse16(): fc.Arbitrary<Uint8Array> {
  return fc
    .array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0x0102, 0xfd00), { minLength: 8, maxLength: 8 })
    .map((w) => Uint8Array.from(w.flatMap((x) => [x >> 8, x & 0xff])));
}

const anyCase = fc.oneof(eoipCase, eoipv6Case);
const ifname = fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,14}$/), { nil: undefined });

/** IFLA_INFO_DATA cut out of a request with the generic attribute reader. */
function infoDataOf(req: Uint8Array): { data: Uint8Array; base: number } {
  const top = parseAttributes(req, NLMSG_HDRLEN + IFINFOMSG_LEN);
  const linkinfo = top.find((a) => a.type === IFLA_LINKINFO)!;
  const data = parseAttributes(linkinfo.value).find((a) => a.type === IFLA_INFO_DATA)!.value;
  return { data, base: data.byteOffset - req.byteOffset };
}

describe('tunnel params round-trip through a create request', () => {
  it('IFLA_INFO_DATA decodes back to the params', () => {
    fc.assert(
      fc.property(
        anyCase,
        ifname,
        fc.integer({ min: 0, max: 0xffffffff }),
        ({ params, expected }, name, seq) => {
          const req = buildCreateTunnelRequest(seq, params, name === undefined ? {} : { name });
          const { data, base } = infoDataOf(req);
          expect(decodeTunnelInfoData(params.kind, data, base)).toStrictEqual(expected);

          // The link decoder sees the same tunnel, the header the same request.
          const m = decodeLinkMessage(req);
          expect(m.seq).toBe(seq);
          expect(m.messageFlags).toBe(CREATE_FLAGS);
          expect(m.name).toBe(name);
          expect(m.linkInfo?.kind).toBe(params.kind);
          const { index, name: _n, flags, up, running, operState, ...tunnel } = m.tunnel!;
          expect(tunnel).toStrictEqual(expected);
          expect([index, flags, up, running, operState]).toEqual([0, 0, false, false, 'unknown']);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('describeMessage shows the same values', () => {
    fc.assert(
      fc.property(anyCase, ({ params, expected }) => {
        const d = describeMessage(buildCreateTunnelRequest(0, params));
        const data = d.attrs![0]!.nested![1]!.nested!;
        const values = Object.fromEntries(data.map((a) => [a.name, a.value]));
        const want: Record<string, number | string> = {
          IFLA_GRE_IKEY: expected.tunnelId,
          IFLA_GRE_LOCAL: expected.local,
          IFLA_GRE_REMOTE: expected.remote,
          IFLA_GRE_LINK: expected.link,
          IFLA_GRE_TTL: expected.ttl,
          IFLA_GRE_TOS: expected.tos,
        };
        if (expected.keepalive) {
          want['IFLA_EOIP_KA_INTERVAL'] = expected.keepalive.interval;
          want['IFLA_EOIP_KA_RETRIES'] = expected.keepalive.retries;
        }
        expect(values).toStrictEqual(want);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('tunnel params round-trip through a change request', () => {
  it('carries the ifindex, no NLM_F_CREATE, and the same IFLA_INFO_DATA as a create', () => {
    fc.assert(
      fc.property(anyCase, fc.integer({ min: 1, max: 0x7fffffff }), ({ params, expected }, index) => {
        const req = buildChangeTunnelRequest(5, index, params);
        const m = decodeLinkMessage(req);
        expect(m.index).toBe(index);
        expect(m.messageFlags).toBe(CHANGE_FLAGS);
        expect(m.name).toBeUndefined();
        const { data } = infoDataOf(req);
        expect(data).toEqual(infoDataOf(buildCreateTunnelRequest(5, params)).data);
        expect(decodeTunnelInfoData(params.kind, data)).toStrictEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('hand-picked asymmetric tunnel', () => {
  it('keeps local/remote and ttl/tos apart', () => {
    const params: TunnelParams = {
      kind: 'eoipv6',
      tunnelId: 4094,
      local: '2001:DB8:0:0:1::1',
      remote: '::ffff:10.1.2.3',
      link: 7,
      ttl: 64,
      tos: 184,
      keepalive: { interval: 10, retries: 3 },
    };
    const t = decodeLinkMessage(buildCreateTunnelRequest(1, params, { name: 'v6peer' })).tunnel!;
    expect(t).toMatchObject({
      name: 'v6peer',
      tunnelId: 4094,
      local: '2001:db8::1:0:0:1',
      remote: '::ffff:10.1.2.3',
      link: 7,
      ttl: 64,
      tos: 184,
      keepalive: { interval: 10, retries: 3 },
    });
  });
});
