/**
 * What `eoip` prints: the reference list line, the detail line, the JSON
 * shape of a tunnel and the dry-run object. Pure functions of their inputs.
 */
import { paramSpec, TUNNEL_FIELDS, type TunnelField } from '../api/fields.js';
import { formatTunnelLine } from '../api/format.js';
import type { LinkStats, OperState, Tunnel, TunnelKind, TunnelParams } from '../api/types.js';

/**
 * The tunnel parameters of a {@link TunnelJson}: every field of the
 * parameter table under its library name, of its `TunnelParams` type, as its
 * table entry's `json` gives it: `tunnelId`, `local` (`0.0.0.0` / `::` =
 * any), `remote`, `link` (ifindex, 0 = none), `ttl` (0 = inherit), `tos`,
 * `keepalive` (`{ interval: 0, retries: 0 }` = off; null when the driver
 * does not report it).
 */
export type TunnelParamsJson = { [F in TunnelField]: TunnelParams[F] };

/**
 * A tunnel as `eoip -j` prints it. Every field is always present (`null` when
 * unknown or not set), in this order: `index`, `name`, `kind`, the tunnel
 * parameters in table order ({@link TunnelParamsJson}), then `mtu` to
 * `stats` as below. The names are those of the library's `Tunnel` type.
 * Documented in docs/cli.md.
 */
export interface TunnelJson extends TunnelParamsJson {
  /** ifindex. */
  index: number;
  /** Interface name. */
  name: string;
  /** `eoip` or `eoipv6`. */
  kind: TunnelKind;
  /** MTU. */
  mtu: number | null;
  /** MAC address. */
  address: string | null;
  /** Administratively up. */
  up: boolean;
  /** Carrier present (running). */
  running: boolean;
  /** RFC 2863 operational state. */
  operState: OperState;
  /** ifindex of the bridge/bond it is enslaved to. */
  master: number | null;
  /** Name of that master, when it could be read. */
  masterName: string | null;
  /** Counters; null when not read. */
  stats: LinkStats | null;
}

/**
 * The JSON object of one tunnel.
 * @param masterName the name of `t.master`, when known
 */
export function tunnelToJson(t: Tunnel, masterName?: string | null): TunnelJson {
  const params: Partial<Record<TunnelField, unknown>> = {};
  for (const f of TUNNEL_FIELDS) params[f] = paramSpec(f).json(t[f]);
  return {
    index: t.index,
    name: t.name,
    kind: t.kind,
    ...(params as TunnelParamsJson),
    mtu: t.mtu ?? null,
    address: t.address ?? null,
    up: t.up,
    running: t.running,
    operState: t.operState,
    master: t.master !== undefined && t.master !== 0 ? t.master : null,
    masterName: t.master !== undefined && t.master !== 0 ? (masterName ?? null) : null,
    stats: t.stats ? { ...t.stats } : null,
  };
}

/** JSON text of a value: one line, or indented by two spaces when `pretty`. Ends with a newline. */
export function toJsonText(value: unknown, pretty: boolean): string {
  return `${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`;
}

/**
 * RouterOS-style flag of a tunnel: `X` disabled (administratively down),
 * `R` running (up with carrier), `-` up without carrier (e.g. keepalive lost).
 */
export function runningFlag(t: Pick<Tunnel, 'up' | 'running'>): 'X' | 'R' | '-' {
  if (!t.up) return 'X';
  return t.running ? 'R' : '-';
}

/**
 * The detail line `eoip list detail` prints under a tunnel's list line
 * (indented by four spaces), e.g.
 * `    flags=R mtu=1458 mac-address=02:00:5e:10:00:01 master=br0 keepalive=10s,10 rx-byte=0 tx-byte=0 rx-packet=0 tx-packet=0`.
 * `master` is the name when known, else the ifindex, `none` when not enslaved;
 * `keepalive` is `none`, `<interval>s,<retries>`, or `unknown` (old drivers);
 * counters appear only when the kernel reported them.
 *
 * @param masterName the name of `t.master`, when known
 */
export function formatDetailLine(t: Tunnel, masterName?: string | null): string {
  const parts = [`flags=${runningFlag(t)}`];
  parts.push(`mtu=${t.mtu ?? 'unknown'}`);
  parts.push(`mac-address=${t.address ?? 'none'}`);
  const master = t.master !== undefined && t.master !== 0 ? (masterName ?? String(t.master)) : 'none';
  parts.push(`master=${master}`);
  const ka = t.keepalive;
  parts.push(
    `keepalive=${ka === null ? 'unknown' : ka.interval === 0 ? 'none' : `${ka.interval}s,${ka.retries}`}`,
  );
  if (t.stats) {
    parts.push(
      `rx-byte=${t.stats.rxBytes}`,
      `tx-byte=${t.stats.txBytes}`,
      `rx-packet=${t.stats.rxPackets}`,
      `tx-packet=${t.stats.txPackets}`,
    );
  }
  return `    ${parts.join(' ')}`;
}

/**
 * The whole `eoip list` output: one reference line per tunnel in the order
 * given (the kernel's), each followed by its detail line when `detail`.
 * Empty string for no tunnels; otherwise ends with a newline.
 *
 * @param masterNames names of master ifindexes (for detail)
 */
export function formatList(
  tunnels: readonly Tunnel[],
  detail = false,
  masterNames?: ReadonlyMap<number, string>,
): string {
  let out = '';
  for (const t of tunnels) {
    out += `${formatTunnelLine(t)}\n`;
    if (detail)
      out += `${formatDetailLine(t, t.master !== undefined ? masterNames?.get(t.master) : undefined)}\n`;
  }
  return out;
}
