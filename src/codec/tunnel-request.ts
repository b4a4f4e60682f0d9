/**
 * The tunnel create/change message written directly: its length is worked
 * out first, then every field is stored at its offset in one carved buffer.
 * The bytes are those of the generic path (encodeLinkBody with
 * encodeTunnelInfoData), attribute order included; building them through the
 * generic writer's closures and nests cost several times more than the bytes.
 */
import { writeIPv4, writeIPv6 } from './addresses.js';
import { align4, utf8 } from './bytes.js';
import {
  IFF_UP,
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_EOIP_KA_INTERVAL,
  IFLA_EOIP_KA_RETRIES,
  IFLA_GRE_IKEY,
  IFLA_GRE_LINK,
  IFLA_GRE_LOCAL,
  IFLA_GRE_REMOTE,
  IFLA_GRE_TOS,
  IFLA_GRE_TTL,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_TARGET_NETNSID,
  NLA_HDRLEN,
  NLMSG_HDRLEN,
  RTM_NEWLINK,
} from './constants.js';
import { checkAttributeLength, checkMessageLength, checkWellFormed } from './encode-error.js';
import { badAddress } from './eoip.js';
import { carve } from './slab.js';
import type { TunnelParams } from './types.js';

/** Link fields that may ride along with a tunnel create or change. */
export interface TunnelLinkExtras {
  /** Interface name to create with; on a change: the new name. */
  name?: string;
  /** IFLA_MTU. */
  mtu?: number;
  /** IFLA_ADDRESS: the MAC, 6 bytes. */
  address?: Uint8Array;
  /** IFLA_MASTER: ifindex of the bridge (0 releases). */
  master?: number;
  /** Bring the interface up (true) or down (false). */
  up?: boolean;
  /** IFLA_NET_NS_FD: create inside the namespace of this fd. */
  netnsFd?: number;
  /** IFLA_TARGET_NETNSID: the namespace id to act in. */
  targetNsid?: number;
}

/** A scalar attribute: header plus one 4-byte value word (u8 values are padded to it). */
const SCALAR = NLA_HDRLEN + 4;

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

/** Attribute header at `at`; returns the offset of the value. */
function attr(b: Uint8Array, at: number, len: number, type: number): number {
  put16(b, at, len);
  put16(b, at + 2, type);
  return at + NLA_HDRLEN;
}

/** A u32 attribute (host order); `v` is already a 32-bit integer. Returns the next offset. */
function u32Attr(b: Uint8Array, at: number, type: number, v: number): number {
  put32(b, attr(b, at, NLA_HDRLEN + 4, type), v);
  return at + SCALAR;
}

/** A u8 attribute; the carved buffer already holds its zero padding. */
function u8Attr(b: Uint8Array, at: number, type: number, v: number): number {
  b[attr(b, at, NLA_HDRLEN + 1, type)] = v & 0xff;
  return at + SCALAR;
}

/** A string attribute without NUL, from ASCII text or ready UTF-8 bytes. */
function stringAttr(
  b: Uint8Array,
  at: number,
  type: number,
  s: string,
  bytes: Uint8Array | undefined,
): number {
  const n = bytes ? bytes.byteLength : s.length;
  const v = attr(b, at, NLA_HDRLEN + n, type);
  if (bytes) b.set(bytes, v);
  else for (let i = 0; i < n; i++) b[v + i] = s.charCodeAt(i);
  return at + align4(NLA_HDRLEN + n);
}

/** The own property `key` of the extras, never an inherited one. */
function ownField<K extends keyof TunnelLinkExtras>(x: TunnelLinkExtras, key: K): TunnelLinkExtras[K] {
  return Object.hasOwn(x, key) ? x[key] : undefined;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * RTM_NEWLINK for a tunnel create (`index` 0) or change, written in place.
 * Returns undefined for input outside the declared types (an unknown kind,
 * a name that is not a string, an address that is not a Uint8Array), which
 * the caller hands to the generic path so that nothing changes for it.
 * @throws TypeError for an address literal of the wrong family, as the generic path does
 * @throws NetlinkEncodeError for a name or address longer than an attribute's length field holds
 */
export function encodeTunnelRequest(
  flags: number,
  seq: number,
  index: number,
  p: TunnelParams,
  x: TunnelLinkExtras,
): Uint8Array | undefined {
  const kind = p.kind;
  const v6 = kind === 'eoipv6';
  if (!v6 && kind !== 'eoip') return undefined;
  const alen = v6 ? 16 : 4;
  // Own properties only: a field inherited from a prototype is no field.
  const name = ownField(x, 'name');
  let nameBytes: Uint8Array | undefined;
  let nameLen = 0;
  if (name !== undefined) {
    if (typeof name !== 'string') return undefined;
    if (!isAscii(name)) {
      checkWellFormed(IFLA_IFNAME, name);
      nameBytes = utf8(name);
    }
    nameLen = nameBytes ? nameBytes.byteLength : name.length;
    // A longer name would wrap its length field: the kernel would read the rest as attributes.
    checkAttributeLength(IFLA_IFNAME, NLA_HDRLEN + nameLen);
  }
  const mac = ownField(x, 'address');
  const mtu = ownField(x, 'mtu');
  const master = ownField(x, 'master');
  const netnsFd = ownField(x, 'netnsFd');
  const targetNsid = ownField(x, 'targetNsid');
  if (mac !== undefined && !(mac instanceof Uint8Array)) return undefined;
  if (mac !== undefined) checkAttributeLength(IFLA_ADDRESS, NLA_HDRLEN + mac.byteLength);
  const ka = p.keepalive;

  // Sizes, in the order the attributes are written.
  const kindAttr = align4(NLA_HDRLEN + kind.length);
  const dataLen = NLA_HDRLEN + 4 * SCALAR + 2 * (NLA_HDRLEN + alen) + (ka ? 2 * SCALAR : 0);
  const infoLen = NLA_HDRLEN + kindAttr + dataLen;
  let total = NLMSG_HDRLEN + IFINFOMSG_LEN + infoLen;
  if (name !== undefined) total += align4(NLA_HDRLEN + nameLen);
  if (mtu !== undefined) total += SCALAR;
  if (mac !== undefined) total += align4(NLA_HDRLEN + mac.byteLength);
  if (master !== undefined) total += SCALAR;
  if (netnsFd !== undefined) total += SCALAR;
  if (targetNsid !== undefined) total += SCALAR;
  checkMessageLength(total);

  // Zero-filled: pid, family, device type and every padding byte are already written.
  const b = carve(total);
  put32(b, 0, total);
  put16(b, 4, RTM_NEWLINK);
  put16(b, 6, flags);
  put32(b, 8, seq >>> 0);
  put32(b, NLMSG_HDRLEN + 4, index | 0);
  const up = ownField(x, 'up');
  if (up) b[NLMSG_HDRLEN + 8] = IFF_UP;
  if (up !== undefined) b[NLMSG_HDRLEN + 12] = IFF_UP;
  let at = NLMSG_HDRLEN + IFINFOMSG_LEN;
  if (name !== undefined) at = stringAttr(b, at, IFLA_IFNAME, name, nameBytes);

  attr(b, at, infoLen, IFLA_LINKINFO);
  at = stringAttr(b, at + NLA_HDRLEN, IFLA_INFO_KIND, kind, undefined);
  attr(b, at, dataLen, IFLA_INFO_DATA);
  at = u32Attr(b, at + NLA_HDRLEN, IFLA_GRE_IKEY, p.tunnelId >>> 0);
  const local = p.local;
  const lv = attr(b, at, NLA_HDRLEN + alen, IFLA_GRE_LOCAL);
  if (!(v6 ? writeIPv6(local, b, lv) : writeIPv4(local, b, lv))) throw badAddress(kind, local, 'local');
  at = lv + alen;
  const remote = p.remote;
  const rv = attr(b, at, NLA_HDRLEN + alen, IFLA_GRE_REMOTE);
  if (!(v6 ? writeIPv6(remote, b, rv) : writeIPv4(remote, b, rv))) throw badAddress(kind, remote, 'remote');
  at = rv + alen;
  at = u32Attr(b, at, IFLA_GRE_LINK, p.link >>> 0);
  at = u8Attr(b, at, IFLA_GRE_TTL, p.ttl);
  at = u8Attr(b, at, IFLA_GRE_TOS, p.tos);
  if (ka) {
    at = u32Attr(b, at, IFLA_EOIP_KA_INTERVAL, ka.interval >>> 0);
    at = u8Attr(b, at, IFLA_EOIP_KA_RETRIES, ka.retries);
  }

  if (mtu !== undefined) at = u32Attr(b, at, IFLA_MTU, mtu >>> 0);
  if (mac !== undefined) {
    const n = mac.byteLength;
    const v = attr(b, at, NLA_HDRLEN + n, IFLA_ADDRESS);
    for (let i = 0; i < n; i++) b[v + i] = mac[i]!;
    at += align4(NLA_HDRLEN + n);
  }
  if (master !== undefined) at = u32Attr(b, at, IFLA_MASTER, master >>> 0);
  if (netnsFd !== undefined) at = u32Attr(b, at, IFLA_NET_NS_FD, netnsFd >>> 0);
  if (targetNsid !== undefined) u32Attr(b, at, IFLA_TARGET_NETNSID, targetNsid | 0);
  return b;
}
