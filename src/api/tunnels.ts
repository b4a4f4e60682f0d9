/**
 * One-shot functions: each opens a client, runs one operation and closes it.
 * For many operations, keep one {@link EoipClient} open instead.
 */
import type { Tunnel } from '../codec/types.js';
import { type FieldTable, fieldTable } from '../transport/check.js';
import { EoipClient, type PlannedRequest, type TunnelTarget } from './client.js';
import type { ListTunnelsOptions, NetnsRef, OperationOptions, TunnelPatch, TunnelSpec } from './types.js';
import {
  checkLinkRef,
  checkOptions,
  checkTargets,
  checkTunnelSpec,
  LIST_TUNNELS_OPTIONS,
  ONE_SHOT_OPTIONS,
  precheckTunnelPatch,
} from './validate.js';

/** Options of the one-shot listTunnels. */
const ONE_SHOT_LIST_OPTIONS: FieldTable = fieldTable(LIST_TUNNELS_OPTIONS, ONE_SHOT_OPTIONS);

/**
 * Options of the one-shot functions: an operation's options plus the
 * namespace to act in. Every option is checked before anything is opened,
 * sent or spawned (InvalidArgumentError naming it); unknown keys are refused
 * and inherited properties ignored.
 */
export interface OneShotOptions extends OperationOptions {
  /** Act in this network namespace (a name under /run/netns, a path, or a pid 1..4194304). */
  netns?: NetnsRef;
}

/**
 * Check `opts` against `table` and the input with `check` (before the
 * namespace is opened), open a client (in `netns`), run, close; `run` gets
 * the other options.
 */
async function withClient<T, O extends OneShotOptions>(
  opts: O | undefined,
  table: FieldTable,
  check: () => unknown,
  run: (c: EoipClient, rest: Omit<O, 'netns'>) => Promise<T>,
): Promise<T> {
  const { netns, ...rest } = checkOptions<O>(opts, table);
  check();
  const client = await EoipClient.open(netns !== undefined ? { netns } : {});
  try {
    return await run(client, rest);
  } finally {
    client.close();
  }
}

function noCheck(): void {}

/** A change's target and patch, checked as far as they can be without the tunnel's kind. */
function checkChange(target: TunnelTarget, patch: TunnelPatch): void {
  checkLinkRef('target', target);
  precheckTunnelPatch(patch);
}

/**
 * Create an EoIP (IPv4 remote) or EoIPv6 (IPv6 remote) tunnel.
 *
 * @example
 * ```ts
 * import { createTunnel } from 'eoip-netlink';
 * const t = await createTunnel({ name: 'eoip-hq', tunnelId: 100, local: '192.0.2.1', remote: '198.51.100.7', keepalive: 10, up: true });
 * console.log(t.index, t.mtu); // e.g. 7 1458
 * ```
 */
export function createTunnel(spec: TunnelSpec, opts?: OneShotOptions): Promise<Tunnel> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkTunnelSpec(spec),
    (c, o) => c.createTunnel(spec, o),
  );
}

/**
 * Change only the fields in `patch`; the rest keeps its current value.
 *
 * @example
 * ```ts
 * await changeTunnel('eoip-hq', { ttl: 64, keepalive: { interval: 10, retries: 3 } });
 * ```
 */
export function changeTunnel(
  target: TunnelTarget,
  patch: TunnelPatch,
  opts?: OneShotOptions,
): Promise<Tunnel> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkChange(target, patch),
    (c, o) => c.changeTunnel(target, patch, o),
  );
}

/** The tunnel with this name or ifindex; `undefined` when no such interface exists. */
export function getTunnel(target: TunnelTarget, opts?: OneShotOptions): Promise<Tunnel | undefined> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkLinkRef('target', target),
    (c, o) => c.getTunnel(target, o),
  );
}

/**
 * Every eoip/eoipv6 tunnel, ordered by ifindex.
 *
 * @example
 * ```ts
 * for (const t of await listTunnels({ kind: 'eoip' })) console.log(formatTunnelLine(t));
 * ```
 */
export function listTunnels(opts?: ListTunnelsOptions & OneShotOptions): Promise<Tunnel[]> {
  return withClient(opts, ONE_SHOT_LIST_OPTIONS, noCheck, (c, o) => c.listTunnels(o));
}

/** Delete a tunnel by name or ifindex (refuses interfaces of other kinds). */
export function deleteTunnel(target: TunnelTarget, opts?: OneShotOptions): Promise<void> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkLinkRef('target', target),
    (c, o) => c.deleteTunnel(target, o),
  );
}

/**
 * Delete many tunnels at once; one result per target, in order (see
 * {@link EoipClient.deleteTunnels}).
 *
 * @example
 * ```ts
 * const results = await deleteTunnels(['eoip-a', 'eoip-b', 'eoip-c']);
 * results.forEach((r, i) => { if (r.status === 'rejected') console.error(i, r.reason.message); });
 * ```
 */
export function deleteTunnels(
  targets: readonly TunnelTarget[],
  opts?: OneShotOptions,
): Promise<PromiseSettledResult<void>[]> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkTargets(targets),
    (c, o) => c.deleteTunnels(targets, o),
  );
}

/** Check and build a create request without sending it (a dry run). */
export function planCreateTunnel(spec: TunnelSpec, opts?: OneShotOptions): Promise<PlannedRequest> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkTunnelSpec(spec),
    (c, o) => c.planCreateTunnel(spec, o),
  );
}

/** Check and build a change request without sending it (a dry run; reads the current state). */
export function planChangeTunnel(
  target: TunnelTarget,
  patch: TunnelPatch,
  opts?: OneShotOptions,
): Promise<PlannedRequest> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkChange(target, patch),
    (c, o) => c.planChangeTunnel(target, patch, o),
  );
}

/** Check and build a delete request without sending it (a dry run). */
export function planDeleteTunnel(target: TunnelTarget, opts?: OneShotOptions): Promise<PlannedRequest> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkLinkRef('target', target),
    (c, o) => c.planDeleteTunnel(target, o),
  );
}
