/**
 * A JSON-able, annotated tree of one rtnetlink message: every header field,
 * every attribute with its name, length, raw hex and (when its type is known
 * and its length right) its value. Used by `--dry-run` and by the tests, which
 * compare it with the `decoded` trees of the captured vectors.
 */

import { formatIPv4, formatIPv6, formatMac } from './addresses.js';
import { forEachAttribute } from './attributes.js';
import { align4, readCString, toHex, viewOf } from './bytes.js';
import {
  IFINFOMSG_LEN,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  RTGENMSG_LEN,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
} from './constants.js';
import { isTunnelKind } from './eoip.js';
import { errnoName } from './errno.js';
import { type NetlinkHeader, readHeader } from './header.js';
import { NetlinkParseError } from './parse-error.js';
import { TUNNEL_ATTRIBUTE_NAMES } from './tunnel-data.js';

/** struct nlmsghdr, annotated. */
export interface DescribedHeader {
  /** nlmsg_len. */
  len: number;
  /** nlmsg_type. */
  type: number;
  /** Symbolic type, e.g. `RTM_NEWLINK`; `UNKNOWN_<n>` when not known. */
  type_name: string;
  /** nlmsg_flags. */
  flags: number;
  /** nlmsg_flags as `0x%04x`. */
  flags_hex: string;
  /**
   * Names of the set flag bits, lowest bit first. Bits 0x100..0x800 are named
   * after the message type (NLM_F_EXCL for a NEW request, NLM_F_MATCH for a GET,
   * NLM_F_ACK_TLVS for an ERROR/DONE...); bits without a name appear as hex.
   */
  flag_names: string[];
  /** nlmsg_seq. */
  seq: number;
  /** nlmsg_pid. */
  pid: number;
}

/** struct ifinfomsg, annotated. */
export interface DescribedIfInfoMsg {
  /** Address family (0 = AF_UNSPEC). */
  ifi_family: number;
  /** Device type, ARPHRD_* (1 = Ethernet). */
  ifi_type: number;
  /** Interface index (0 = none / by name). */
  ifi_index: number;
  /** IFF_* flags. */
  ifi_flags: number;
  /** ifi_flags as `0x%x`. */
  ifi_flags_hex: string;
  /** Mask of the IFF_* flags a request changes. */
  ifi_change: number;
}

/** One attribute (struct nlattr) and, for known containers, its children. */
export interface DescribedAttribute {
  /** Attribute type with NLA_F_NESTED / NLA_F_NET_BYTEORDER masked off. */
  type: number;
  /** Symbolic name, e.g. `IFLA_IFNAME`; `UNKNOWN_<n>` when not known. */
  name: string;
  /** nla_len: header plus value, padding excluded. */
  len: number;
  /** The value bytes as lowercase hex (padding excluded). */
  hex: string;
  /**
   * The value, when the type is known and the length is exactly right:
   * integers as numbers, strings up to their NUL, MAC and IP addresses as text.
   */
  value?: number | string;
  /** Children of IFLA_LINKINFO, and of an eoip/eoipv6 IFLA_INFO_DATA. */
  nested?: DescribedAttribute[];
  /** `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` when the sender set them (absent otherwise). */
  nla_flags?: string[];
}

/** One extended-ack attribute (NLMSGERR_ATTR_*). */
export interface DescribedExtAckTlv {
  /** Attribute type. */
  type: number;
  /** e.g. `NLMSGERR_ATTR_MSG`. */
  name: string;
  /** Value bytes as hex (a message keeps its NUL here). */
  hex: string;
  /** The message text or offset, when readable. */
  value?: number | string;
  /** `NLA_F_NESTED` when set (the kernel sets it on NLMSGERR_ATTR_POLICY); absent otherwise. */
  nla_flags?: string[];
}

/** The error code of an NLMSG_ERROR or NLMSG_DONE. */
export interface DescribedErrorCode {
  /** The raw code as sent (negative errno, 0 for success). */
  error: number;
  /** Positive errno; 0 means success. */
  errno: number;
  /** `OK` for 0, else the symbolic name (`EEXIST`, ...). */
  errno_name: string;
}

/** struct nlmsgerr: the code and the request it answers. */
export interface DescribedNlmsgErr extends DescribedErrorCode {
  /**
   * The echoed request: only its header when the answer is NLM_F_CAPPED,
   * else the whole request described (or its header and payload_hex when it
   * cannot be decoded).
   */
  request: DescribedMessage;
}

/** struct rtgenmsg, the short header of old-style dump requests. */
export interface DescribedRtgenmsg {
  /** Address family. */
  rtgen_family: number;
}

/**
 * One rtnetlink message described. Which optional parts are present depends
 * on the type: link messages have `ifinfomsg` (or `rtgenmsg` for a short
 * RTM_GETLINK) and `attrs`; NLMSG_ERROR has `nlmsgerr`; NLMSG_DONE has `done`;
 * both may have `ext_ack_tlvs`; anything else has `payload_hex`.
 */
export interface DescribedMessage {
  /** The netlink header. */
  nlmsghdr: DescribedHeader;
  /** struct ifinfomsg of a link message. */
  ifinfomsg?: DescribedIfInfoMsg;
  /** The 1-byte struct rtgenmsg of a short RTM_GETLINK dump request. */
  rtgenmsg?: DescribedRtgenmsg;
  /** Top-level attributes of a link message, in wire order. */
  attrs?: DescribedAttribute[];
  /** The error code and echoed request of an NLMSG_ERROR. */
  nlmsgerr?: DescribedNlmsgErr;
  /** The error code of an NLMSG_DONE (absent when it carries none). */
  done?: DescribedErrorCode;
  /** Extended-ack attributes, when the header has NLM_F_ACK_TLVS. */
  ext_ack_tlvs?: DescribedExtAckTlv[];
  /** Payload bytes that are not decoded further. */
  payload_hex?: string;
}

type ValueKind = 'u8' | 'u32' | 's32' | 'string' | 'mac' | 'ip' | 'raw';
type AttrTable = Readonly<Record<number, readonly [string, ValueKind]>>;

const IFLA_TABLE: AttrTable = {
  1: ['IFLA_ADDRESS', 'mac'],
  2: ['IFLA_BROADCAST', 'mac'],
  3: ['IFLA_IFNAME', 'string'],
  4: ['IFLA_MTU', 'u32'],
  5: ['IFLA_LINK', 'u32'],
  6: ['IFLA_QDISC', 'string'],
  7: ['IFLA_STATS', 'raw'],
  8: ['IFLA_COST', 'raw'],
  9: ['IFLA_PRIORITY', 'raw'],
  10: ['IFLA_MASTER', 'u32'],
  11: ['IFLA_WIRELESS', 'raw'],
  12: ['IFLA_PROTINFO', 'raw'],
  13: ['IFLA_TXQLEN', 'u32'],
  14: ['IFLA_MAP', 'raw'],
  15: ['IFLA_WEIGHT', 'u32'],
  16: ['IFLA_OPERSTATE', 'u8'],
  17: ['IFLA_LINKMODE', 'u8'],
  18: ['IFLA_LINKINFO', 'raw'],
  19: ['IFLA_NET_NS_PID', 'u32'],
  20: ['IFLA_IFALIAS', 'string'],
  21: ['IFLA_NUM_VF', 'u32'],
  22: ['IFLA_VFINFO_LIST', 'raw'],
  23: ['IFLA_STATS64', 'raw'],
  24: ['IFLA_VF_PORTS', 'raw'],
  25: ['IFLA_PORT_SELF', 'raw'],
  26: ['IFLA_AF_SPEC', 'raw'],
  27: ['IFLA_GROUP', 'u32'],
  28: ['IFLA_NET_NS_FD', 'u32'],
  29: ['IFLA_EXT_MASK', 'u32'],
  30: ['IFLA_PROMISCUITY', 'u32'],
  31: ['IFLA_NUM_TX_QUEUES', 'u32'],
  32: ['IFLA_NUM_RX_QUEUES', 'u32'],
  33: ['IFLA_CARRIER', 'u8'],
  34: ['IFLA_PHYS_PORT_ID', 'raw'],
  35: ['IFLA_CARRIER_CHANGES', 'u32'],
  36: ['IFLA_PHYS_SWITCH_ID', 'raw'],
  37: ['IFLA_LINK_NETNSID', 's32'],
  38: ['IFLA_PHYS_PORT_NAME', 'string'],
  39: ['IFLA_PROTO_DOWN', 'u8'],
  40: ['IFLA_GSO_MAX_SEGS', 'u32'],
  41: ['IFLA_GSO_MAX_SIZE', 'u32'],
  42: ['IFLA_PAD', 'raw'],
  43: ['IFLA_XDP', 'raw'],
  44: ['IFLA_EVENT', 'u32'],
  45: ['IFLA_NEW_NETNSID', 's32'],
  46: ['IFLA_TARGET_NETNSID', 's32'],
  47: ['IFLA_CARRIER_UP_COUNT', 'u32'],
  48: ['IFLA_CARRIER_DOWN_COUNT', 'u32'],
  49: ['IFLA_NEW_IFINDEX', 's32'],
  50: ['IFLA_MIN_MTU', 'u32'],
  51: ['IFLA_MAX_MTU', 'u32'],
  52: ['IFLA_PROP_LIST', 'raw'],
  53: ['IFLA_ALT_IFNAME', 'string'],
  54: ['IFLA_PERM_ADDRESS', 'mac'],
  55: ['IFLA_PROTO_DOWN_REASON', 'raw'],
  56: ['IFLA_PARENT_DEV_NAME', 'string'],
  57: ['IFLA_PARENT_DEV_BUS_NAME', 'string'],
  58: ['IFLA_GRO_MAX_SIZE', 'u32'],
  59: ['IFLA_TSO_MAX_SIZE', 'u32'],
  60: ['IFLA_TSO_MAX_SEGS', 'u32'],
  61: ['IFLA_ALLMULTI', 'u32'],
  62: ['IFLA_DEVLINK_PORT', 'raw'],
  63: ['IFLA_GSO_IPV4_MAX_SIZE', 'u32'],
  64: ['IFLA_GRO_IPV4_MAX_SIZE', 'u32'],
};

const INFO_TABLE: AttrTable = {
  1: ['IFLA_INFO_KIND', 'string'],
  2: ['IFLA_INFO_DATA', 'raw'],
  3: ['IFLA_INFO_XSTATS', 'raw'],
  4: ['IFLA_INFO_SLAVE_KIND', 'string'],
  5: ['IFLA_INFO_SLAVE_DATA', 'raw'],
};

// Addresses are read by their length, not the kind: the driver's policy does the same.
/** A tunnel's IFLA_INFO_DATA names, from the attribute table in eoip.ts. */
const EOIP_TABLE: AttrTable = Object.fromEntries(TUNNEL_ATTRIBUTE_NAMES);

const EXT_ACK_TABLE: AttrTable = {
  1: ['NLMSGERR_ATTR_MSG', 'string'],
  2: ['NLMSGERR_ATTR_OFFS', 'u32'],
  3: ['NLMSGERR_ATTR_COOKIE', 'raw'],
  4: ['NLMSGERR_ATTR_POLICY', 'raw'],
  5: ['NLMSGERR_ATTR_MISS_TYPE', 'u32'],
  6: ['NLMSGERR_ATTR_MISS_NEST', 'u32'],
};

const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'NLMSG_NOOP',
  2: 'NLMSG_ERROR',
  3: 'NLMSG_DONE',
  4: 'NLMSG_OVERRUN',
  16: 'RTM_NEWLINK',
  17: 'RTM_DELLINK',
  18: 'RTM_GETLINK',
  19: 'RTM_SETLINK',
  20: 'RTM_NEWADDR',
  21: 'RTM_DELADDR',
  22: 'RTM_GETADDR',
  24: 'RTM_NEWROUTE',
  25: 'RTM_DELROUTE',
  26: 'RTM_GETROUTE',
  88: 'RTM_NEWNSID',
  89: 'RTM_DELNSID',
  90: 'RTM_GETNSID',
};

const COMMON_FLAGS: readonly (readonly [number, string])[] = [
  [0x01, 'NLM_F_REQUEST'],
  [0x02, 'NLM_F_MULTI'],
  [0x04, 'NLM_F_ACK'],
  [0x08, 'NLM_F_ECHO'],
  [0x10, 'NLM_F_DUMP_INTR'],
  [0x20, 'NLM_F_DUMP_FILTERED'],
];
// The upper bits mean different things per message kind (netlink.h).
const NEW_FLAGS = [
  [0x100, 'NLM_F_REPLACE'],
  [0x200, 'NLM_F_EXCL'],
  [0x400, 'NLM_F_CREATE'],
  [0x800, 'NLM_F_APPEND'],
] as const;
const GET_FLAGS = [
  [0x100, 'NLM_F_ROOT'],
  [0x200, 'NLM_F_MATCH'],
  [0x400, 'NLM_F_ATOMIC'],
] as const;
const DEL_FLAGS = [
  [0x100, 'NLM_F_NONREC'],
  [0x200, 'NLM_F_BULK'],
] as const;
const ACK_FLAGS = [
  [0x100, 'NLM_F_CAPPED'],
  [0x200, 'NLM_F_ACK_TLVS'],
] as const;

/** First rtnetlink message type; below it are the netlink control messages. */
const RTM_BASE = 16;

function upperFlagsOf(type: number): readonly (readonly [number, string])[] {
  if (type === NLMSG_ERROR || type === NLMSG_DONE) return ACK_FLAGS;
  if (type < RTM_BASE) return [];
  // rtnetlink types come in groups of four: NEW, DEL, GET, SET.
  switch ((type - RTM_BASE) % 4) {
    case 0:
      return NEW_FLAGS;
    case 1:
      return DEL_FLAGS;
    case 2:
      return GET_FLAGS;
    default:
      return [];
  }
}

function flagNames(type: number, flags: number): string[] {
  const names: string[] = [];
  let rest = flags;
  for (const [bit, name] of [...COMMON_FLAGS, ...upperFlagsOf(type)]) {
    if (flags & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  for (let bit = 1; bit <= 0x8000; bit <<= 1) {
    if (rest & bit) names.push(`0x${bit.toString(16)}`);
  }
  return names;
}

function describeHeader(h: NetlinkHeader): DescribedHeader {
  return {
    len: h.length,
    type: h.type,
    type_name: TYPE_NAMES[h.type] ?? `UNKNOWN_${h.type}`,
    flags: h.flags,
    flags_hex: `0x${h.flags.toString(16).padStart(4, '0')}`,
    flag_names: flagNames(h.type, h.flags),
    seq: h.seq,
    pid: h.pid,
  };
}

function errorCode(code: number): DescribedErrorCode {
  const errno = code < 0 ? -code : code;
  return { error: code, errno, errno_name: errno === 0 ? 'OK' : errnoName(errno) };
}

function readValue(kind: ValueKind, v: Uint8Array): number | string | undefined {
  switch (kind) {
    case 'u8':
      return v.byteLength === 1 ? v[0]! : undefined;
    case 'u32':
      return v.byteLength === 4 ? viewOf(v).getUint32(0, true) : undefined;
    case 's32':
      return v.byteLength === 4 ? viewOf(v).getInt32(0, true) : undefined;
    case 'string':
      return readCString(v, 0, v.byteLength);
    case 'mac':
      return v.byteLength === 6 ? formatMac(v) : undefined;
    case 'ip':
      if (v.byteLength === 4) return formatIPv4(v);
      return v.byteLength === 16 ? formatIPv6(v) : undefined;
    default:
      return undefined;
  }
}

type Children = (type: number, start: number, end: number) => DescribedAttribute[] | undefined;

function describeAttributes(
  buf: Uint8Array,
  start: number,
  end: number,
  table: AttrTable,
  children?: Children,
): DescribedAttribute[] {
  const out: DescribedAttribute[] = [];
  forEachAttribute(buf, start, end, (type, vs, ve, rawType) => {
    const bytes = buf.subarray(vs, ve);
    const spec = table[type];
    const a: DescribedAttribute = {
      type,
      name: spec?.[0] ?? `UNKNOWN_${type}`,
      len: ve - vs + NLA_HDRLEN,
      hex: toHex(bytes),
    };
    const value = spec ? readValue(spec[1], bytes) : undefined;
    if (value !== undefined) a.value = value;
    const nested = children?.(type, vs, ve);
    if (nested) a.nested = nested;
    if (rawType & (NLA_F_NESTED | NLA_F_NET_BYTEORDER)) {
      a.nla_flags = [];
      if (rawType & NLA_F_NESTED) a.nla_flags.push('NLA_F_NESTED');
      if (rawType & NLA_F_NET_BYTEORDER) a.nla_flags.push('NLA_F_NET_BYTEORDER');
    }
    out.push(a);
  });
  return out;
}

function describeLinkInfo(buf: Uint8Array, start: number, end: number): DescribedAttribute[] {
  // IFLA_INFO_DATA is only understood once the kind is known, wherever the kind sits.
  let kind: string | undefined;
  forEachAttribute(buf, start, end, (type, vs, ve) => {
    if (type === IFLA_INFO_KIND && kind === undefined) kind = readCString(buf, vs, ve);
  });
  const tunnel = isTunnelKind(kind);
  return describeAttributes(buf, start, end, INFO_TABLE, (type, vs, ve) =>
    tunnel && type === IFLA_INFO_DATA ? describeAttributes(buf, vs, ve, EOIP_TABLE) : undefined,
  );
}

const linkChildren: (buf: Uint8Array) => Children = (buf) => (type, vs, ve) =>
  type === IFLA_LINKINFO ? describeLinkInfo(buf, vs, ve) : undefined;

function describeLink(bytes: Uint8Array, h: NetlinkHeader, out: DescribedMessage): void {
  const payload = h.length - NLMSG_HDRLEN;
  // As the kernel does for dumps: a GETLINK too short for ifinfomsg carries rtgenmsg.
  if (h.type === RTM_GETLINK && payload < IFINFOMSG_LEN) {
    if (payload < 1) throw new NetlinkParseError('RTM_GETLINK without rtgenmsg', NLMSG_HDRLEN);
    out.rtgenmsg = { rtgen_family: bytes[NLMSG_HDRLEN]! };
    out.attrs = describeAttributes(
      bytes,
      NLMSG_HDRLEN + RTGENMSG_LEN,
      h.length,
      IFLA_TABLE,
      linkChildren(bytes),
    );
    return;
  }
  if (payload < IFINFOMSG_LEN) {
    throw new NetlinkParseError(
      `link message payload of ${payload} bytes is shorter than ifinfomsg`,
      NLMSG_HDRLEN,
    );
  }
  const view = viewOf(bytes);
  const at = NLMSG_HDRLEN;
  const flags = view.getUint32(at + 8, true);
  out.ifinfomsg = {
    ifi_family: view.getUint8(at),
    ifi_type: view.getUint16(at + 2, true),
    ifi_index: view.getInt32(at + 4, true),
    ifi_flags: flags,
    ifi_flags_hex: `0x${flags.toString(16)}`,
    ifi_change: view.getUint32(at + 12, true),
  };
  out.attrs = describeAttributes(bytes, at + IFINFOMSG_LEN, h.length, IFLA_TABLE, linkChildren(bytes));
}

function describeExtAck(bytes: Uint8Array, start: number, end: number): DescribedExtAckTlv[] {
  return describeAttributes(bytes, start, end, EXT_ACK_TABLE).map((a) => {
    const t: DescribedExtAckTlv = { type: a.type, name: a.name, hex: a.hex };
    if (a.value !== undefined) t.value = a.value;
    if (a.nla_flags) t.nla_flags = a.nla_flags;
    return t;
  });
}

function describeError(bytes: Uint8Array, h: NetlinkHeader, out: DescribedMessage, depth: number): void {
  const errStart = NLMSG_HDRLEN;
  const reqStart = errStart + 4;
  if (h.length < reqStart + NLMSG_HDRLEN) {
    throw new NetlinkParseError(`NLMSG_ERROR of ${h.length} bytes is too short for nlmsgerr`, errStart);
  }
  const view = viewOf(bytes);
  const reqHeader = readHeader(view, reqStart);
  let request: DescribedMessage;
  let tlvStart: number;
  if (h.flags & NLM_F_CAPPED) {
    request = { nlmsghdr: describeHeader(reqHeader) };
    tlvStart = reqStart + NLMSG_HDRLEN;
  } else {
    if (reqHeader.length < NLMSG_HDRLEN || reqHeader.length > h.length - reqStart) {
      throw new NetlinkParseError(
        `echoed request length ${reqHeader.length} does not fit the error`,
        reqStart,
      );
    }
    request = describeEchoed(bytes.subarray(reqStart, reqStart + reqHeader.length), reqStart, depth + 1);
    tlvStart = reqStart + align4(reqHeader.length);
  }
  out.nlmsgerr = { ...errorCode(view.getInt32(errStart, true)), request };
  if (h.flags & NLM_F_ACK_TLVS) {
    if (tlvStart > h.length) {
      throw new NetlinkParseError('extended-ack attributes start past the message end', tlvStart);
    }
    out.ext_ack_tlvs = describeExtAck(bytes, tlvStart, h.length);
  }
}

/**
 * How many NLMSG_ERRORs deep an echoed request is described. The kernel
 * echoes a request inside its error, and a request may itself be an error
 * message, and so on: each level costs a stack frame, so past this depth the
 * input is refused (the kernel never nests more than two).
 */
export const MAX_DESCRIBE_DEPTH = 16;

/** Refusal of input nested deeper than {@link MAX_DESCRIBE_DEPTH}: not downgraded to raw hex. */
class NestedTooDeepError extends NetlinkParseError {}

// An echoed request is the sender's bytes, malformed or not: fall back to raw hex.
function describeEchoed(req: Uint8Array, at: number, depth: number): DescribedMessage {
  if (depth > MAX_DESCRIBE_DEPTH) {
    throw new NestedTooDeepError(
      `error messages echoed more than ${MAX_DESCRIBE_DEPTH} deep are not described`,
      at,
    );
  }
  try {
    return describeAt(req, depth);
  } catch (e) {
    if (!(e instanceof NetlinkParseError)) throw e;
    if (e instanceof NestedTooDeepError) {
      // Offsets count from the outermost message.
      throw new NestedTooDeepError(e.message.replace(/ \(at byte \d+\)$/, ''), e.offset + at);
    }
    return {
      nlmsghdr: describeHeader(readHeader(viewOf(req), 0)),
      payload_hex: toHex(req.subarray(NLMSG_HDRLEN)),
    };
  }
}

function describeDone(bytes: Uint8Array, h: NetlinkHeader, out: DescribedMessage): void {
  if (h.length - NLMSG_HDRLEN < 4) {
    if (h.length > NLMSG_HDRLEN) out.payload_hex = toHex(bytes.subarray(NLMSG_HDRLEN, h.length));
    return;
  }
  out.done = errorCode(viewOf(bytes).getInt32(NLMSG_HDRLEN, true));
  if (h.flags & NLM_F_ACK_TLVS) out.ext_ack_tlvs = describeExtAck(bytes, NLMSG_HDRLEN + 4, h.length);
}

/**
 * Describe one rtnetlink message as a JSON-able tree, in the shape of the
 * captured vectors' `decoded` / `request_decoded` fields.
 *
 * Link messages (RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK) get
 * `ifinfomsg` and `attrs`, with IFLA_LINKINFO opened and, for kinds `eoip` /
 * `eoipv6`, IFLA_INFO_DATA opened into IFLA_GRE_* / IFLA_EOIP_KA_*.
 * NLMSG_ERROR gets `nlmsgerr` (errno and the echoed request) and
 * `ext_ack_tlvs`; NLMSG_DONE gets `done`; other types keep their payload as hex.
 * An echoed request is described in turn, up to {@link MAX_DESCRIBE_DEPTH}
 * error messages deep; deeper input is refused, so that the work (and the
 * stack) stays bounded whatever the bytes.
 *
 * @param bytes exactly one message (trailing alignment padding is allowed)
 * @returns the described message; only plain objects, arrays, strings and numbers
 * @throws {@link NetlinkParseError} when the bytes are not one well-formed message, or
 *   nest error messages deeper than {@link MAX_DESCRIBE_DEPTH}
 * @example
 * ```ts
 * const req = buildCreateTunnelRequest(0, params, { name: 'eoip1' });
 * console.log(JSON.stringify(describeMessage(req), null, 2));
 * ```
 */
export function describeMessage(bytes: Uint8Array): DescribedMessage {
  return describeAt(bytes, 0);
}

/** {@link describeMessage} of a message echoed `depth` error messages deep. */
function describeAt(bytes: Uint8Array, depth: number): DescribedMessage {
  if (bytes.byteLength < NLMSG_HDRLEN) {
    throw new NetlinkParseError(`truncated netlink header: ${bytes.byteLength} of ${NLMSG_HDRLEN} bytes`, 0);
  }
  const h = readHeader(viewOf(bytes), 0);
  if (h.length < NLMSG_HDRLEN || h.length > bytes.byteLength) {
    throw new NetlinkParseError(`nlmsg_len ${h.length} does not fit the ${bytes.byteLength} bytes given`, 0);
  }
  if (bytes.byteLength > align4(h.length)) {
    throw new NetlinkParseError(
      `${bytes.byteLength - h.length} bytes follow the message: describe one message at a time`,
      h.length,
    );
  }
  const out: DescribedMessage = { nlmsghdr: describeHeader(h) };
  switch (h.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
    case RTM_GETLINK:
    case RTM_SETLINK:
      describeLink(bytes, h, out);
      break;
    case NLMSG_ERROR:
      describeError(bytes, h, out, depth);
      break;
    case NLMSG_DONE:
      describeDone(bytes, h, out);
      break;
    default:
      out.payload_hex = toHex(bytes.subarray(NLMSG_HDRLEN, h.length));
  }
  return out;
}
