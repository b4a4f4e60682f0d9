/**
 * Decoded shapes the codec produces. Wire names (IFLA_*) stay in the codec;
 * these use the names users see.
 */
import type { RawAttribute } from './attributes.js';

/** The two link kinds of the eoip driver: IPv4 (`eoip`) and IPv6 (`eoipv6`). */
export type TunnelKind = 'eoip' | 'eoipv6';

/** Keepalive settings: send every `interval` seconds, drop carrier after `retries` misses. */
export interface Keepalive {
  /** Seconds between keepalives, 0..3600; 0 = keepalive off. */
  interval: number;
  /** Missed keepalives before carrier drops, 0..255; 0 = send-only (carrier stays up). */
  retries: number;
}

/** The tunnel parameters carried in IFLA_INFO_DATA. */
export interface TunnelParams {
  /** `eoip` (IPv4) or `eoipv6` (IPv6). */
  kind: TunnelKind;
  /** Tunnel id: 0..65535 for eoip, 0..4095 for eoipv6. Must match the RouterOS side. */
  tunnelId: number;
  /** Local address (`0.0.0.0` / `::` = any). */
  local: string;
  /** Remote address. */
  remote: string;
  /** ifindex of the underlying device, 0 = none. */
  link: number;
  /** TTL / hop limit 0..255; 0 = inherit (the default). */
  ttl: number;
  /** TOS / traffic class 0..255 (default 0). */
  tos: number;
  /** Keepalive as the driver reports it; `null` when the driver does not report it (drivers before 2.x). */
  keepalive: Keepalive | null;
  /**
   * IFLA_INFO_DATA attributes this version does not know (a newer driver's),
   * kept as they came. Encoding sends them back unchanged after the known
   * ones, so a change made by this version does not reset them. Absent when there are none.
   */
  unknown?: RawAttribute[];
}

/** RFC 2863 operational state, as in IFLA_OPERSTATE. */
export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';

/** The main interface counters (from IFLA_STATS64). */
export interface LinkStats {
  /** Packets received. */
  rxPackets: number;
  /** Packets sent. */
  txPackets: number;
  /** Bytes received. */
  rxBytes: number;
  /** Bytes sent. */
  txBytes: number;
  /** Receive errors. */
  rxErrors: number;
  /** Transmit errors. */
  txErrors: number;
  /** Received packets dropped. */
  rxDropped: number;
  /** Packets dropped on transmit. */
  txDropped: number;
  /** Multicast packets received. */
  multicast: number;
  /** Collisions. */
  collisions: number;
}

/** IFLA_LINKINFO contents. */
export interface LinkInfo {
  /** IFLA_INFO_KIND, e.g. `eoip`, `vxlan`, `bridge`. */
  kind?: string;
  /** IFLA_INFO_DATA, raw (decoded into {@link LinkMessage.tunnel} for eoip kinds). */
  data?: Uint8Array;
  /** IFLA_INFO_SLAVE_KIND, e.g. `bridge` for a bridge port. */
  slaveKind?: string;
}

/**
 * One RTM_NEWLINK / RTM_DELLINK message, decoded. Unknown attributes are kept raw.
 *
 * Memory: `unknown` and `linkInfo.data` are views into the bytes the message
 * came in, which it keeps alive. A message from a dump or `getLink` shares a
 * 64 KiB receive block with the messages received with it; one from a
 * watcher (`watchLinks`) holds only its own bytes, since a watcher keeps each
 * link's last message for as long as the link does not change. To keep many
 * dumped links for a long time, keep the fields you need rather than the messages.
 */
export interface LinkMessage {
  /** nlmsg_type: RTM_NEWLINK (16) or RTM_DELLINK (17). */
  messageType: number;
  /** nlmsg_flags (e.g. NLM_F_MULTI, NLM_F_DUMP_FILTERED). */
  messageFlags: number;
  /** nlmsg_seq. */
  seq: number;
  /** ifi_family. */
  family: number;
  /** ifi_type: ARPHRD_* (1 = Ethernet). */
  deviceType: number;
  /** ifi_index. */
  index: number;
  /** ifi_flags: IFF_* bits. */
  flags: number;
  /** ifi_change. */
  change: number;
  /** IFLA_IFNAME. */
  name?: string;
  /** IFLA_MTU. */
  mtu?: number;
  /** IFLA_MIN_MTU. */
  minMtu?: number;
  /** IFLA_MAX_MTU. */
  maxMtu?: number;
  /** IFLA_ADDRESS as `aa:bb:..`. */
  address?: string;
  /** IFLA_BROADCAST as `ff:ff:..`. */
  broadcast?: string;
  /** IFLA_LINK: ifindex of the lower device. */
  link?: number;
  /** IFLA_MASTER: ifindex of the bridge/bond this link is enslaved to. */
  master?: number;
  /** IFLA_OPERSTATE. */
  operState?: OperState;
  /** IFLA_CARRIER. */
  carrier?: boolean;
  /** IFLA_TXQLEN. */
  txQueueLength?: number;
  /** IFLA_LINK_NETNSID: namespace id of IFLA_LINK's device, when it lives elsewhere. */
  linkNetnsId?: number;
  /** IFLA_STATS64. */
  stats?: LinkStats;
  /** IFLA_LINKINFO. */
  linkInfo?: LinkInfo;
  /** For kinds `eoip` / `eoipv6`: the tunnel, decoded. */
  tunnel?: Tunnel;
  /** Top-level attributes this decoder does not interpret, kept as they came. */
  unknown: RawAttribute[];
}

/** An EoIP/EoIPv6 tunnel as the kernel reports it. */
export interface Tunnel extends TunnelParams {
  /** ifindex. */
  index: number;
  /** Interface name. */
  name: string;
  /** MTU (the driver's default is the path MTU minus 42 for eoip, 56 for eoipv6). */
  mtu?: number;
  /** MAC address, `aa:bb:cc:dd:ee:ff`. */
  address?: string;
  /** ifi_flags (IFF_* bits). */
  flags: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Carrier present (IFF_RUNNING): with keepalive on, false means the peer went silent. */
  running: boolean;
  /** Operational state. */
  operState: OperState;
  /** ifindex of the bridge/bond it is enslaved to, if any. */
  master?: number;
  /** IFLA_CARRIER, when reported. */
  carrier?: boolean;
  /** Counters, when reported. */
  stats?: LinkStats;
}
