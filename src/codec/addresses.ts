/**
 * IP and MAC address text <-> bytes, without Node APIs. IPv6 text follows
 * glibc's inet_ntop exactly (RFC 5952 compression, embedded IPv4 for
 * ::ffff:a.b.c.d and ::a.b.c.d), so printed lines match the reference tool.
 */

/** An address literal split into its family and network-order bytes. */
export interface ParsedAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

/**
 * Write a dotted-quad IPv4 address, as inet_pton reads it (no leading zeros,
 * each part 0..255), at `out[at]`; false (nothing promised about `out`) when
 * `s` is not one. Parsed by hand: no allocation on the encode path.
 */
export function writeIPv4(s: string, out: Uint8Array, at: number): boolean {
  return writeIPv4Range(s, 0, s.length, out, at);
}

/** {@link writeIPv4} of `s[start, end)`: the embedded IPv4 tail of IPv6 text is read in place. */
function writeIPv4Range(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let i = start;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= end || s.charCodeAt(i) !== 0x2e /* . */) return false;
      i++;
    }
    const first = i;
    let v = 0;
    while (i < end) {
      const c = s.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || (digits > 1 && s.charCodeAt(first) === 0x30) || v > 255) return false;
    out[at + part] = v;
  }
  return i === end;
}

/** Dotted-quad IPv4 as inet_pton reads it (no leading zeros, each part 0..255), or undefined. */
export function parseIPv4(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return writeIPv4(s, out, 0) ? out : undefined;
}

/** Value of each ASCII hex digit, -1 for any other character below 128. */
const HEX = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) t[0x61 + c] = t[0x41 + c] = 10 + c;
  return t;
})();

/** A hex digit's value, -1 for anything else (a table lookup: this runs per character of every address). */
function hexValue(c: number): number {
  return c < 128 ? HEX[c]! : -1;
}

/**
 * Write an IPv6 address (with optional embedded IPv4 tail) as 16 bytes at
 * `out[at]`; false (nothing promised about `out`) when `s` is not one.
 * One pass, words written straight to `out`: the part after "::" is moved
 * to the end once its length is known.
 */
export function writeIPv6(s: string, out: Uint8Array, at: number): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let i = 0;
  let count = 0; // words written so far, at out[at + 2 * k]
  let gap = -1; // word index where "::" stands
  if (s.charCodeAt(0) === 0x3a) {
    if (s.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const first = i;
    let v = 0;
    let c = 0;
    while (i < n) {
      c = s.charCodeAt(i);
      const h = hexValue(c);
      if (h < 0) break;
      v = v * 16 + h;
      i++;
    }
    if (i < n && c === 0x2e) {
      // A dot: the rest of the text, from this group on, is an IPv4 tail (two words).
      if (count > 6 || !writeIPv4Range(s, first, n, out, at + 2 * count)) return false;
      count += 2;
      break;
    }
    const digits = i - first;
    if (digits === 0 || digits > 4 || count >= 8) return false;
    out[at + 2 * count] = v >> 8;
    out[at + 2 * count + 1] = v & 0xff;
    count++;
    if (i === n) break;
    if (c !== 0x3a) return false;
    i++;
    if (i < n && s.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === n) return false;
  }
  if (gap < 0) return count === 8;
  if (count > 7) return false;
  // Move the words after "::" to the end, then zero the gap they leave.
  const from = at + 2 * gap;
  const moved = 2 * (count - gap);
  const to = at + 16 - moved;
  for (let k = moved - 1; k >= 0; k--) out[to + k] = out[from + k]!;
  for (let k = from; k < to; k++) out[k] = 0;
  return true;
}

/** IPv6 text (with optional embedded IPv4 tail) to 16 bytes, or undefined. */
export function parseIPv6(s: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  return writeIPv6(s, out, 0) ? out : undefined;
}

/** Parse an IPv4 or IPv6 literal; undefined when it is neither. */
export function parseIp(s: string): ParsedAddress | undefined {
  if (s.includes(':')) {
    const b = parseIPv6(s);
    return b ? { family: 6, bytes: b } : undefined;
  }
  const b = parseIPv4(s);
  return b ? { family: 4, bytes: b } : undefined;
}

/** 4 bytes to dotted quad. */
export function formatIPv4(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** 16 bytes to text, exactly as glibc's inet_ntop(AF_INET6) writes it. */
export function formatIPv6(b: Uint8Array, at = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  // Longest run of zero words (leftmost on a tie), only if at least 2 long.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      s += formatIPv4(b, at + 12);
      return s;
    }
    s += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** Address bytes (4 or 16) to text. */
export function formatIp(b: Uint8Array): string {
  return b.byteLength === 16 ? formatIPv6(b) : formatIPv4(b);
}

/** MAC text `aa:bb:cc:dd:ee:ff` (also `-` separated) to 6 bytes, or undefined. */
export function parseMac(s: string): Uint8Array | undefined {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i]!)) return undefined;
    out[i] = Number.parseInt(parts[i]!, 16);
  }
  return out;
}

/** Two lowercase hex digits of each byte value (a table: Number#toString(16) per byte was slow). */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** Char codes of the lowercase hex digits. */
const HEX_CODES: readonly number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** `:` */
const COLON = 0x3a;

/** Hardware address bytes to lowercase colon-separated hex. */
export function formatMac(b: Uint8Array): string {
  return formatMacAt(b, 0, b.byteLength);
}

/** {@link formatMac} of `b[start, end)`, read in place (no subarray). */
export function formatMacAt(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 6) {
    const b0 = b[start]!;
    const b1 = b[start + 1]!;
    const b2 = b[start + 2]!;
    const b3 = b[start + 3]!;
    const b4 = b[start + 4]!;
    const b5 = b[start + 5]!;
    // Every Ethernet link reports the broadcast address: answer it without building a string.
    if ((b0 & b1 & b2 & b3 & b4 & b5) === 0xff) return 'ff:ff:ff:ff:ff:ff';
    // One flat string of 17 characters: joining the parts made a tree of
    // string pieces per address that a listing kept alive (about 100 bytes more per link).
    const h = HEX_CODES;
    return String.fromCharCode(
      h[b0 >> 4]!,
      h[b0 & 15]!,
      COLON,
      h[b1 >> 4]!,
      h[b1 & 15]!,
      COLON,
      h[b2 >> 4]!,
      h[b2 & 15]!,
      COLON,
      h[b3 >> 4]!,
      h[b3 & 15]!,
      COLON,
      h[b4 >> 4]!,
      h[b4 & 15]!,
      COLON,
      h[b5 >> 4]!,
      h[b5 & 15]!,
    );
  }
  let s = '';
  for (let i = start; i < end; i++) {
    if (i > start) s += ':';
    s += HEX2[b[i]!]!;
  }
  return s;
}
