/**
 * Small link requests written straight into one buffer: the link-group ones
 * (bulk deletes send one group move per link, a hot path) and the refused
 * RTM_GETLINK a socket uses to show the kernel a large read.
 */
import {
  IFINFOMSG_LEN,
  IFLA_GROUP,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
} from './constants.js';
import { checkAttributeLength, NetlinkEncodeError } from './encode-error.js';
import { writeHeader } from './header.js';
import { carve } from './slab.js';

/** nlmsghdr + ifinfomsg + one u32 attribute. */
const LEN = NLMSG_HDRLEN + IFINFOMSG_LEN + 8;

function groupMessage(type: number, seq: number, index: number, group: number): Uint8Array {
  // DataView setters would wrap these silently: another link, another group.
  if (!Number.isInteger(index) || index < 0 || index > 0x7fffffff) {
    throw new NetlinkEncodeError('ifindex', `${index} is not an integer 0..2147483647`);
  }
  if (!Number.isInteger(group) || group < 0 || group > 0xffffffff) {
    throw new NetlinkEncodeError('IFLA_GROUP', `${group} is not an integer 0..4294967295`);
  }
  const m = carve(LEN); // zero-filled: family, type, flags and change stay 0
  const v = new DataView(m.buffer, m.byteOffset, LEN);
  writeHeader(v, 0, { length: LEN, type, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 });
  v.setInt32(NLMSG_HDRLEN + 4, index, true);
  const at = NLMSG_HDRLEN + IFINFOMSG_LEN;
  v.setUint16(at, 8, true);
  v.setUint16(at + 2, IFLA_GROUP, true);
  v.setUint32(at + 4, group >>> 0, true);
  return m;
}

/** RTM_NEWLINK moving the link `index` into link group `group` (nothing else changes). */
export function buildSetGroupRequest(seq: number, index: number, group: number): Uint8Array {
  return groupMessage(RTM_NEWLINK, seq, index, group);
}

/**
 * RTM_DELLINK of every link in group `group` (ifindex 0, no name). The
 * kernel checks every member first and deletes none if one cannot be
 * deleted (EOPNOTSUPP); ENODEV when the group is empty.
 */
export function buildDeleteGroupRequest(seq: number, group: number): Uint8Array {
  return groupMessage(RTM_DELLINK, seq, 0, group);
}

/** An attribute type RTM_GETLINK does not know (above IFLA_MAX for years to come). */
const UNKNOWN_ATTR = 0x3fff;

/**
 * RTM_GETLINK of `size` bytes with ifindex 0, no name and one attribute of an
 * unknown type filling the rest: the kernel refuses it (EINVAL) before
 * looking anything up, and its NLMSG_ERROR echoes all `size` bytes back.
 */
export function buildRefusedGetLinkRequest(seq: number, size: number): Uint8Array {
  const at = NLMSG_HDRLEN + IFINFOMSG_LEN;
  if (!Number.isInteger(size) || size < at + 4) {
    throw new NetlinkEncodeError('message', `${size} bytes: an integer, at least ${at + 4}`);
  }
  checkAttributeLength(UNKNOWN_ATTR, size - at);
  const m = new Uint8Array(size);
  const v = new DataView(m.buffer);
  writeHeader(v, 0, { length: size, type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 });
  // ifinfomsg: all zero. Then the attribute.
  v.setUint16(at, size - at, true);
  v.setUint16(at + 2, UNKNOWN_ATTR, true);
  return m;
}
