/**
 * Netlink attributes (struct nlattr): type-length-value records aligned to
 * 4 bytes, possibly nested. Reading masks the NLA_F_NESTED and
 * NLA_F_NET_BYTEORDER type bits; writing never sets them, as the kernel's
 * own tools do for rtnetlink.
 */
import { align4, readCString, utf8, viewOf } from './bytes.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { NetlinkParseError } from './parse-error.js';

/** An attribute as read: its type (flag bits masked off) and a view of its value. */
export interface RawAttribute {
  /** Attribute type with NLA_F_NESTED / NLA_F_NET_BYTEORDER removed. */
  type: number;
  /** True when the sender set NLA_F_NESTED. */
  nested: boolean;
  /** True when the sender set NLA_F_NET_BYTEORDER. */
  netByteOrder: boolean;
  /** The value bytes (a view into the message, padding excluded). */
  value: Uint8Array;
}

/**
 * Visit each attribute in `buf[start, end)`. `base` is added to offsets in
 * errors so that they point into the whole message.
 */
export function forEachAttribute(
  buf: Uint8Array,
  start: number,
  end: number,
  visit: (type: number, valueStart: number, valueEnd: number, rawType: number) => void,
  base = 0,
): void {
  let off = start;
  while (off < end) {
    if (end - off < NLA_HDRLEN) {
      // The kernel tolerates trailing bytes shorter than a header (nla_ok stops); so do we.
      return;
    }
    const len = buf[off]! | (buf[off + 1]! << 8);
    const rawType = buf[off + 2]! | (buf[off + 3]! << 8);
    if (len < NLA_HDRLEN) {
      throw new NetlinkParseError(`attribute length ${len} is below the attribute header size`, base + off);
    }
    if (len > end - off) {
      throw new NetlinkParseError(
        `attribute length ${len} runs past the ${end - off} bytes left`,
        base + off,
      );
    }
    visit(rawType & NLA_TYPE_MASK, off + NLA_HDRLEN, off + len, rawType);
    off += align4(len);
  }
}

/** Read all attributes of `buf[start, end)` into a list (values are views). */
export function parseAttributes(buf: Uint8Array, start = 0, end = buf.byteLength, base = 0): RawAttribute[] {
  const out: RawAttribute[] = [];
  forEachAttribute(
    buf,
    start,
    end,
    (type, vs, ve, rawType) => {
      out.push({
        type,
        nested: (rawType & NLA_F_NESTED) !== 0,
        netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
        value: buf.subarray(vs, ve),
      });
    },
    base,
  );
  return out;
}

function need(value: Uint8Array, size: number, what: string, offset: number): DataView {
  if (value.byteLength < size) {
    throw new NetlinkParseError(`${what} needs ${size} bytes, got ${value.byteLength}`, offset);
  }
  return viewOf(value);
}

/** Typed readers of attribute values; each checks the length first. */
export const readAttr = {
  u8(value: Uint8Array, what = 'u8 attribute', offset = 0): number {
    need(value, 1, what, offset);
    return value[0]!;
  },
  u16(value: Uint8Array, what = 'u16 attribute', offset = 0): number {
    return need(value, 2, what, offset).getUint16(0, true);
  },
  u32(value: Uint8Array, what = 'u32 attribute', offset = 0): number {
    return need(value, 4, what, offset).getUint32(0, true);
  },
  s32(value: Uint8Array, what = 's32 attribute', offset = 0): number {
    return need(value, 4, what, offset).getInt32(0, true);
  },
  /** u64 as a number (exact below 2^53, which counters stay under in practice). */
  u64(value: Uint8Array, what = 'u64 attribute', offset = 0): number {
    const v = need(value, 8, what, offset);
    return v.getUint32(4, true) * 0x100000000 + v.getUint32(0, true);
  },
  string(value: Uint8Array): string {
    return readCString(value, 0, value.byteLength);
  },
};

/**
 * Builds attribute bytes. Grows as needed; `nest()` writes a container whose
 * length is patched once its children are written.
 */
export class AttributeWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;

  /** @param initial initial capacity in bytes */
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Append raw bytes (no attribute header), padded to 4 bytes. */
  raw(bytes: Uint8Array): this {
    const padded = align4(bytes.byteLength);
    this.reserve(padded);
    this.buf.set(bytes, this.length);
    this.buf.fill(0, this.length + bytes.byteLength, this.length + padded);
    this.length += padded;
    return this;
  }

  /** Append `n` zero bytes, e.g. a fixed header to fill in later through {@link view}. */
  zeros(n: number): number {
    const at = this.length;
    this.reserve(align4(n));
    this.buf.fill(0, at, at + align4(n));
    this.length += align4(n);
    return at;
  }

  /** A DataView over the current storage (valid until the next write grows it). */
  dataView(): DataView {
    return this.view;
  }

  /** Append one attribute with the given value bytes. */
  bytes(type: number, value: Uint8Array): this {
    const len = NLA_HDRLEN + value.byteLength;
    const padded = align4(len);
    this.reserve(padded);
    this.view.setUint16(this.length, len, true);
    this.view.setUint16(this.length + 2, type, true);
    this.buf.set(value, this.length + NLA_HDRLEN);
    this.buf.fill(0, this.length + len, this.length + padded);
    this.length += padded;
    return this;
  }

  /**
   * Header of a scalar attribute of `size` bytes (1, 2 or 4), with the value
   * word zeroed (so the padding is too); returns the value's offset. Scalars
   * are written in place: a temporary array per attribute was most of the encode time.
   */
  private scalar(type: number, size: number): number {
    this.reserve(NLA_HDRLEN + 4);
    const at = this.length;
    this.view.setUint16(at, NLA_HDRLEN + size, true);
    this.view.setUint16(at + 2, type, true);
    this.view.setUint32(at + NLA_HDRLEN, 0, true);
    this.length += NLA_HDRLEN + 4;
    return at + NLA_HDRLEN;
  }

  /** u8 attribute. */
  u8(type: number, v: number): this {
    const at = this.scalar(type, 1);
    this.view.setUint8(at, v & 0xff);
    return this;
  }

  /** u16 attribute, host (little-endian) order. */
  u16(type: number, v: number): this {
    const at = this.scalar(type, 2);
    this.view.setUint16(at, v, true);
    return this;
  }

  /** u32 attribute, host (little-endian) order. */
  u32(type: number, v: number): this {
    const at = this.scalar(type, 4);
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }

  /** s32 attribute, host order. */
  s32(type: number, v: number): this {
    const at = this.scalar(type, 4);
    this.view.setInt32(at, v, true);
    return this;
  }

  /** String attribute. `nul` adds the terminating NUL (the kernel accepts both). */
  string(type: number, s: string, nul = true): this {
    const body = utf8(s);
    if (!nul) return this.bytes(type, body);
    const b = new Uint8Array(body.byteLength + 1);
    b.set(body);
    return this.bytes(type, b);
  }

  /** A nested attribute: `fill` writes its children. */
  nest(type: number, fill: (w: this) => void): this {
    const at = this.length;
    this.reserve(NLA_HDRLEN);
    this.length += NLA_HDRLEN;
    fill(this);
    this.view.setUint16(at, this.length - at, true);
    this.view.setUint16(at + 2, type, true);
    return this;
  }

  /** The bytes written (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
