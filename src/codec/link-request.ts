/**
 * The one writer of link requests (RTM_NEWLINK / RTM_GETLINK / RTM_DELLINK):
 * the message's length is worked out first, then every field is stored at
 * its offset in one zero-filled buffer. Building through a growable writer,
 * its closures and nests cost several times more than the bytes; a tunnel's
 * IFLA_INFO_DATA comes from the attribute table in eoip.ts.
 */
import { AttributeWriter, attributeText, putAttributeHeader, putText, textLength } from './attributes.js';
import { align4, put16le, put32le } from './bytes.js';
import {
  IFF_UP,
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_TARGET_NETNSID,
  NLA_HDRLEN,
  NLMSG_HDRLEN,
} from './constants.js';
import { checkAttributeLength, checkMessageLength } from './encode-error.js';
import { isTunnelKind } from './eoip.js';
import { carve } from './slab.js';
import { tunnelDataSize, writeTunnelData } from './tunnel-data.js';
import type { TunnelParams } from './types.js';

/** Fields of a link request's body (RTM_NEWLINK / RTM_GETLINK / RTM_DELLINK). */
export interface LinkRequestBody {
  /** ifi_index (0 = by name or none). */
  index?: number;
  /** IFLA_IFNAME: the name to look up, or the new name when an index is also given. */
  name?: string;
  /** IFLA_LINKINFO / IFLA_INFO_KIND. */
  kind?: string;
  /**
   * Writes the IFLA_INFO_DATA children. Omitted: no IFLA_INFO_DATA at all.
   * Used only with {@link LinkRequestBody.kind}.
   * @param w - the writer, inside the IFLA_INFO_DATA container: write the kind's attributes to it
   */
  infoData?: (w: AttributeWriter) => void;
  /**
   * An eoip / eoipv6 tunnel: its kind becomes IFLA_INFO_KIND and its
   * parameters IFLA_INFO_DATA, in place of {@link LinkRequestBody.kind} and
   * {@link LinkRequestBody.infoData}. The parameters must be validated.
   */
  tunnel?: TunnelParams;
  /** IFLA_MTU. */
  mtu?: number;
  /** IFLA_ADDRESS (hardware address bytes). */
  address?: Uint8Array;
  /** IFLA_MASTER (0 = release from the master). */
  master?: number;
  /** IFLA_LINK: lower device ifindex (e.g. for vlan/macvlan). */
  link?: number;
  /** Bring the link up (true) or down (false) through ifi_flags/ifi_change. */
  up?: boolean;
  /** IFLA_NET_NS_FD: create the link inside the namespace of this fd. */
  netnsFd?: number;
  /** IFLA_TARGET_NETNSID: act in the namespace with this id (relative to the socket's). */
  targetNsid?: number;
  /** IFLA_EXT_MASK (RTEXT_FILTER_*). */
  extMask?: number;
  /**
   * Writes further attributes after the standard ones.
   * @param w - the request's writer, after the standard attributes: append top-level `IFLA_*` attributes to it
   */
  extra?: (w: AttributeWriter) => void;
}

/** A scalar attribute: header plus one 4-byte value word. */
const SCALAR = NLA_HDRLEN + 4;

type Text = string | Uint8Array;

/** A string attribute's value, checked to fit: a longer one would wrap its length field. */
function textOf(type: number, s: string): Text {
  const t = attributeText(type, s);
  checkAttributeLength(type, NLA_HDRLEN + textLength(t));
  return t;
}

/** What a callback writes, as bytes (the callbacks are the open-ended part of the body). */
function rendered(fill: ((w: AttributeWriter) => void) | undefined): Uint8Array | undefined {
  if (!fill) return undefined;
  const w = new AttributeWriter(128);
  try {
    fill(w);
  } catch (e) {
    w.finish(); // gives the shared scratch buffer back
    throw e;
  }
  return w.finish();
}

const attr = putAttributeHeader;

/** A 32-bit attribute (host order); `v` is taken modulo 2^32. Returns the next offset. */
function u32Attr(b: Uint8Array, at: number, type: number, v: number): number {
  put32le(b, attr(b, at, NLA_HDRLEN + 4, type), v);
  return at + SCALAR;
}

function textAttr(b: Uint8Array, at: number, type: number, t: Text): number {
  const n = textLength(t);
  putText(b, attr(b, at, NLA_HDRLEN + n, type), t);
  return at + align4(NLA_HDRLEN + n);
}

function bytesAttr(b: Uint8Array, at: number, type: number, bytes: Uint8Array): number {
  const v = attr(b, at, NLA_HDRLEN + bytes.byteLength, type);
  // A byte loop beats TypedArray#set for the few bytes of a MAC.
  for (let i = 0; i < bytes.byteLength; i++) b[v + i] = bytes[i]!;
  return at + align4(NLA_HDRLEN + bytes.byteLength);
}

/**
 * A whole link request: nlmsghdr, ifinfomsg, then IFNAME, LINKINFO{KIND,
 * DATA}, MTU, ADDRESS, MASTER, LINK, NET_NS_FD, TARGET_NETNSID, EXT_MASK and
 * what `extra` writes, in the reference tool's order. Strings go without NUL,
 * as the reference tool sends them (the kernel accepts both). `body` must hold
 * own properties only (the builders in requests.ts see to it).
 *
 * Long on purpose: sizes then writes, in one function with no object per
 * part, is what keeps encoding several times faster than a growable writer
 * (the encode benchmark); each part's writing is a small function below.
 * @throws TypeError for a tunnel address literal of the wrong family
 * @throws {@link NetlinkEncodeError} for a field longer than its attribute's length field holds
 */
export function encodeLinkRequest(type: number, flags: number, seq: number, b: LinkRequestBody): Uint8Array {
  const name = b.name === undefined ? undefined : textOf(IFLA_IFNAME, b.name);
  // IFLA_LINKINFO: the kind, then IFLA_INFO_DATA from the tunnel table or the callback.
  const tunnel = b.tunnel;
  const kindText = tunnel ? tunnel.kind : b.kind;
  // A tunnel's kind is one of two short ASCII words: nothing to check or encode.
  const kind =
    kindText === undefined
      ? undefined
      : tunnel && isTunnelKind(kindText)
        ? kindText
        : textOf(IFLA_INFO_KIND, kindText);
  const data = tunnel || kind === undefined ? undefined : rendered(b.infoData);
  let dataLen = 0;
  if (tunnel) dataLen = NLA_HDRLEN + tunnelDataSize(tunnel);
  else if (data) dataLen = NLA_HDRLEN + data.byteLength;
  if (dataLen) checkAttributeLength(IFLA_INFO_DATA, dataLen);
  const infoLen = kind === undefined ? 0 : NLA_HDRLEN + align4(NLA_HDRLEN + textLength(kind)) + dataLen;
  if (infoLen) checkAttributeLength(IFLA_LINKINFO, infoLen);
  const mac = b.address;
  if (mac !== undefined) checkAttributeLength(IFLA_ADDRESS, NLA_HDRLEN + mac.byteLength);
  const extra = rendered(b.extra);

  let total = NLMSG_HDRLEN + IFINFOMSG_LEN + infoLen;
  if (name !== undefined) total += align4(NLA_HDRLEN + textLength(name));
  if (b.mtu !== undefined) total += SCALAR;
  if (mac !== undefined) total += align4(NLA_HDRLEN + mac.byteLength);
  if (b.master !== undefined) total += SCALAR;
  if (b.link !== undefined) total += SCALAR;
  if (b.netnsFd !== undefined) total += SCALAR;
  if (b.targetNsid !== undefined) total += SCALAR;
  if (b.extMask !== undefined) total += SCALAR;
  if (extra) total += extra.byteLength;
  checkMessageLength(total);

  // Zero-filled: pid, family, device type and every padding byte are already written.
  const out = carve(total);
  put32le(out, 0, total);
  put16le(out, 4, type);
  put16le(out, 6, flags);
  put32le(out, 8, seq);
  put32le(out, NLMSG_HDRLEN + 4, b.index ?? 0);
  if (b.up) out[NLMSG_HDRLEN + 8] = IFF_UP;
  if (b.up !== undefined) out[NLMSG_HDRLEN + 12] = IFF_UP;
  let at = NLMSG_HDRLEN + IFINFOMSG_LEN;
  if (name !== undefined) at = textAttr(out, at, IFLA_IFNAME, name);
  if (kind !== undefined) {
    const end = at + infoLen;
    at = textAttr(out, attr(out, at, infoLen, IFLA_LINKINFO), IFLA_INFO_KIND, kind);
    if (dataLen) {
      const vs = attr(out, at, dataLen, IFLA_INFO_DATA);
      if (tunnel) writeTunnelData(out, vs, tunnel);
      else if (data) out.set(data, vs);
    }
    at = end;
  }
  if (b.mtu !== undefined) at = u32Attr(out, at, IFLA_MTU, b.mtu);
  if (mac !== undefined) at = bytesAttr(out, at, IFLA_ADDRESS, mac);
  if (b.master !== undefined) at = u32Attr(out, at, IFLA_MASTER, b.master);
  if (b.link !== undefined) at = u32Attr(out, at, IFLA_LINK, b.link);
  if (b.netnsFd !== undefined) at = u32Attr(out, at, IFLA_NET_NS_FD, b.netnsFd);
  if (b.targetNsid !== undefined) at = u32Attr(out, at, IFLA_TARGET_NETNSID, b.targetNsid);
  if (b.extMask !== undefined) at = u32Attr(out, at, IFLA_EXT_MASK, b.extMask);
  if (extra) out.set(extra, at);
  return out;
}
