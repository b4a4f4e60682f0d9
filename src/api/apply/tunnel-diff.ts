/**
 * A canonical desired tunnel against the tunnel the kernel reports: the
 * per-field differences, how a change runs, the fields a create declares,
 * and the patch that applies a change.
 */
import { TUNNEL_FIELDS } from '../../codec/eoip.js';
import type { Tunnel } from '../../codec/types.js';
import { isTunnelField, paramSpec } from '../fields.js';
import type { DeclaredField, Difference, FieldDiff } from '../reconcile.js';
import type { TunnelPatch } from '../types.js';
import type { Canonical } from './canonical.js';

/** Compare a canonical desired tunnel with the tunnel as the kernel reports it. */
export function diffTunnel(want: Canonical, cur: Tunnel): Difference {
  const diffs = diffTunnelParams(want, cur);
  if (cur.kind !== want.kind) return { diffs, replace: true };
  const phases = changePhases(cur, diffs);
  return phases ? { diffs, phases } : { diffs };
}

/** The fields of `cur` that differ from `want`, in declaration order (link attributes only when wanted). */
function diffTunnelParams(want: Canonical, cur: Tunnel): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const add = (field: string, from: unknown, to: unknown) => {
    if (from !== to) diffs.push({ field, from, to });
  };
  add('kind', cur.kind, want.kind);
  // A parameter the driver does not report (keepalive before 2.x) has nothing to compare.
  for (const f of TUNNEL_FIELDS) {
    const e = paramSpec(f);
    if (e.reported(cur[f]) && !e.same(cur[f], want[f])) diffs.push({ field: f, from: cur[f], to: want[f] });
  }
  if (want.mtu !== undefined) add('mtu', cur.mtu, want.mtu);
  if (want.address !== undefined) add('address', cur.address?.toLowerCase(), want.address);
  if (want.master !== undefined) add('master', cur.master ?? 0, want.master);
  if (want.up !== undefined) add('up', cur.up, want.up);
  return diffs;
}

/**
 * Fields the kernel changes only while the interface is down (EBUSY when
 * up): the name, the MAC, and any tunnel parameter the table says so of.
 */
const DOWN_ONLY_FIELDS = new Set<string>([
  'name',
  'address',
  ...TUNNEL_FIELDS.filter((f) => !paramSpec(f).changeWhileUp),
]);

/**
 * How a change of `cur` runs: an up tunnel whose name or MAC address changes
 * is set down, changed, and set up again (not when it is to end down);
 * undefined: in one request.
 */
export function changePhases(cur: Tunnel, diffs: readonly FieldDiff[]): string[] | undefined {
  if (!cur.up || !diffs.some((d) => DOWN_ONLY_FIELDS.has(d.field))) return undefined;
  const staysDown = diffs.some((d) => d.field === 'up' && d.to === false);
  return staysDown ? ['down', 'change'] : ['down', 'change', 'up'];
}

/** Every field a create of `want` declares, with its canonical value. */
export function describeTunnel(want: Canonical): DeclaredField[] {
  const out: DeclaredField[] = [{ field: 'kind', value: want.kind }];
  for (const f of TUNNEL_FIELDS) out.push({ field: f, value: want[f] });
  if (want.mtu !== undefined) out.push({ field: 'mtu', value: want.mtu });
  if (want.address !== undefined) out.push({ field: 'address', value: want.address });
  if (want.master !== undefined) out.push({ field: 'master', value: want.master });
  if (want.up !== undefined) out.push({ field: 'up', value: want.up });
  return out;
}

/** The patch that changes a tunnel by `diffs` (canonical values: `link`/`master` 0 = none). */
export function patchTunnelParams(diffs: FieldDiff[]): TunnelPatch {
  const p: TunnelPatch = {};
  const fields = p as Record<string, unknown>;
  for (const { field, to } of diffs) {
    // A canonical parameter is a valid patch value (link 0 = none).
    if (isTunnelField(field)) fields[field] = to;
    else if (field === 'master') p.master = to === 0 ? null : (to as number);
    else if (field === 'mtu' || field === 'address' || field === 'up') fields[field] = to;
  }
  return p;
}
