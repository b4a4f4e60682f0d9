/**
 * Encoding and decoding of a tunnel's IFLA_INFO_DATA, derived from the
 * attribute table (TUNNEL_ATTRIBUTES in eoip.ts): the size, the writer and
 * the reader of every attribute are built from its declaration once, when
 * this module loads.
 *
 * Speed (the encode and decode benchmarks measure it): the writer is one
 * loop with no call per attribute: a field that travels as one attribute is
 * read by its name (`p[field]`; the table's contract, checked by a test, is
 * that such an attribute's `get` is exactly that), a composite one through
 * its `get`. Decoding calls a reader made per attribute by the function of
 * its wire type, which calls the table's `set`: stores through one function
 * per field stay monomorphic, which a store by name from one loop would not.
 */
import { formatIPv4, formatIPv6, writeIPv4, writeIPv6 } from './addresses.js';
import { attributeLength, attrU8, attrU32, putAttributeHeader, type RawAttribute } from './attributes.js';
import { align4, put32le } from './bytes.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { checkAttributeLength, NetlinkEncodeError } from './encode-error.js';
import {
  addressLength,
  badAddress,
  TUNNEL_ATTRIBUTES,
  TUNNEL_FIELDS,
  type TunnelAttribute,
  type TunnelField,
  type TunnelWire,
  type WireValue,
} from './eoip.js';
import { NetlinkParseError } from './parse-error.js';
import type { TunnelKind, TunnelParams } from './types.js';

/** Reads one attribute at `data[vs, ve)` into `p`; `at` is its offset in the whole message, for errors. */
type Reader = (p: TunnelParams, data: Uint8Array, vs: number, ve: number, at: number) => void;

/** An attribute with the field it belongs to (the table, flattened, in sending order). */
interface Entry {
  readonly field: TunnelField;
  readonly attribute: TunnelAttribute;
  /** The field travels as this one attribute: its value is the field's value. */
  readonly whole: boolean;
}

const ENTRIES: readonly Entry[] = TUNNEL_FIELDS.flatMap((field) => {
  const attributes = TUNNEL_ATTRIBUTES[field].attributes;
  return attributes.map((attribute) => ({ field, attribute, whole: attributes.length === 1 }));
});

/** The attribute names and value types `describeMessage` shows for a tunnel's IFLA_INFO_DATA. */
export const TUNNEL_ATTRIBUTE_NAMES: ReadonlyMap<number, readonly [string, 'u8' | 'u32' | 'ip']> = new Map(
  ENTRIES.map(({ attribute: a }) => [a.id, [a.name, a.wire === 'address' ? 'ip' : a.wire]] as const),
);

/** Bytes one attribute takes, padding included. */
function wireSize(wire: TunnelWire, kind: TunnelKind): number {
  return wire === 'address' ? NLA_HDRLEN + addressLength(kind) : NLA_HDRLEN + 4;
}

const header = putAttributeHeader;

function readerOf({ attribute: a }: Entry, kind: TunnelKind): Reader {
  const { name, set } = a;
  if (a.wire === 'u32') return (p, data, vs, ve, at) => set(p, attrU32(data, vs, ve, name, at));
  if (a.wire === 'u8') return (p, data, vs, ve, at) => set(p, attrU8(data, vs, ve, name, at));
  const alen = addressLength(kind);
  const format = alen === 16 ? formatIPv6 : formatIPv4;
  return (p, data, vs, ve, at) => {
    if (ve - vs < alen)
      throw new NetlinkParseError(`${name} of ${kind} needs ${alen} bytes, got ${ve - vs}`, at);
    set(p, format(data, vs));
  };
}

/** Everything derived for one kind: its attributes in sending order, readers by id, and sizes. */
interface KindCodec {
  readonly entries: readonly Entry[];
  /** Address length of the kind. */
  readonly alen: 4 | 16;
  readonly readers: readonly (Reader | undefined)[];
  /** Bytes of the attributes always sent. */
  readonly always: number;
  /** The optional attributes: sent when `get` gives a value. */
  readonly optional: readonly {
    readonly get: (p: TunnelParams) => WireValue | undefined;
    readonly size: number;
  }[];
}

function kindCodec(kind: TunnelKind): KindCodec {
  const entries = ENTRIES.filter((e) => e.attribute.kinds.includes(kind));
  const readers: (Reader | undefined)[] = [];
  for (const e of entries) readers[e.attribute.id] = readerOf(e, kind);
  return {
    entries,
    alen: addressLength(kind),
    readers,
    always: entries
      .filter((e) => !e.attribute.optional)
      .reduce((n, e) => n + wireSize(e.attribute.wire, kind), 0),
    optional: entries
      .filter((e) => e.attribute.optional)
      .map((e) => ({ get: e.attribute.get, size: wireSize(e.attribute.wire, kind) })),
  };
}

/** Every field's reset, in table order (the same for both kinds: each reads the kind from `p`). */
const RESETS = TUNNEL_FIELDS.map((f) => TUNNEL_ATTRIBUTES[f].reset);

const V4 = kindCodec('eoip');
const V6 = kindCodec('eoipv6');

/** The codec of `p`'s kind (eoip's for anything but eoipv6: the builders accept only the two). */
const codecOf = (kind: TunnelKind): KindCodec => (kind === 'eoipv6' ? V6 : V4);

/** The own `unknown` list of `p`, never an inherited one. */
function unknownOf(p: TunnelParams): readonly RawAttribute[] | undefined {
  // The plain read first: it is cheap when absent, which is nearly always.
  return p.unknown !== undefined && Object.hasOwn(p, 'unknown') ? p.unknown : undefined;
}

/**
 * An attribute kept in `unknown` as it can be sent back: a type without the
 * flag bits (1..0x3fff), a byte array value of at most 65,531 bytes. The
 * decoder makes only such; one put there by hand is checked before anything
 * is written.
 * @throws {@link NetlinkEncodeError} for anything else
 */
function checkKept(a: RawAttribute): RawAttribute {
  const type = a?.type;
  if (!Number.isInteger(type) || type < 1 || type > NLA_TYPE_MASK) {
    throw new NetlinkEncodeError(
      'a kept IFLA_INFO_DATA attribute',
      `type ${String(type)} is not 1..${NLA_TYPE_MASK}`,
    );
  }
  if (!(a.value instanceof Uint8Array)) {
    throw new NetlinkEncodeError(`attribute ${type}`, 'its kept value is not a Uint8Array');
  }
  checkAttributeLength(type, NLA_HDRLEN + a.value.byteLength);
  return a;
}

/** Bytes the IFLA_INFO_DATA children of `p` take (the container's header excluded). */
export function tunnelDataSize(p: TunnelParams): number {
  const c = codecOf(p.kind);
  let n = c.always;
  for (const o of c.optional) if (o.get(p) !== undefined) n += o.size;
  const unknown = unknownOf(p);
  if (unknown) for (const a of unknown) n += align4(NLA_HDRLEN + checkKept(a).value.byteLength);
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
  const { entries, alen } = codecOf(kind);
  const fields = p as unknown as Readonly<Record<string, WireValue | undefined>>;
  for (let i = 0; i < entries.length; i++) {
    const { attribute: a, field, whole } = entries[i]!;
    const v = whole ? fields[field] : a.get(p);
    // An attribute always sent is written even without a value (as 0, or refused for an address): its size was counted.
    if (v === undefined && a.optional) continue;
    if (a.wire === 'address') {
      const vs = header(b, at, NLA_HDRLEN + alen, a.id);
      const text = v as string;
      if (!(alen === 16 ? writeIPv6(text, b, vs) : writeIPv4(text, b, vs)))
        throw badAddress(kind, text, field);
      at = vs + alen;
    } else if (a.wire === 'u8') {
      b[header(b, at, NLA_HDRLEN + 1, a.id)] = (v as number) & 0xff;
      at += NLA_HDRLEN + 4;
    } else {
      const vs = header(b, at, NLA_HDRLEN + 4, a.id);
      put32le(b, vs, v as number);
      at = vs + 4;
    }
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

/** The params a tunnel of `kind` has when the driver sends no attribute: every field's reset value. */
export function initialTunnelParams(kind: TunnelKind): TunnelParams {
  const p = { kind } as TunnelParams;
  for (const reset of RESETS) reset(p);
  return p;
}

/**
 * Read a tunnel's IFLA_INFO_DATA. Missing attributes read as the field's
 * reset value (0, the unspecified address, keepalive `null`), as the driver
 * treats them. Attributes not in the table are kept in `unknown` (views into
 * `data`), which encoding sends back unchanged.
 * @param data the IFLA_INFO_DATA value (may be undefined: the kind came without data)
 * @param base offset of `data` in the whole message, for error offsets
 */
export function decodeTunnelInfoData(kind: TunnelKind, data: Uint8Array | undefined, base = 0): TunnelParams {
  const p = initialTunnelParams(kind);
  if (!data) return p;
  const readers = codecOf(kind).readers;
  let unknown: RawAttribute[] | undefined;
  // The attribute walk of forEachAttribute, inlined (no callback per attribute), as decodeLinkBody does.
  const end = data.byteLength;
  let off = 0;
  while (end - off >= NLA_HDRLEN) {
    const len = attributeLength(data, off, end, base);
    const rawType = data[off + 2]! | (data[off + 3]! << 8);
    const vs = off + NLA_HDRLEN;
    const ve = off + len;
    off += (len + 3) & ~3;
    const type = rawType & NLA_TYPE_MASK;
    const read = readers[type];
    if (read !== undefined) {
      read(p, data, vs, ve, base + vs);
      continue;
    }
    unknown ??= [];
    unknown.push({
      type,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      value: data.subarray(vs, ve),
    });
  }
  if (unknown) p.unknown = unknown;
  return p;
}
