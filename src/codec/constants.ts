/**
 * Wire constants, named as the kernel names them (uapi/linux/netlink.h,
 * rtnetlink.h, if_link.h, if_tunnel.h, if.h and the eoip driver).
 * Kept in one place so that every other file speaks in names, not numbers.
 */

/** Netlink protocol number of rtnetlink. */
export const NETLINK_ROUTE = 0;

// --- nlmsghdr -------------------------------------------------------------
export const NLMSG_HDRLEN = 16;
/** Offsets of nlmsghdr's fields: u32 length, u16 type, u16 flags, u32 seq, u32 pid. */
export const NLMSG_TYPE_OFFSET = 4;
export const NLMSG_SEQ_OFFSET = 8;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;
// GET requests
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
// NEW requests
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
// ACK flags
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

// --- extended ack TLVs (enum nlmsgerr_attrs) -------------------------------
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;

// --- attribute header ------------------------------------------------------
export const NLA_HDRLEN = 4;
export const NLA_ALIGNTO = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

// --- rtnetlink message types -----------------------------------------------
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWROUTE = 24;
export const RTM_GETROUTE = 26;
export const RTM_NEWNSID = 88;
export const RTM_DELNSID = 89;
export const RTM_GETNSID = 90;

/** Multicast group of link events (RTNLGRP_LINK). */
export const RTNLGRP_LINK = 1;

// --- address families ------------------------------------------------------
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** Size of struct ifinfomsg. */
export const IFINFOMSG_LEN = 16;
/** Size of struct rtgenmsg (one byte, padded to 4 on the wire). */
export const RTGENMSG_LEN = 4;

// --- IFLA_* (enum in if_link.h) --------------------------------------------
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_MASTER = 10;
export const IFLA_TXQLEN = 13;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_GROUP = 27;
/** The link's free-text alias (`ip link set X alias ...`). */
export const IFLA_IFALIAS = 20;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_CARRIER = 33;
export const IFLA_STATS64 = 23;
export const IFLA_LINK_NETNSID = 37;
export const IFLA_IF_NETNSID = 46;
/** Same number as IFLA_IF_NETNSID; the newer kernel name. */
export const IFLA_TARGET_NETNSID = 46;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;

// --- IFLA_INFO_* -------------------------------------------------------------
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_XSTATS = 3;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;

// --- eoip IFLA_INFO_DATA (GRE numbering plus the driver's keepalive pair) ----
export const IFLA_GRE_LINK = 1;
export const IFLA_GRE_IKEY = 4;
export const IFLA_GRE_LOCAL = 6;
export const IFLA_GRE_REMOTE = 7;
export const IFLA_GRE_TTL = 8;
export const IFLA_GRE_TOS = 9;
export const IFLA_EOIP_KA_INTERVAL = 32;
export const IFLA_EOIP_KA_RETRIES = 33;

// --- RTEXT_FILTER_* for IFLA_EXT_MASK ----------------------------------------
export const RTEXT_FILTER_VF = 1 << 0;
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

// --- net device flags (if.h) -------------------------------------------------
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;
export const IFF_DORMANT = 0x20000;

// --- NETNSA_* (net namespace id messages) -----------------------------------
export const NETNSA_NSID = 1;
export const NETNSA_PID = 2;
export const NETNSA_FD = 3;
/** The kernel's "no id assigned" answer. */
export const NETNSA_NSID_NOT_ASSIGNED = -1;

// --- route messages (RTM_GETROUTE for local: 'auto') -------------------------
export const RTMSG_LEN = 12;
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_PREFSRC = 7;

/** Largest interface name, without the NUL (IFNAMSIZ - 1). */
export const IFNAMSIZ_MAX = 15;
