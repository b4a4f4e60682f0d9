/**
 * Netlink attributes (struct nlattr): type-length-value records aligned to
 * 4 bytes, possibly nested. Reading masks the NLA_F_NESTED and
 * NLA_F_NET_BYTEORDER type bits; writing never sets them, as the kernel's
 * own tools do for rtnetlink.
 */
import { align4, put16le, readCString, u32le, utf8, viewOf } from './bytes.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { checkAttributeLength, checkWellFormed } from './encode-error.js';
import { NetlinkParseError } from './parse-error.js';
import { carve } from './slab.js';

export { NetlinkEncodeError, NLA_LEN_MAX, NLMSG_LEN_MAX } from './encode-error.js';

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
 * Write an attribute header (length, header included, and type) at `b[at]`;
 * returns the offset of the value. The length must already be checked.
 */
export function putAttributeHeader(b: Uint8Array, at: number, len: number, type: number): number {
  put16le(b, at, len);
  put16le(b, at + 2, type);
  return at + NLA_HDRLEN;
}

/**
 * A string attribute's value as it is written: ASCII text as the string
 * itself (copied char by char: no encoder, no object per string), anything
 * else encoded to UTF-8 once.
 * @throws {@link NetlinkEncodeError} for text with a lone surrogate (it has no UTF-8 form)
 */
export function attributeText(type: number, s: string): string | Uint8Array {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      checkWellFormed(type, s);
      return utf8(s);
    }
  }
  return s;
}

/** Bytes of an {@link attributeText} value. */
export function textLength(t: string | Uint8Array): number {
  return typeof t === 'string' ? t.length : t.byteLength;
}

/** Copy an {@link attributeText} value to `b[at]`. */
export function putText(b: Uint8Array, at: number, t: string | Uint8Array): void {
  if (typeof t === 'string') for (let i = 0; i < t.length; i++) b[at + i] = t.charCodeAt(i);
  else b.set(t, at);
}

/**
 * The length field of the attribute at `buf[off]` (header included), checked
 * against what is left before `end`; `base` is added to offsets in errors.
 * Every attribute walk of the codec reads lengths through this.
 * @throws {@link NetlinkParseError} for a length below the header size or past `end`
 */
export function attributeLength(buf: Uint8Array, off: number, end: number, base = 0): number {
  const len = buf[off]! | (buf[off + 1]! << 8);
  if (len < NLA_HDRLEN) {
    throw new NetlinkParseError(`attribute length ${len} is below the attribute header size`, base + off);
  }
  if (len > end - off) {
    throw new NetlinkParseError(`attribute length ${len} runs past the ${end - off} bytes left`, base + off);
  }
  return len;
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
    const len = attributeLength(buf, off, end, base);
    const rawType = buf[off + 2]! | (buf[off + 3]! << 8);
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

/**
 * The u32 value of the attribute at `b[vs, ve)`, read in place; a value
 * shorter than 4 bytes throws NetlinkParseError naming `what` at offset `at`.
 */
export function attrU32(b: Uint8Array, vs: number, ve: number, what: string, at = vs): number {
  if (ve - vs < 4) throw new NetlinkParseError(`${what} needs 4 bytes, got ${ve - vs}`, at);
  return u32le(b, vs);
}

/** The u8 value of the attribute at `b[vs, ve)`, like {@link attrU32}. */
export function attrU8(b: Uint8Array, vs: number, ve: number, what: string, at = vs): number {
  if (ve - vs < 1) throw new NetlinkParseError(`${what} needs 1 bytes, got ${ve - vs}`, at);
  return b[vs]!;
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
 * One scratch buffer shared by writers that do not overlap in time: message
 * builders run synchronously, and allocating ArrayBuffers (a fresh one per
 * writer, another per growth, another per copy) was most of the encode time.
 */
const SCRATCH_SIZE = 64 * 1024;
let scratch: Uint8Array | undefined;
let scratchView: DataView | undefined;
let scratchBusy = false;

/**
 * Builds attribute bytes. Grows as needed; `nest()` writes a container whose
 * length is patched once its children are written.
 *
 * @example
 * ```ts
 * const w = new AttributeWriter();
 * w.nest(1, (n) => n.u32(1, 42).string(3, 'eth0'));
 * const bytes = w.finish();
 * ```
 */
export class AttributeWriter {
  private buf: Uint8Array;
  private view: DataView | undefined;
  /** Holds the shared scratch buffer (given back by {@link finish}). */
  private pooled = false;
  /** Bytes written so far. */
  length = 0;

  /** @param initial initial capacity in bytes (when the shared scratch buffer is in use) */
  constructor(initial = 256) {
    if (!scratchBusy) {
      scratchBusy = true;
      this.pooled = true;
      scratch ??= new Uint8Array(SCRATCH_SIZE);
      scratchView ??= new DataView(scratch.buffer);
      this.buf = scratch;
      this.view = scratchView;
    } else {
      this.buf = new Uint8Array(initial);
      this.view = new DataView(this.buf.buffer);
    }
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.release();
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private release(): void {
    if (this.pooled) {
      this.pooled = false;
      scratchBusy = false;
    }
  }

  /**
   * Append raw bytes (no attribute header), padded to 4 bytes.
   * @param bytes - the bytes to append as they are, e.g. a fixed header such as struct ifinfomsg
   */
  raw(bytes: Uint8Array): this {
    const padded = align4(bytes.byteLength);
    this.reserve(padded);
    this.buf.set(bytes, this.length);
    this.buf.fill(0, this.length + bytes.byteLength, this.length + padded);
    this.length += padded;
    return this;
  }

  /**
   * Append `n` zero bytes, e.g. a fixed header to fill in later through {@link dataView}.
   * @param n - how many bytes; rounded up to a multiple of 4
   * @returns the offset of the first zero byte
   */
  zeros(n: number): number {
    const at = this.length;
    this.reserve(align4(n));
    this.buf.fill(0, at, at + align4(n));
    this.length += align4(n);
    return at;
  }

  /** A DataView over the current storage (valid until the next write grows it). */
  dataView(): DataView {
    return this.dv;
  }

  /** The view over `buf`, made when first needed. */
  private get dv(): DataView {
    if (!this.view) this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.view;
  }

  /**
   * Reserve an attribute with a value of `size` bytes and write its header;
   * returns the value's offset. The padding is zeroed; the caller fills the value.
   */
  private header(type: number, size: number): number {
    const len = NLA_HDRLEN + size;
    checkAttributeLength(type, len);
    const padded = align4(len);
    this.reserve(padded);
    const at = this.length;
    this.dv.setUint16(at, len, true);
    this.dv.setUint16(at + 2, type, true);
    for (let i = at + len; i < at + padded; i++) this.buf[i] = 0;
    this.length += padded;
    return at + NLA_HDRLEN;
  }

  /**
   * Append one attribute with the given value bytes.
   * @param type - the attribute type, e.g. an `IFLA_*` number (no flag bits)
   * @param value - the value bytes, copied; at most 65,531 bytes
   * @throws {@link NetlinkEncodeError} when the value is longer than the 16-bit length field holds (65,531 bytes)
   */
  bytes(type: number, value: Uint8Array): this {
    const at = this.header(type, value.byteLength);
    this.buf.set(value, at);
    return this;
  }

  /**
   * An attribute whose value is written in place by `fill` (exactly `size`
   * bytes at the offset it is given); `fill` returns false to refuse the value.
   * @param type - the attribute type, e.g. an `IFLA_*` number (no flag bits)
   * @param size - the value's length in bytes; at most 65,531
   * @param fill - writes the value into `buf` at offset `at`; returns false to refuse it
   * @returns whether the value was accepted (if not, nothing was appended)
   * @throws {@link NetlinkEncodeError} when `size` is more than the 16-bit length field holds
   */
  inPlace(type: number, size: number, fill: (buf: Uint8Array, at: number) => boolean): boolean {
    const before = this.length;
    const at = this.header(type, size);
    if (fill(this.buf, at)) return true;
    this.length = before;
    return false;
  }

  /**
   * Header of a scalar attribute of `size` bytes (1, 2 or 4), with the value
   * word zeroed (so the padding is too); returns the value's offset. Scalars
   * are written in place: a temporary array per attribute was most of the encode time.
   */
  private scalar(type: number, size: number): number {
    this.reserve(NLA_HDRLEN + 4);
    const at = this.length;
    this.dv.setUint16(at, NLA_HDRLEN + size, true);
    this.dv.setUint16(at + 2, type, true);
    this.dv.setUint32(at + NLA_HDRLEN, 0, true);
    this.length += NLA_HDRLEN + 4;
    return at + NLA_HDRLEN;
  }

  /**
   * u8 attribute.
   * @param type - the attribute type, e.g. an `IFLA_*` number (no flag bits)
   * @param v - the value; only its low 8 bits are written
   */
  u8(type: number, v: number): this {
    const at = this.scalar(type, 1);
    this.dv.setUint8(at, v & 0xff);
    return this;
  }

  /**
   * u16 attribute, host (little-endian) order.
   * @param type - the attribute type, e.g. an `IFLA_*` number (no flag bits)
   * @param v - the value, 0..65535 (higher bits are dropped)
   */
  u16(type: number, v: number): this {
    const at = this.scalar(type, 2);
    this.dv.setUint16(at, v, true);
    return this;
  }

  /**
   * u32 attribute, host (little-endian) order.
   * @param type - the attribute type, e.g. an `IFLA_*` number (no flag bits)
   * @param v - the value, 0..2^32-1 (taken modulo 2^32)
   */
  u32(type: number, v: number): this {
    const at = this.scalar(type, 4);
    this.dv.setUint32(at, v >>> 0, true);
    return this;
  }

  /**
   * s32 attribute, host order.
   * @param type - the attribute type, e.g. an `IFLA_*` number (no flag bits)
   * @param v - the value, -2^31..2^31-1 (taken modulo 2^32)
   */
  s32(type: number, v: number): this {
    const at = this.scalar(type, 4);
    this.dv.setInt32(at, v, true);
    return this;
  }

  /**
   * String attribute. `nul` adds the terminating NUL (the kernel accepts both).
   * @param type - the attribute type, e.g. an `IFLA_*` number (no flag bits)
   * @param s - the text, written as UTF-8
   * @param nul - add a terminating NUL byte (default true)
   * @throws {@link NetlinkEncodeError} for text longer than the 16-bit length field holds, or with a lone surrogate
   */
  string(type: number, s: string, nul = true): this {
    const text = attributeText(type, s);
    const n = textLength(text);
    const at = this.header(type, n + (nul ? 1 : 0));
    putText(this.buf, at, text);
    if (nul) this.buf[at + n] = 0;
    return this;
  }

  /**
   * A nested attribute: `fill` writes its children.
   * @param type - the container's attribute type, e.g. `IFLA_LINKINFO` (NLA_F_NESTED is not set)
   * @param fill - writes the children through the writer it is given (this writer)
   * @throws {@link NetlinkEncodeError} when the children fill more than its 16-bit length holds
   */
  nest(type: number, fill: (w: this) => void): this {
    const at = this.length;
    this.reserve(NLA_HDRLEN);
    this.length += NLA_HDRLEN;
    fill(this);
    const len = this.length - at;
    if (len > 0xffff) {
      // Drop the nest: what is left of the writer stays well-formed.
      this.length = at;
      checkAttributeLength(type, len);
    }
    this.dv.setUint16(at, len, true);
    this.dv.setUint16(at + 2, type, true);
    return this;
  }

  /**
   * The bytes written: a copy sized exactly (a view into a shared slab for
   * small messages: use its `byteOffset`). The writer can go on writing
   * afterwards; it then works on a buffer of its own.
   */
  finish(): Uint8Array {
    const n = this.length;
    const out = carve(n);
    const src = this.buf;
    // A byte loop beats TypedArray#set (and its subarray) for messages this small.
    if (n <= 512) for (let i = 0; i < n; i++) out[i] = src[i]!;
    else out.set(src.subarray(0, n));
    if (this.pooled) {
      // Off the scratch buffer: the next write grows into a buffer of its own
      // (`out` is exactly full, so any write reallocates); the view is made
      // only if someone asks for it.
      this.release();
      this.buf = out;
      this.view = undefined;
    }
    return out;
  }
}
