/**
 * What users pass to and get back from the tunnel API.
 */
import type { Keepalive, LinkStats, OperState, Tunnel, TunnelKind, TunnelParams } from '../codec/types.js';

export type { Keepalive, LinkStats, OperState, Tunnel, TunnelKind, TunnelParams };

/**
 * Keepalive as users may write it:
 * - `{ interval, retries }`;
 * - `'none'` (off: 0,0);
 * - a number of seconds, meaning retries 10 (the reference tool's and RouterOS's default).
 */
export type KeepaliveInput = Keepalive | 'none' | number;

/** An interface given by name (`'eth0'`) or ifindex (`2`). */
export type LinkRef = string | number;

/**
 * Each tunnel parameter as a spec or a patch takes it: optional, of the type
 * the kernel reports. {@link TunnelSpec} and {@link TunnelPatch} extend it
 * (and redeclare the parameters users write differently: an interface by
 * name, keepalive's short forms, `'auto'`), so a parameter added to
 * {@link TunnelParams} is accepted by both.
 */
export type TunnelParamInputs = { [K in keyof Omit<TunnelParams, 'kind' | 'unknown'>]?: TunnelParams[K] };

/** The parameters {@link TunnelSpec} and {@link TunnelPatch} declare themselves (required, or written differently). */
type WrittenDifferently = 'tunnelId' | 'remote' | 'local' | 'link' | 'keepalive';

/**
 * Everything `createTunnel` accepts. Only `tunnelId` and `remote` are
 * required. Only the object's own properties count (inherited ones are
 * ignored); an unknown field is refused.
 */
export interface TunnelSpec extends Omit<TunnelParamInputs, WrittenDifferently> {
  /** Tunnel id: 0..65535 for eoip, 0..4095 for eoipv6. Must match the RouterOS side's `tunnel-id`. */
  tunnelId: number;
  /** Remote address. An IPv6 address makes an `eoipv6` tunnel. */
  remote: string;
  /**
   * Local address; omitted = any (`0.0.0.0` / `::`). `'auto'` asks the kernel
   * which source address it would use to reach `remote`.
   */
  local?: string;
  /** Interface name (1..15 bytes); omitted = the kernel picks `eoip0`, `eoip1`, … / `eoipv60`, …. */
  name?: string;
  /** Underlying device (name or ifindex); omitted = none. */
  link?: LinkRef;
  /** Keepalive; omitted = off. See {@link KeepaliveInput}. */
  keepalive?: KeepaliveInput;
  /** MTU 68..65535; omitted = the driver's default (path MTU minus 42 / 56). */
  mtu?: number;
  /**
   * MAC address `aa:bb:cc:dd:ee:ff` (unicast, non-zero); omitted = random.
   * `'auto'` derives a stable locally administered MAC from kind, tunnel id and remote.
   */
  address?: string;
  /** Bridge (or bond) to enslave the tunnel to, by name or ifindex. */
  master?: LinkRef;
  /** Bring the interface up at creation. */
  up?: boolean;
}

/**
 * What `changeTunnel` may change: only the fields given change, everything
 * else keeps its current value (the library reads the current state first).
 * Only the object's own properties count; an unknown field is refused.
 */
export interface TunnelPatch extends Omit<TunnelParamInputs, WrittenDifferently> {
  /** Rename the interface. */
  name?: string;
  /** New tunnel id. */
  tunnelId?: number;
  /** New local address (`'auto'` resolves it from the route to the remote). */
  local?: string;
  /** New remote address (same address family as the tunnel). */
  remote?: string;
  /** New underlying device; `0` or `null` = none. */
  link?: LinkRef | null;
  /** New keepalive. */
  keepalive?: KeepaliveInput;
  /** New MTU. */
  mtu?: number;
  /** New MAC address (`'auto'` as in {@link TunnelSpec.address}). */
  address?: string;
  /** New master; `null` releases the tunnel from its bridge. */
  master?: LinkRef | null;
  /** Bring the interface up (true) or down (false). */
  up?: boolean;
}

/**
 * A network namespace to act in, without the process entering it:
 * a name under `/run/netns`, a path to a namespace file (`/proc/<pid>/ns/net`)
 * of 1..4095 bytes without NUL (not `.` or `..`), or a process id
 * 1..4194304 whose namespace to use.
 */
export type NetnsRef = string | number;

/**
 * Options every operation accepts. Options are checked before anything is
 * opened, sent or spawned: a bad value, an unknown key or options that are
 * not an object reject with InvalidArgumentError naming the option. Only own
 * properties count.
 */
export interface OperationOptions {
  /** Abort the operation; it rejects with {@link AbortedError}. Must be an AbortSignal. */
  signal?: AbortSignal;
  /**
   * Milliseconds before the operation rejects with {@link TimeoutError}
   * (default 10 000): an integer 0..2147483647, 0 = none.
   */
  timeout?: number;
}

/** Options of {@link listTunnels}. */
export interface ListTunnelsOptions extends OperationOptions {
  /** Only this kind; default both. */
  kind?: TunnelKind;
  /** Only the tunnel with this name. */
  name?: string;
  /** Read counters too (costs time on hosts with many links). Default true. */
  stats?: boolean;
}
