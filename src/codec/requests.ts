/**
 * Request builders: complete netlink messages, ready to send. The sequence
 * number is a parameter; the transport assigns it.
 */
import { AttributeWriter } from './attributes.js';
import {
  AF_INET,
  AF_INET6,
  NETNSA_FD,
  NETNSA_NSID,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  RTA_DST,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_GETNSID,
  RTM_GETROUTE,
  RTM_NEWLINK,
  RTM_NEWNSID,
  RTMSG_LEN,
} from './constants.js';
import { writeHeader } from './header.js';
import { encodeLinkRequest, type LinkRequestBody } from './link-request.js';
import type { TunnelParams } from './types.js';

export type { LinkRequestBody };

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

/** Flags of a create: fail if it exists (NLM_F_EXCL), never touch an existing link. */
export const CREATE_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
/** Flags of a change: no NLM_F_CREATE, so a missing link is ENODEV instead of a new one. */
export const CHANGE_FLAGS = NLM_F_REQUEST | NLM_F_ACK;

/** Build a whole message: header, then what `body` writes. */
export function buildMessage(
  type: number,
  flags: number,
  seq: number,
  body: (w: AttributeWriter) => void,
): Uint8Array {
  const w = new AttributeWriter(128);
  w.zeros(NLMSG_HDRLEN);
  try {
    body(w);
  } catch (e) {
    w.finish(); // gives the shared scratch buffer back
    throw e;
  }
  writeHeader(w.dataView(), 0, { length: w.length, type, flags, seq, pid: 0 });
  return w.finish();
}

/** The own property `key` of `o`, never an inherited one. */
function own<T extends object, K extends keyof T>(o: T, key: K): T[K] | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * A body with every field present as an own property (undefined when
 * unused), in one order: encodeLinkRequest then never reads a prototype, and
 * sees one object shape. A field added to LinkRequestBody must be added to
 * each builder below, or they do not compile.
 */
type BodyField = keyof LinkRequestBody;
type FullBody = { [K in BodyField]: LinkRequestBody[K] | undefined };

/**
 * Every field of `body` as an own property (undefined when `body` has no own
 * one): a field inherited from a prototype (or polluted into
 * `Object.prototype`) never reaches the request.
 */
function ownBody(b: LinkRequestBody): FullBody {
  return {
    index: own(b, 'index'),
    name: own(b, 'name'),
    kind: own(b, 'kind'),
    infoData: own(b, 'infoData'),
    tunnel: own(b, 'tunnel'),
    mtu: own(b, 'mtu'),
    address: own(b, 'address'),
    master: own(b, 'master'),
    link: own(b, 'link'),
    up: own(b, 'up'),
    netnsFd: own(b, 'netnsFd'),
    targetNsid: own(b, 'targetNsid'),
    extMask: own(b, 'extMask'),
    extra: own(b, 'extra'),
  };
}

/**
 * RTM_NEWLINK with any body: the generic create (`CREATE_FLAGS`) or change (`CHANGE_FLAGS`).
 * Only `body`'s own properties are read.
 * @param seq - the message's sequence number, 0..2^32-1 (the socket passes its own to a `build` callback)
 * @param flags - the netlink flags: {@link CREATE_FLAGS} or {@link CHANGE_FLAGS}
 * @param body - the link's fields; only those given are written
 * @throws {@link NetlinkEncodeError} when a field is longer than its attribute's length field holds
 */
export function buildNewLinkRequest(seq: number, flags: number, body: LinkRequestBody): Uint8Array {
  return encodeLinkRequest(RTM_NEWLINK, flags, seq, ownBody(body));
}

/**
 * RTM_NEWLINK creating an eoip/eoipv6 tunnel. All of `extras` go in the same
 * message, so the kernel applies them atomically with the create.
 * @param seq - the message's sequence number, 0..2^32-1
 * @param params - the tunnel's kind, addresses, tunnel id and options, already validated
 * @param extras - link fields sent with the create: name, MTU, MAC, master, up, namespace (default none)
 * @throws TypeError when `params.local` or `params.remote` is not an address of the kind's family
 * @throws {@link NetlinkEncodeError} when a name or address is longer than its attribute's length field holds
 */
export function buildCreateTunnelRequest(
  seq: number,
  params: TunnelParams,
  extras: TunnelLinkExtras = {},
): Uint8Array {
  return encodeLinkRequest(RTM_NEWLINK, CREATE_FLAGS, seq, tunnelBody(params, extras, 0));
}

/**
 * RTM_NEWLINK changing the existing tunnel `index`. `params` must be the full
 * desired state: the driver resets whatever a change leaves out.
 * @param seq - the message's sequence number, 0..2^32-1
 * @param index - the ifindex of the tunnel to change
 * @param params - the tunnel's whole desired state, already validated
 * @param extras - link fields changed in the same message; `name` renames it (default none)
 * @throws TypeError when `params.local` or `params.remote` is not an address of the kind's family
 * @throws {@link NetlinkEncodeError} when a name or address is longer than its attribute's length field holds
 */
export function buildChangeTunnelRequest(
  seq: number,
  index: number,
  params: TunnelParams,
  extras: TunnelLinkExtras = {},
): Uint8Array {
  return encodeLinkRequest(RTM_NEWLINK, CHANGE_FLAGS, seq, tunnelBody(params, extras, index));
}

/**
 * The body of a tunnel request: the extras' own fields, the tunnel, the index.
 * Each field read by name (not through a shared helper): one object shape per
 * read keeps this at the speed of the bytes it writes.
 */
function tunnelBody(params: TunnelParams, x: TunnelLinkExtras, index: number): FullBody {
  // The plain read first: an absent field (most of them) costs no hasOwn call.
  return {
    index,
    name: x.name !== undefined && Object.hasOwn(x, 'name') ? x.name : undefined,
    kind: undefined,
    infoData: undefined,
    tunnel: params,
    mtu: x.mtu !== undefined && Object.hasOwn(x, 'mtu') ? x.mtu : undefined,
    address: x.address !== undefined && Object.hasOwn(x, 'address') ? x.address : undefined,
    master: x.master !== undefined && Object.hasOwn(x, 'master') ? x.master : undefined,
    link: undefined,
    up: x.up !== undefined && Object.hasOwn(x, 'up') ? x.up : undefined,
    netnsFd: x.netnsFd !== undefined && Object.hasOwn(x, 'netnsFd') ? x.netnsFd : undefined,
    targetNsid: x.targetNsid !== undefined && Object.hasOwn(x, 'targetNsid') ? x.targetNsid : undefined,
    extMask: undefined,
    extra: undefined,
  };
}

/** Which link a get/delete is about: an ifindex, or a name. */
export type LinkSelector = ByIndex | ByName;

/** A link chosen by its ifindex. */
export interface ByIndex {
  /** The ifindex. */
  index: number;
  /** Not used with an index. */
  name?: undefined;
}

/** A link chosen by its name. */
export interface ByName {
  /** The interface name. */
  name: string;
  /** Not used with a name. */
  index?: undefined;
}

/**
 * RTM_GETLINK for one link.
 * @param seq - the message's sequence number, 0..2^32-1
 * @param link - the link: an ifindex, or a name
 * @param opts - `targetNsid`: the namespace id to look in; `extMask`: IFLA_EXT_MASK, e.g. RTEXT_FILTER_SKIP_STATS (default none)
 * @throws {@link NetlinkEncodeError} when the name is longer than an attribute's length field holds
 */
export function buildGetLinkRequest(
  seq: number,
  link: LinkSelector,
  opts: { targetNsid?: number; extMask?: number } = {},
): Uint8Array {
  return buildNewLinkLike(RTM_GETLINK, NLM_F_REQUEST, seq, link, opts);
}

/**
 * RTM_DELLINK for one link.
 * @param seq - the message's sequence number, 0..2^32-1
 * @param link - the link: an ifindex, or a name
 * @param opts - `targetNsid`: the namespace id to delete in (default the socket's namespace)
 * @throws {@link NetlinkEncodeError} when the name is longer than an attribute's length field holds
 */
export function buildDeleteLinkRequest(
  seq: number,
  link: LinkSelector,
  opts: { targetNsid?: number } = {},
): Uint8Array {
  return buildNewLinkLike(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq, link, opts);
}

function buildNewLinkLike(
  type: number,
  flags: number,
  seq: number,
  link: LinkSelector,
  opts: { targetNsid?: number; extMask?: number },
): Uint8Array {
  // Own properties only, read one by one: this runs for every single-link get and delete.
  const byIndex = Object.hasOwn(link, 'index') && link.index !== undefined;
  const body: FullBody = {
    index: byIndex ? link.index : undefined,
    name: byIndex ? undefined : (link as ByName).name,
    kind: undefined,
    infoData: undefined,
    tunnel: undefined,
    mtu: undefined,
    address: undefined,
    master: undefined,
    link: undefined,
    up: undefined,
    netnsFd: undefined,
    targetNsid:
      opts.targetNsid !== undefined && Object.hasOwn(opts, 'targetNsid') ? opts.targetNsid : undefined,
    extMask: opts.extMask !== undefined && Object.hasOwn(opts, 'extMask') ? opts.extMask : undefined,
    extra: undefined,
  };
  return encodeLinkRequest(type, flags, seq, body);
}

/** Options of a link dump. */
export interface DumpLinksOptions {
  /** Ask the kernel to return only links of this kind (IFLA_LINKINFO/IFLA_INFO_KIND). */
  kind?: string;
  /** Ask the kernel to return only the ports of this master ifindex. */
  master?: number;
  /** IFLA_EXT_MASK, e.g. RTEXT_FILTER_SKIP_STATS when counters are not needed. */
  extMask?: number;
  /** IFLA_TARGET_NETNSID: dump another namespace. */
  targetNsid?: number;
}

/**
 * RTM_GETLINK dump. Always uses the full 16-byte ifinfomsg: with the short
 * rtgenmsg header the kernel ignores the kind filter silently.
 * @param seq - the message's sequence number, 0..2^32-1
 * @param opts - filters and namespace of the dump (default: every link of the socket's namespace)
 * @throws {@link NetlinkEncodeError} when `kind` is longer than an attribute's length field holds
 */
export function buildDumpLinksRequest(seq: number, opts: DumpLinksOptions = {}): Uint8Array {
  const body = ownBody({}); // every field own and undefined until set
  opts = {
    kind: own(opts, 'kind'),
    master: own(opts, 'master'),
    extMask: own(opts, 'extMask'),
    targetNsid: own(opts, 'targetNsid'),
  };
  if (opts.kind !== undefined) body.kind = opts.kind;
  if (opts.master !== undefined) body.master = opts.master;
  if (opts.extMask !== undefined) body.extMask = opts.extMask;
  if (opts.targetNsid !== undefined) body.targetNsid = opts.targetNsid;
  return encodeLinkRequest(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq, body);
}

/** RTM_NEWNSID: assign an id to the namespace behind `fd` (`nsid` -1 lets the kernel choose). */
export function buildNewNsidRequest(seq: number, fd: number, nsid = -1): Uint8Array {
  return buildMessage(RTM_NEWNSID, NLM_F_REQUEST | NLM_F_ACK, seq, (w) => {
    w.zeros(4); // struct rtgenmsg, padded
    w.u32(NETNSA_FD, fd);
    w.s32(NETNSA_NSID, nsid);
  });
}

/** RTM_GETNSID: ask the id of the namespace behind `fd`. */
export function buildGetNsidRequest(seq: number, fd: number): Uint8Array {
  return buildMessage(RTM_GETNSID, NLM_F_REQUEST, seq, (w) => {
    w.zeros(4);
    w.u32(NETNSA_FD, fd);
  });
}

/** RTM_GETROUTE for the route to `dst` (4 or 16 bytes): the answer's RTA_PREFSRC is the source address. */
export function buildGetRouteRequest(seq: number, dst: Uint8Array): Uint8Array {
  return buildMessage(RTM_GETROUTE, NLM_F_REQUEST, seq, (w) => {
    const at = w.zeros(RTMSG_LEN);
    const v = w.dataView();
    v.setUint8(at, dst.byteLength === 16 ? AF_INET6 : AF_INET); // rtm_family
    v.setUint8(at + 1, dst.byteLength * 8); // rtm_dst_len
    w.bytes(RTA_DST, dst);
  });
}
