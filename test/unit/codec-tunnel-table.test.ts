/**
 * The tunnel attribute table (codec/eoip.ts) and what is derived from it:
 * every field travels in its own attribute and nowhere else, unknown
 * IFLA_INFO_DATA children survive decode and re-encode byte for byte, and a
 * field without a table entry does not compile.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TUNNEL_ATTRIBUTES,
  TUNNEL_FIELDS,
  type TunnelField,
  type TunnelFieldCodec,
} from '../../src/codec/eoip.js';
import {
  buildChangeTunnelRequest,
  buildCreateTunnelRequest,
  decodeLinkMessage,
  decodeTunnelInfoData,
  describeMessage,
  IFINFOMSG_LEN,
  IFLA_INFO_DATA,
  IFLA_LINKINFO,
  NLMSG_HDRLEN,
  parseAttributes,
  type TunnelParams,
} from '../../src/codec/index.js';
import { initialTunnelParams } from '../../src/codec/tunnel-data.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);

/** A tunnel with every field set and no two numbers equal, so a swapped field shows. */
const BASE: Record<'eoip' | 'eoipv6', TunnelParams> = {
  eoip: {
    kind: 'eoip',
    tunnelId: 1201,
    local: '192.0.2.1',
    remote: '198.51.100.2',
    link: 7,
    ttl: 64,
    tos: 16,
    keepalive: { interval: 30, retries: 5 },
  },
  eoipv6: {
    kind: 'eoipv6',
    tunnelId: 1202,
    local: '2001:db8::1',
    remote: '2001:db8:ffff::2',
    link: 8,
    ttl: 63,
    tos: 17,
    keepalive: { interval: 31, retries: 6 },
  },
};

/** A different valid value for each field (numbers kept distinct from every other field's). */
const OTHER: { [F in TunnelField]: (p: TunnelParams) => TunnelParams[F] } = {
  tunnelId: (p) => p.tunnelId + 100,
  local: (p) => (p.kind === 'eoip' ? '203.0.113.9' : '2001:db8:1::9'),
  remote: (p) => (p.kind === 'eoip' ? '203.0.113.10' : '2001:db8:2::a'),
  link: (p) => p.link + 200,
  ttl: (p) => p.ttl + 50,
  tos: (p) => p.tos + 90,
  keepalive: () => ({ interval: 3600, retries: 255 }),
};

/** The IFLA_INFO_DATA children of a request, by attribute type. */
function infoData(req: Uint8Array): Map<number, string> {
  const top = parseAttributes(req, NLMSG_HDRLEN + IFINFOMSG_LEN);
  const linkinfo = top.find((a) => a.type === IFLA_LINKINFO)!;
  const data = parseAttributes(linkinfo.value).find((a) => a.type === IFLA_INFO_DATA)!;
  return new Map(parseAttributes(data.value).map((a) => [a.type, Buffer.from(a.value).toString('hex')]));
}

describe('the tunnel attribute table', () => {
  for (const kind of ['eoip', 'eoipv6'] as const) {
    for (const field of TUNNEL_FIELDS) {
      it(`${kind}: ${field} changes its own attributes and no other, and decodes back alone`, () => {
        const base = BASE[kind];
        const changed = { ...base, [field]: OTHER[field](base) } as TunnelParams;
        const a = infoData(buildCreateTunnelRequest(1, base));
        const b = infoData(buildCreateTunnelRequest(1, changed));
        const own = new Set(TUNNEL_ATTRIBUTES[field].attributes.map((x) => x.id));
        const differing = [...a.keys()].filter((t) => a.get(t) !== b.get(t));
        expect(new Set(differing)).toEqual(own);
        const decoded = decodeLinkMessage(buildChangeTunnelRequest(1, 5, changed)).tunnel!;
        for (const f of TUNNEL_FIELDS) expect(decoded[f]).toEqual(f === field ? changed[f] : base[f]);
      });
    }
  }

  it('sends every attribute of the table for a full tunnel, in table order', () => {
    const ids = TUNNEL_FIELDS.flatMap((f) => TUNNEL_ATTRIBUTES[f].attributes.map((a) => a.id));
    expect([...infoData(buildCreateTunnelRequest(1, BASE.eoip)).keys()]).toEqual(ids);
  });

  it('reads a missing attribute as the field reset value (keepalive absent: null, not off)', () => {
    expect(decodeTunnelInfoData('eoipv6', new Uint8Array(0))).toEqual({
      kind: 'eoipv6',
      tunnelId: 0,
      local: '::',
      remote: '::',
      link: 0,
      ttl: 0,
      tos: 0,
      keepalive: null,
    });
    expect(initialTunnelParams('eoip').local).toBe('0.0.0.0');
  });

  it('names every attribute in describeMessage', () => {
    const d = describeMessage(buildCreateTunnelRequest(1, BASE.eoip));
    const linkinfo = d.attrs!.find((a) => a.name === 'IFLA_LINKINFO')!;
    const data = linkinfo.nested!.find((a) => a.name === 'IFLA_INFO_DATA')!;
    const names = TUNNEL_FIELDS.flatMap((f) => TUNNEL_ATTRIBUTES[f].attributes.map((a) => a.name));
    expect(data.nested!.map((a) => a.name)).toEqual(names);
    expect(data.nested!.find((a) => a.name === 'IFLA_GRE_TOS')!.value).toBe(16);
  });

  it('a field of one attribute is that attribute: get reads the field, set writes it', () => {
    for (const kind of ['eoip', 'eoipv6'] as const) {
      for (const f of TUNNEL_FIELDS) {
        const attributes = TUNNEL_ATTRIBUTES[f].attributes;
        if (attributes.length !== 1) continue;
        const a = attributes[0]!;
        const p = { ...BASE[kind] };
        expect(a.get(p)).toBe(p[f]);
        const other = OTHER[f](p) as string | number;
        a.set(p, other);
        expect(p[f]).toBe(other);
      }
    }
  });

  it('a field without a table entry does not compile', () => {
    const { tos: _tos, ...withoutTos } = TUNNEL_ATTRIBUTES;
    // @ts-expect-error: the table type requires an entry for every tunnel field
    const table: { readonly [F in TunnelField]: TunnelFieldCodec } = withoutTos;
    expect(Object.keys(table)).not.toContain('tos');
  });
});

describe('unknown IFLA_INFO_DATA attributes', () => {
  /** Attribute types the table does not know, with any flag bits and any value. */
  const stranger = fc.record({
    type: fc.integer({ min: 34, max: 0x3fff }),
    nested: fc.boolean(),
    netByteOrder: fc.boolean(),
    value: fc.uint8Array({ maxLength: 23 }),
  });

  /** A create request for `p` with `extra` appended inside IFLA_INFO_DATA (lengths patched). */
  function withStrangers(
    p: TunnelParams,
    extra: { type: number; nested: boolean; netByteOrder: boolean; value: Uint8Array }[],
  ) {
    return buildCreateTunnelRequest(1, { ...p, unknown: extra.map((x) => ({ ...x })) }, { name: 'e1' });
  }

  it('survive decode as raw attributes and re-encode unchanged in a change', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('eoip', 'eoipv6' as const),
        fc.array(stranger, { minLength: 1, maxLength: 4 }),
        (kind, extra) => {
          const req = withStrangers(BASE[kind], extra);
          const tunnel = decodeLinkMessage(req).tunnel!;
          expect(tunnel.unknown!.map((a) => [a.type, a.nested, a.netByteOrder, [...a.value]])).toEqual(
            extra.map((a) => [a.type, a.nested, a.netByteOrder, [...a.value]]),
          );
          for (const f of TUNNEL_FIELDS) expect(tunnel[f]).toEqual(BASE[kind][f]);
          // The change sends the same IFLA_INFO_DATA bytes, flag bits included.
          const again = buildChangeTunnelRequest(1, 9, tunnel, { name: 'e1' });
          expect(Buffer.from(again.subarray(NLMSG_HDRLEN + IFINFOMSG_LEN)).toString('hex')).toBe(
            Buffer.from(req.subarray(NLMSG_HDRLEN + IFINFOMSG_LEN)).toString('hex'),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('are absent when there are none, and an inherited list is not sent', () => {
    const plain = decodeLinkMessage(buildCreateTunnelRequest(1, BASE.eoip)).tunnel!;
    expect(Object.hasOwn(plain, 'unknown')).toBe(false);
    const inherited = Object.create({
      unknown: [{ type: 40, nested: false, netByteOrder: false, value: new Uint8Array(4) }],
    });
    Object.assign(inherited, BASE.eoip);
    expect(buildCreateTunnelRequest(1, inherited)).toEqual(buildCreateTunnelRequest(1, BASE.eoip));
  });
});

describe('kept attributes put there by hand', () => {
  const params = (unknown: unknown) => ({ ...BASE.eoip, unknown }) as TunnelParams;
  const refusal = (unknown: unknown) => {
    try {
      buildCreateTunnelRequest(1, params(unknown));
    } catch (e) {
      return (e as Error).name;
    }
    return 'accepted';
  };

  it('are refused before anything is written unless they can be sent back as they are', () => {
    const ok = { type: 40, nested: false, netByteOrder: false, value: new Uint8Array(3) };
    expect(refusal([ok])).toBe('accepted');
    expect(refusal([{ ...ok, type: 0x4000 }])).toBe('NetlinkEncodeError'); // would set a flag bit
    expect(refusal([{ ...ok, type: 0 }])).toBe('NetlinkEncodeError');
    expect(refusal([{ ...ok, type: 1.5 }])).toBe('NetlinkEncodeError');
    expect(refusal([{ ...ok, value: [1, 2, 3] }])).toBe('NetlinkEncodeError');
    expect(refusal([{ ...ok, value: new Uint8Array(65_532) }])).toBe('NetlinkEncodeError'); // wraps the length
    expect(refusal([null])).toBe('NetlinkEncodeError');
  });
});
