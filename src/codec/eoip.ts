/**
 * The eoip / eoipv6 IFLA_INFO_DATA: one declaration per attribute, in
 * {@link TUNNEL_ATTRIBUTES}, from which encode, decode, the encoded size and
 * `describeMessage`'s names are all derived. This is the one place where
 * IFLA_GRE_* names meet the user's names.
 *
 * Quirks the driver imposes (see the facts file): the tunnel id travels as a
 * u32 in *host* order despite the GRE name; addresses are 4 or 16 bytes in
 * network order; keepalive attributes are absent on old drivers (unknown, not off).
 */

import { formatIPv4, formatIPv6, writeIPv4, writeIPv6 } from './addresses.js';
import { type AttributeWriter, attrU8, attrU32, forEachAttribute, type RawAttribute } from './attributes.js';
import { align4 } from './bytes.js';
import {
  IFLA_EOIP_KA_INTERVAL,
  IFLA_EOIP_KA_RETRIES,
  IFLA_GRE_IKEY,
  IFLA_GRE_LINK,
  IFLA_GRE_LOCAL,
  IFLA_GRE_REMOTE,
  IFLA_GRE_TOS,
  IFLA_GRE_TTL,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
} from './constants.js';
import { NetlinkParseError } from './parse-error.js';
import type { Keepalive, TunnelKind, TunnelParams } from './types.js';

/** True for the link kinds of the eoip driver. */
export function isTunnelKind(kind: string | undefined): kind is TunnelKind {
  return kind === 'eoip' || kind === 'eoipv6';
}

/** Address length of a kind's IFLA_GRE_LOCAL / IFLA_GRE_REMOTE. */
export function addressLength(kind: TunnelKind): 4 | 16 {
  return kind === 'eoipv6' ? 16 : 4;
}

/** The unspecified address of a kind (`0.0.0.0` or `::`). */
export function anyAddress(kind: TunnelKind): string {
  return kind === 'eoipv6' ? '::' : '0.0.0.0';
}

/** The error for an address literal that is not one of `kind`'s family. */
export function badAddress(kind: TunnelKind, text: string, field: string): TypeError {
  return new TypeError(
    `${field}: ${JSON.stringify(text)} is not an ${kind === 'eoipv6' ? 'IPv6' : 'IPv4'} address`,
  );
}

/**
 * How a value travels: `u8` and `u32` in host order (a u8 padded to 4 bytes),
 * `address` as the kind's 4 or 16 bytes in network order.
 */
export type TunnelWire = 'u8' | 'u32' | 'address';

/** A value as it travels: a number, or an address's text. */
type WireValue = number | string;

/**
 * One IFLA_INFO_DATA attribute of a tunnel, and how it maps to its field.
 * `get` and `set` name the field directly: one small function per field
 * keeps every property access monomorphic, which the decoder of a
 * 10,000-link dump depends on.
 */
export interface TunnelAttribute {
  /** Attribute type (IFLA_GRE_* / IFLA_EOIP_*). */
  readonly id: number;
  /** The attribute's name, for errors and `describeMessage`. */
  readonly name: string;
  /** How the value travels. */
  readonly wire: TunnelWire;
  /** The kinds whose driver reads this attribute. */
  readonly kinds: readonly TunnelKind[];
  /** The attribute's value in `p`; undefined: not sent. */
  readonly get: (p: TunnelParams) => WireValue | undefined;
  /** Store the value read from the wire into `p`. */
  readonly set: (p: TunnelParams, v: WireValue) => void;
}

/** How one field of {@link TunnelParams} travels. */
export interface TunnelFieldCodec {
  /** Give `p` the field's value for when the driver sends none of its attributes (what the driver assumes then). */
  readonly reset: (p: TunnelParams) => void;
  /** The field's attributes, in the order they are sent. */
  readonly attributes: readonly TunnelAttribute[];
}

/** The fields of {@link TunnelParams} that travel as attributes. */
export type TunnelField = Exclude<keyof TunnelParams, 'kind' | 'unknown'>;

const BOTH: readonly TunnelKind[] = ['eoip', 'eoipv6'];

type Get<V> = (p: TunnelParams) => V | undefined;
type Set<V> = (p: TunnelParams, v: V) => void;

function attribute(
  id: number,
  name: string,
  wire: TunnelWire,
  get: Get<WireValue>,
  set: Set<never>,
): TunnelAttribute {
  return { id, name, wire, kinds: BOTH, get, set: set as Set<WireValue> };
}
const u8 = (id: number, name: string, get: Get<number>, set: Set<number>) =>
  attribute(id, name, 'u8', get, set);
const u32 = (id: number, name: string, get: Get<number>, set: Set<number>) =>
  attribute(id, name, 'u32', get, set);
const address = (id: number, name: string, get: Get<string>, set: Set<string>) =>
  attribute(id, name, 'address', get, set);

/** The keepalive being read: decoding owns it, the first part read creates it. */
const keepaliveOf = (p: TunnelParams): Keepalive => (p.keepalive ??= { interval: 0, retries: 0 });

/**
 * Every tunnel attribute, by field, in the reference tool's order (IKEY,
 * LOCAL, REMOTE, LINK, TTL, TOS, then keepalive when known). A field of
 * {@link TunnelParams} without an entry here does not compile.
 */
export const TUNNEL_ATTRIBUTES: { readonly [F in TunnelField]: TunnelFieldCodec } = {
  tunnelId: {
    reset: (p) => {
      p.tunnelId = 0;
    },
    attributes: [
      u32(
        IFLA_GRE_IKEY,
        'IFLA_GRE_IKEY',
        (p) => p.tunnelId,
        (p, v) => {
          p.tunnelId = v;
        },
      ),
    ],
  },
  local: {
    reset: (p) => {
      p.local = anyAddress(p.kind);
    },
    attributes: [
      address(
        IFLA_GRE_LOCAL,
        'IFLA_GRE_LOCAL',
        (p) => p.local,
        (p, v) => {
          p.local = v;
        },
      ),
    ],
  },
  remote: {
    reset: (p) => {
      p.remote = anyAddress(p.kind);
    },
    attributes: [
      address(
        IFLA_GRE_REMOTE,
        'IFLA_GRE_REMOTE',
        (p) => p.remote,
        (p, v) => {
          p.remote = v;
        },
      ),
    ],
  },
  link: {
    reset: (p) => {
      p.link = 0;
    },
    attributes: [
      u32(
        IFLA_GRE_LINK,
        'IFLA_GRE_LINK',
        (p) => p.link,
        (p, v) => {
          p.link = v;
        },
      ),
    ],
  },
  ttl: {
    reset: (p) => {
      p.ttl = 0;
    },
    attributes: [
      u8(
        IFLA_GRE_TTL,
        'IFLA_GRE_TTL',
        (p) => p.ttl,
        (p, v) => {
          p.ttl = v;
        },
      ),
    ],
  },
  tos: {
    reset: (p) => {
      p.tos = 0;
    },
    attributes: [
      u8(
        IFLA_GRE_TOS,
        'IFLA_GRE_TOS',
        (p) => p.tos,
        (p, v) => {
          p.tos = v;
        },
      ),
    ],
  },
  keepalive: {
    // Both attributes absent: the driver predates keepalive (not "off").
    reset: (p) => {
      p.keepalive = null;
    },
    attributes: [
      u32(
        IFLA_EOIP_KA_INTERVAL,
        'IFLA_EOIP_KA_INTERVAL',
        (p) => p.keepalive?.interval,
        (p, v) => {
          keepaliveOf(p).interval = v;
        },
      ),
      u8(
        IFLA_EOIP_KA_RETRIES,
        'IFLA_EOIP_KA_RETRIES',
        (p) => p.keepalive?.retries,
        (p, v) => {
          keepaliveOf(p).retries = v;
        },
      ),
    ],
  },
};

/** The fields in sending order. */
export const TUNNEL_FIELDS = Object.keys(TUNNEL_ATTRIBUTES) as TunnelField[];

const CODECS: readonly TunnelFieldCodec[] = TUNNEL_FIELDS.map((f) => TUNNEL_ATTRIBUTES[f]);

/** Every attribute, in sending order (the table, flattened). */
const ATTRIBUTES: readonly TunnelAttribute[] = CODECS.flatMap((c) => c.attributes);

/** The attributes each kind carries. */
const OF_KIND: Readonly<Record<TunnelKind, readonly TunnelAttribute[]>> = {
  eoip: ATTRIBUTES.filter((a) => a.kinds.includes('eoip')),
  eoipv6: ATTRIBUTES.filter((a) => a.kinds.includes('eoipv6')),
};

/** Attributes by id (a sparse array: the ids are small). */
const BY_ID: (TunnelAttribute | undefined)[] = [];
for (const a of ATTRIBUTES) BY_ID[a.id] = a;

/** The attribute names and value types `describeMessage` shows for a tunnel's IFLA_INFO_DATA. */
export const TUNNEL_ATTRIBUTE_NAMES: ReadonlyMap<number, readonly [string, 'u8' | 'u32' | 'ip']> = new Map(
  ATTRIBUTES.map((a) => [a.id, [a.name, a.wire === 'address' ? 'ip' : a.wire]] as const),
);

/** Bytes one attribute takes, padding included. */
function wireSize(wire: TunnelWire, kind: TunnelKind): number {
  return wire === 'address' ? NLA_HDRLEN + addressLength(kind) : NLA_HDRLEN + 4;
}

/** The own `unknown` list of `p`, never an inherited one. */
function unknownOf(p: TunnelParams): readonly RawAttribute[] | undefined {
  return Object.hasOwn(p, 'unknown') ? p.unknown : undefined;
}

/** Bytes the IFLA_INFO_DATA children of `p` take (the container's header excluded). */
export function tunnelDataSize(p: TunnelParams): number {
  const kind = p.kind;
  let n = 0;
  for (const a of OF_KIND[kind] ?? ATTRIBUTES) if (a.get(p) !== undefined) n += wireSize(a.wire, kind);
  const unknown = unknownOf(p);
  if (unknown) for (const a of unknown) n += align4(NLA_HDRLEN + a.value.byteLength);
  return n;
}

/**
 * Write the IFLA_INFO_DATA children of `p` at `b[at]` (zero-filled, sized by
 * {@link tunnelDataSize}), then the attributes kept in `p.unknown` unchanged.
 * Values must already be validated. Returns the offset after the last one.
 * @throws TypeError for an address literal of the wrong family
 */
export function writeTunnelData(b: Uint8Array, at: number, p: TunnelParams): number {
  const kind = p.kind;
  for (const a of OF_KIND[kind] ?? ATTRIBUTES) {
    const v = a.get(p);
    if (v !== undefined) at = writeWire(b, at, a, kind, v);
  }
  const unknown = unknownOf(p);
  if (unknown) {
    for (const a of unknown) {
      const flags = (a.nested ? NLA_F_NESTED : 0) | (a.netByteOrder ? NLA_F_NET_BYTEORDER : 0);
      const v = header(b, at, NLA_HDRLEN + a.value.byteLength, a.type | flags);
      b.set(a.value, v);
      at = v + align4(a.value.byteLength);
    }
  }
  return at;
}

/**
 * Append the IFLA_INFO_DATA children of `p` to a writer (for a generic
 * body's `infoData` callback): the same bytes {@link writeTunnelData} writes.
 * @throws TypeError for an address literal of the wrong family
 */
export function encodeTunnelInfoData(w: AttributeWriter, p: TunnelParams): void {
  const b = new Uint8Array(tunnelDataSize(p));
  writeTunnelData(b, 0, p);
  w.raw(b);
}

/** Attribute header at `at`; returns the offset of the value. */
function header(b: Uint8Array, at: number, len: number, type: number): number {
  b[at] = len;
  b[at + 1] = len >>> 8;
  b[at + 2] = type;
  b[at + 3] = type >>> 8;
  return at + NLA_HDRLEN;
}

function writeWire(b: Uint8Array, at: number, a: TunnelAttribute, kind: TunnelKind, v: WireValue): number {
  if (a.wire === 'address') {
    const alen = addressLength(kind);
    const vs = header(b, at, NLA_HDRLEN + alen, a.id);
    const text = v as string;
    if (!(alen === 16 ? writeIPv6(text, b, vs) : writeIPv4(text, b, vs)))
      throw badAddress(kind, text, a === BY_ID[IFLA_GRE_LOCAL] ? 'local' : 'remote');
    return vs + alen;
  }
  const n = v as number;
  if (a.wire === 'u8') {
    b[header(b, at, NLA_HDRLEN + 1, a.id)] = n & 0xff;
  } else {
    const vs = header(b, at, NLA_HDRLEN + 4, a.id);
    b[vs] = n;
    b[vs + 1] = n >>> 8;
    b[vs + 2] = n >>> 16;
    b[vs + 3] = n >>> 24;
  }
  return at + NLA_HDRLEN + 4;
}

/** Read one attribute's value as its wire type says; `at` is its offset in the whole message. */
function readWire(
  a: TunnelAttribute,
  kind: TunnelKind,
  data: Uint8Array,
  vs: number,
  ve: number,
  at: number,
): WireValue {
  if (a.wire === 'u32') return attrU32(data, vs, ve, a.name, at);
  if (a.wire === 'u8') return attrU8(data, vs, ve, a.name, at);
  const alen = addressLength(kind);
  if (ve - vs < alen)
    throw new NetlinkParseError(`${a.name} of ${kind} needs ${alen} bytes, got ${ve - vs}`, at);
  return alen === 16 ? formatIPv6(data, vs) : formatIPv4(data, vs);
}

/** The params a tunnel of `kind` has when the driver sends no attribute: every field's reset value. */
export function initialTunnelParams(kind: TunnelKind): TunnelParams {
  const p = { kind } as TunnelParams;
  for (const c of CODECS) c.reset(p);
  return p;
}

/**
 * Read a tunnel's IFLA_INFO_DATA. Missing attributes read as the field's
 * initial value (0, the unspecified address, keepalive `null`), as the driver
 * treats them. Attributes not in {@link TUNNEL_ATTRIBUTES} are kept in
 * `unknown` (views into `data`), which encoding sends back unchanged.
 * @param data the IFLA_INFO_DATA value (may be undefined: the kind came without data)
 * @param base offset of `data` in the whole message, for error offsets
 */
export function decodeTunnelInfoData(kind: TunnelKind, data: Uint8Array | undefined, base = 0): TunnelParams {
  const p = initialTunnelParams(kind);
  if (!data) return p;
  let unknown: RawAttribute[] | undefined;
  forEachAttribute(
    data,
    0,
    data.byteLength,
    (type, vs, ve, rawType) => {
      const a = BY_ID[type];
      if (a === undefined) {
        unknown ??= [];
        unknown.push({
          type,
          nested: (rawType & NLA_F_NESTED) !== 0,
          netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
          value: data.subarray(vs, ve),
        });
        return;
      }
      a.set(p, readWire(a, kind, data, vs, ve, base + vs));
    },
    base,
  );
  if (unknown) p.unknown = unknown;
  return p;
}
