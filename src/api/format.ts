/**
 * The reference tool's `list` line: scripts parse it, so it is reproduced
 * to the character.
 */
import type { TunnelParams } from '../codec/types.js';

/** What {@link formatTunnelLine} needs: the tunnel parameters plus ifindex and name. */
export interface TunnelLineInput extends TunnelParams {
  /** ifindex. */
  index: number;
  /** Interface name. */
  name: string;
}

/**
 * Format a tunnel exactly as the reference `eoip list` prints it:
 * `<ifindex>: <name>@<link>: link/<kind> <local> remote <remote> tunnel-id <id> ttl <ttl> tos <tos>`
 * followed by ` keepalive none` (interval 0), ` keepalive <interval>,<retries>`,
 * or nothing when the driver does not report keepalive.
 *
 * @example
 * ```ts
 * formatTunnelLine(tunnel);
 * // '7: eoip1234@0: link/eoip 203.0.113.50 remote 198.51.100.11 tunnel-id 1234 ttl 0 tos 0 keepalive 10,10'
 * ```
 *
 * @param t - the tunnel, e.g. a {@link Tunnel} from {@link listTunnels}; `link` is printed as its ifindex
 */
export function formatTunnelLine(t: TunnelLineInput): string {
  let line = `${t.index}: ${t.name}@${t.link}: link/${t.kind} ${t.local} remote ${t.remote} tunnel-id ${t.tunnelId} ttl ${t.ttl} tos ${t.tos}`;
  if (t.keepalive) {
    line +=
      t.keepalive.interval === 0
        ? ' keepalive none'
        : ` keepalive ${t.keepalive.interval},${t.keepalive.retries}`;
  }
  return line;
}
