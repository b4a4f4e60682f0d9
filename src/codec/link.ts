/**
 * struct ifinfomsg and the IFLA_* link attributes, both directions.
 * Decoding keeps every attribute it does not interpret in `unknown`.
 */

import { formatMacAt } from './addresses.js';
import { attributeLength, attrU8, attrU32, forEachAttribute, type RawAttribute } from './attributes.js';
import { readCString, u16le, u32le } from './bytes.js';
import {
  IFF_RUNNING,
  IFF_UP,
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_BROADCAST,
  IFLA_CARRIER,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINK_NETNSID,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MAX_MTU,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_STATS64,
  IFLA_TXQLEN,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLMSG_HDRLEN,
  RTM_DELLINK,
  RTM_NEWLINK,
} from './constants.js';
import { isTunnelKind } from './eoip.js';
import { NetlinkParseError } from './parse-error.js';
import { CStringPool } from './string-pool.js';
import { decodeTunnelInfoData } from './tunnel-data.js';
import type { LinkInfo, LinkMessage, LinkStats, OperState, Tunnel, TunnelParams } from './types.js';

/** struct ifinfomsg. */
export interface IfInfoMsg {
  family: number;
  deviceType: number;
  index: number;
  flags: number;
  change: number;
}

/** Write an ifinfomsg at `offset`. */
export function writeIfInfoMsg(view: DataView, offset: number, m: IfInfoMsg): void {
  view.setUint8(offset, m.family);
  view.setUint8(offset + 1, 0);
  view.setUint16(offset + 2, m.deviceType, true);
  view.setInt32(offset + 4, m.index, true);
  view.setUint32(offset + 8, m.flags >>> 0, true);
  view.setUint32(offset + 12, m.change >>> 0, true);
}

/** Read an ifinfomsg at `offset` (the caller checks 16 bytes are there). */
export function readIfInfoMsg(view: DataView, offset: number): IfInfoMsg {
  return {
    family: view.getUint8(offset),
    deviceType: view.getUint16(offset + 2, true),
    index: view.getInt32(offset + 4, true),
    flags: view.getUint32(offset + 8, true),
    change: view.getUint32(offset + 12, true),
  };
}

const OPER_STATES: OperState[] = [
  'unknown',
  'notpresent',
  'down',
  'lowerlayerdown',
  'testing',
  'dormant',
  'up',
];

/** IF_OPER_* number to its name (unknown numbers read as `unknown`). */
export function operStateName(n: number): OperState {
  return OPER_STATES[n] ?? 'unknown';
}

function decodeStats64(v: Uint8Array, vs: number, ve: number): LinkStats {
  if (ve - vs < 80) throw new NetlinkParseError(`IFLA_STATS64 needs 80 bytes, got ${ve - vs}`, vs);
  return {
    rxPackets: u64le(v, vs),
    txPackets: u64le(v, vs + 8),
    rxBytes: u64le(v, vs + 16),
    txBytes: u64le(v, vs + 24),
    rxErrors: u64le(v, vs + 32),
    txErrors: u64le(v, vs + 40),
    rxDropped: u64le(v, vs + 48),
    txDropped: u64le(v, vs + 56),
    multicast: u64le(v, vs + 64),
    collisions: u64le(v, vs + 72),
  };
}

/**
 * A u64 counter as a number (exact below 2^53, which counters stay under for
 * centuries). One below 2^32 is returned as read, not through a
 * multiplication: a small integer stays a small integer, not a boxed double
 * (16 bytes each, ten per link of a listing).
 */
function u64le(v: Uint8Array, at: number): number {
  const hi = u32le(v, at + 4);
  return hi === 0 ? u32le(v, at) : hi * 0x100000000 + u32le(v, at);
}

/** Link kinds and slave kinds: a handful of names repeated on every link. */
const kindNames = new CStringPool(32);

function decodeLinkInfo(buf: Uint8Array, start: number, end: number): LinkInfo {
  const info: LinkInfo = {};
  forEachAttribute(buf, start, end, (type, vs, ve) => {
    if (type === IFLA_INFO_KIND) info.kind = kindNames.read(buf, vs, ve);
    else if (type === IFLA_INFO_DATA) info.data = buf.subarray(vs, ve);
    else if (type === IFLA_INFO_SLAVE_KIND) info.slaveKind = kindNames.read(buf, vs, ve);
  });
  return info;
}

/** The attributes {@link decodeLinkBody} interprets; the rest are `unknown`. */
const KNOWN_ATTRIBUTES = new Set([
  IFLA_IFNAME,
  IFLA_MTU,
  IFLA_MIN_MTU,
  IFLA_MAX_MTU,
  IFLA_ADDRESS,
  IFLA_BROADCAST,
  IFLA_LINK,
  IFLA_MASTER,
  IFLA_OPERSTATE,
  IFLA_CARRIER,
  IFLA_TXQLEN,
  IFLA_LINK_NETNSID,
  IFLA_STATS64,
  IFLA_LINKINFO,
]);

/**
 * A decoded link message. The attributes it does not interpret are kept in
 * the message bytes and cut out only when `unknown` is read: building an
 * object per attribute for every link of a large dump was most of the decode
 * time, and nobody reads them in a listing.
 */
class DecodedLink implements LinkMessage {
  declare messageType: number;
  declare messageFlags: number;
  declare seq: number;
  declare family: number;
  declare deviceType: number;
  declare index: number;
  declare flags: number;
  declare change: number;
  declare name?: string;
  declare mtu?: number;
  declare minMtu?: number;
  declare maxMtu?: number;
  declare address?: string;
  declare broadcast?: string;
  declare link?: number;
  declare master?: number;
  declare operState?: OperState;
  declare carrier?: boolean;
  declare txQueueLength?: number;
  declare linkNetnsId?: number;
  declare stats?: LinkStats;
  declare linkInfo?: LinkInfo;
  declare tunnel?: Tunnel;
  #buf: Uint8Array;
  #attrStart: number;
  #end: number;
  #unknown: RawAttribute[] | undefined;

  constructor(buf: Uint8Array, attrStart: number, end: number) {
    // Plain assignments in a fixed order (not class-field definitions): one
    // object shape for every link, built at assignment speed.
    this.messageType = 0;
    this.messageFlags = 0;
    this.seq = 0;
    this.family = 0;
    this.deviceType = 0;
    this.index = 0;
    this.flags = 0;
    this.change = 0;
    this.name = undefined;
    this.mtu = undefined;
    this.minMtu = undefined;
    this.maxMtu = undefined;
    this.address = undefined;
    this.broadcast = undefined;
    this.link = undefined;
    this.master = undefined;
    this.operState = undefined;
    this.carrier = undefined;
    this.txQueueLength = undefined;
    this.linkNetnsId = undefined;
    this.stats = undefined;
    this.linkInfo = undefined;
    this.tunnel = undefined;
    this.#buf = buf;
    this.#attrStart = attrStart;
    this.#end = end;
  }

  get unknown(): RawAttribute[] {
    if (!this.#unknown) {
      const out: RawAttribute[] = [];
      const buf = this.#buf;
      forEachAttribute(buf, this.#attrStart, this.#end, (type, vs, ve, rawType) => {
        if (KNOWN_ATTRIBUTES.has(type)) return;
        out.push({
          type,
          nested: (rawType & NLA_F_NESTED) !== 0,
          netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
          value: buf.subarray(vs, ve),
        });
      });
      this.#unknown = out;
    }
    return this.#unknown;
  }

  /** JSON keeps the decoded fields; unknown attributes stay out (they are raw bytes). */
  toJSON(): Omit<LinkMessage, 'unknown'> {
    return { ...this };
  }
}

/**
 * Decode one RTM_NEWLINK / RTM_DELLINK message (header included).
 * For kinds `eoip` / `eoipv6` the result carries the decoded {@link Tunnel}.
 *
 * @param bytes - one whole netlink message, header included (e.g. a {@link NetlinkMessage}'s `bytes`)
 * @throws {@link NetlinkParseError} for anything that is not a well-formed link message
 * @example
 * ```ts
 * const msg = decodeLinkMessage(bytes);
 * if (msg.tunnel) console.log(msg.tunnel.name, msg.tunnel.tunnelId);
 * ```
 */
export function decodeLinkMessage(bytes: Uint8Array): LinkMessage {
  if (bytes.byteLength < NLMSG_HDRLEN + IFINFOMSG_LEN) {
    throw new NetlinkParseError(`link message of ${bytes.byteLength} bytes is shorter than its headers`, 0);
  }
  // nlmsghdr read byte by byte: no DataView per message.
  const length = u32le(bytes, 0);
  const type = u16le(bytes, 4);
  const flags = u16le(bytes, 6);
  const seq = u32le(bytes, 8);
  if (length < NLMSG_HDRLEN + IFINFOMSG_LEN || length > bytes.byteLength) {
    throw new NetlinkParseError(`nlmsg_len ${length} does not fit the ${bytes.byteLength} bytes given`, 0);
  }
  if (type !== RTM_NEWLINK && type !== RTM_DELLINK) {
    throw new NetlinkParseError(`message type ${type} is not RTM_NEWLINK or RTM_DELLINK`, 4);
  }
  return decodeLinkBody(bytes, undefined, 0, length, type, flags, seq);
}

/**
 * Decode a link message whose header was already read (used by dumps, no
 * copy). `_view` is not used any more (the bytes are read directly); it stays
 * so that callers written against the earlier signature keep working.
 *
 * Long on purpose: one switch over the attributes in one function is the
 * decode benchmark's hot path (10,000 links per dump); a call per attribute
 * kind cost measurable time there.
 */
export function decodeLinkBody(
  buf: Uint8Array,
  _view: DataView | undefined,
  start: number,
  end: number,
  messageType: number,
  messageFlags: number,
  seq: number,
): LinkMessage {
  if (end - start < NLMSG_HDRLEN + IFINFOMSG_LEN) {
    throw new NetlinkParseError('link message is shorter than nlmsghdr + ifinfomsg', start);
  }
  // Cutting views out of a Node Buffer is slow (Buffer#subarray builds a FastBuffer):
  // cut them out of a plain Uint8Array over the same bytes.
  if (buf.constructor !== Uint8Array) buf = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  // struct ifinfomsg, read byte by byte (no DataView per message).
  const i0 = start + NLMSG_HDRLEN;
  const msg = new DecodedLink(buf, i0 + IFINFOMSG_LEN, end);
  msg.messageType = messageType;
  msg.messageFlags = messageFlags;
  msg.seq = seq;
  msg.family = buf[i0]!;
  msg.deviceType = u16le(buf, i0 + 2);
  msg.index = u32le(buf, i0 + 4) | 0; // ifi_index is signed
  msg.flags = u32le(buf, i0 + 8);
  msg.change = u32le(buf, i0 + 12);
  let infoStart = -1;
  // The attribute walk of forEachAttribute, inlined: a callback per attribute
  // (some 40 per link) was the largest part of the decode time.
  let off = start + NLMSG_HDRLEN + IFINFOMSG_LEN;
  while (end - off >= NLA_HDRLEN) {
    const len = attributeLength(buf, off, end);
    const type = u16le(buf, off + 2) & NLA_TYPE_MASK;
    const vs = off + NLA_HDRLEN;
    const ve = off + len;
    off += (len + 3) & ~3;
    // Scalars are read in place: a subarray (and a DataView) per attribute was most of the decode time.
    switch (type) {
      case IFLA_IFNAME:
        msg.name = readCString(buf, vs, ve);
        break;
      case IFLA_MTU:
        msg.mtu = attrU32(buf, vs, ve, 'IFLA_MTU');
        break;
      case IFLA_MIN_MTU:
        msg.minMtu = attrU32(buf, vs, ve, 'IFLA_MIN_MTU');
        break;
      case IFLA_MAX_MTU:
        msg.maxMtu = attrU32(buf, vs, ve, 'IFLA_MAX_MTU');
        break;
      case IFLA_ADDRESS:
        msg.address = formatMacAt(buf, vs, ve);
        break;
      case IFLA_BROADCAST:
        msg.broadcast = formatMacAt(buf, vs, ve);
        break;
      case IFLA_LINK:
        msg.link = attrU32(buf, vs, ve, 'IFLA_LINK');
        break;
      case IFLA_MASTER:
        msg.master = attrU32(buf, vs, ve, 'IFLA_MASTER');
        break;
      case IFLA_OPERSTATE:
        msg.operState = operStateName(attrU8(buf, vs, ve, 'IFLA_OPERSTATE'));
        break;
      case IFLA_CARRIER:
        msg.carrier = attrU8(buf, vs, ve, 'IFLA_CARRIER') !== 0;
        break;
      case IFLA_TXQLEN:
        msg.txQueueLength = attrU32(buf, vs, ve, 'IFLA_TXQLEN');
        break;
      case IFLA_LINK_NETNSID:
        msg.linkNetnsId = attrU32(buf, vs, ve, 'IFLA_LINK_NETNSID') | 0;
        break;
      case IFLA_STATS64:
        msg.stats = decodeStats64(buf, vs, ve);
        break;
      case IFLA_LINKINFO:
        msg.linkInfo = decodeLinkInfo(buf, vs, ve);
        infoStart = vs;
        break;
      // Anything else is read on demand through `unknown`.
    }
  }
  const kind = msg.linkInfo?.kind;
  if (isTunnelKind(kind)) {
    const data = msg.linkInfo?.data;
    const dataBase = data ? data.byteOffset - buf.byteOffset : infoStart;
    msg.tunnel = tunnelOf(msg, decodeTunnelInfoData(kind, data, dataBase));
  }
  return msg;
}

function tunnelOf(msg: LinkMessage, p: TunnelParams): Tunnel {
  // The params object becomes the tunnel: its fields come from the attribute
  // table, and copying them (or a spread) cost microseconds per link on Node 20.
  const t = p as Tunnel;
  t.index = msg.index;
  t.name = msg.name ?? '';
  t.flags = msg.flags;
  t.up = (msg.flags & IFF_UP) !== 0;
  t.running = (msg.flags & IFF_RUNNING) !== 0;
  t.operState = msg.operState ?? 'unknown';
  if (msg.mtu !== undefined) t.mtu = msg.mtu;
  if (msg.address !== undefined) t.address = msg.address;
  if (msg.master !== undefined) t.master = msg.master;
  if (msg.carrier !== undefined) t.carrier = msg.carrier;
  if (msg.stats !== undefined) t.stats = msg.stats;
  return t;
}

/**
 * Read only the IFLA_INFO_KIND of a link message, without decoding the rest.
 * Used to filter dumps in user space cheaply. Returns undefined when absent.
 */
export function peekLinkKind(buf: Uint8Array, start: number, end: number): string | undefined {
  let kind: string | undefined;
  forEachAttribute(buf, start + NLMSG_HDRLEN + IFINFOMSG_LEN, end, (type, vs, ve) => {
    if (type !== IFLA_LINKINFO || kind !== undefined) return;
    forEachAttribute(buf, vs, ve, (t2, s2, e2) => {
      if (t2 === IFLA_INFO_KIND) kind = kindNames.read(buf, s2, e2);
    });
  });
  return kind;
}

export type { RawAttribute };
