/**
 * The reference tool's `list` line: scripts parse it, so it is reproduced
 * to the character. After its head, each tunnel parameter prints its
 * segment of the parameter table (`line`), by rank.
 */
import type { TunnelParams } from '../codec/types.js';
import { paramSpec, TUNNEL_FIELDS, type TunnelField } from './fields.js';

/** What {@link formatTunnelLine} needs: the tunnel parameters plus ifindex and name. */
export interface TunnelLineInput extends TunnelParams {
  /** ifindex. */
  index: number;
  /** Interface name. */
  name: string;
}

/** A segment of the list line after its head. */
interface Segment {
  /** The parameter it prints. */
  readonly field: TunnelField;
  /** Its place: segments print by rising rank. */
  readonly rank: number;
  /** The segment's text for the parameter's value; undefined: none. */
  readonly text: (v: unknown) => string | undefined;
}

/** The list line's segments after its head, by rising rank: every parameter's that has one. */
const SEGMENTS: readonly Segment[] = TUNNEL_FIELDS.flatMap((field): Segment[] => {
  const place = paramSpec(field).line;
  return place === 'head' ? [] : [{ field, rank: place.rank, text: place.text as Segment['text'] }];
}).sort((a, b) => a.rank - b.rank);

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
  let line = `${t.index}: ${t.name}@${t.link}: link/${t.kind}`;
  for (const { field, text } of SEGMENTS) {
    const segment = text(t[field]);
    if (segment !== undefined) line += ` ${segment}`;
  }
  return line;
}
