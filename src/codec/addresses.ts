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

/** Dotted-quad IPv4 as inet_pton reads it (no leading zeros, each part 0..255), or undefined. */
export function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** IPv6 text (with optional embedded IPv4 tail) to 16 bytes, or undefined. */
export function parseIPv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    // Keep "::" whole; drop the single ':' that separated the IPv4 tail.
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const rest = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const words = halves.length === 2 ? [...head, ...rest, ...tail] : [...head, ...tail];
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - words.length;
    if (fill < 1) return undefined;
    all = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    if (words.length !== 8) return undefined;
    all = words;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
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

/** Hardware address bytes to lowercase colon-separated hex. */
export function formatMac(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.byteLength; i++) {
    if (i) s += ':';
    s += HEX2[b[i]!]!;
  }
  return s;
}
