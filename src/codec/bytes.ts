/** Small helpers over Uint8Array shared by the codec files. */

/** A DataView over exactly the bytes of `b`, whatever its offset in its buffer. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** u16, little-endian (host order on the machines netlink runs on), at `b[at]`. */
export function u16le(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

/** u32, little-endian, at `b[at]`: read in place, without a DataView. */
export function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Write a u16, little-endian, at `b[at]` (in place: a DataView per write costs more than the bytes). */
export function put16le(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
}

/** Write a u32, little-endian, at `b[at]`; `v` is taken modulo 2^32. */
export function put32le(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

/** Round `n` up to the netlink alignment of 4 bytes. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Lowercase hex of bytes, no separators. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}

/** Bytes from a hex string (whitespace ignored). Throws on odd length or non-hex digits. */
export function fromHex(hex: string): Uint8Array {
  const h = hex.replace(/\s+/g, '');
  if (h.length % 2 !== 0 || /[^0-9a-fA-F]/.test(h)) throw new TypeError('fromHex: not a hex string');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const textEncoder = new TextEncoder();

/** True when every byte of `b[start, end)` is ASCII (below 0x80). */
export function isAsciiRange(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) return false;
  return true;
}

/** A C string: bytes up to the first NUL (or the end), decoded as UTF-8. */
export function readCString(b: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && b[stop] !== 0) stop++;
  // Interface names are ASCII in practice: avoid TextDecoder for the common case.
  if (isAsciiRange(b, start, stop)) {
    let s = '';
    for (let i = start; i < stop; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return textDecoder.decode(b.subarray(start, stop));
}

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}
