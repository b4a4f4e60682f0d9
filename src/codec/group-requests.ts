/**
 * Requests about link groups (IFLA_GROUP), written straight into one buffer:
 * bulk deletes send one group move per link, so these are on a hot path.
 */
import {
  IFINFOMSG_LEN,
  IFLA_GROUP,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  RTM_DELLINK,
  RTM_NEWLINK,
} from './constants.js';
import { carve } from './slab.js';

/** nlmsghdr + ifinfomsg + one u32 attribute. */
const LEN = NLMSG_HDRLEN + IFINFOMSG_LEN + 8;

function groupMessage(type: number, seq: number, index: number, group: number): Uint8Array {
  const m = carve(LEN); // zero-filled: family, type, flags and change stay 0
  const v = new DataView(m.buffer, m.byteOffset, LEN);
  v.setUint32(0, LEN, true);
  v.setUint16(4, type, true);
  v.setUint16(6, NLM_F_REQUEST | NLM_F_ACK, true);
  v.setUint32(8, seq, true);
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
