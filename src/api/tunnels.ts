/**
 * One-shot functions: each opens a client, runs one operation and closes it.
 * For many operations, keep one {@link EoipClient} open instead.
 */
import type { Tunnel } from '../codec/types.js';
import { EoipClient, type PlannedRequest, type TunnelTarget } from './client.js';
import type { ListTunnelsOptions, NetnsRef, OperationOptions, TunnelPatch, TunnelSpec } from './types.js';

/** Options of the one-shot functions: an operation's options plus the namespace to act in. */
export interface OneShotOptions extends OperationOptions {
  /** Act in this network namespace (a name under /run/netns, a path, or a pid). */
  netns?: NetnsRef;
}

async function withClient<T>(
  opts: OneShotOptions | undefined,
  run: (c: EoipClient) => Promise<T>,
): Promise<T> {
  const client = await EoipClient.open(opts?.netns !== undefined ? { netns: opts.netns } : {});
  try {
    return await run(client);
  } finally {
    client.close();
  }
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
  return withClient(opts, (c) => c.createTunnel(spec, opts));
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
  return withClient(opts, (c) => c.changeTunnel(target, patch, opts));
}

/** The tunnel with this name or ifindex; `undefined` when no such interface exists. */
export function getTunnel(target: TunnelTarget, opts?: OneShotOptions): Promise<Tunnel | undefined> {
  return withClient(opts, (c) => c.getTunnel(target, opts));
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
  return withClient(opts, (c) => c.listTunnels(opts));
}

/** Delete a tunnel by name or ifindex (refuses interfaces of other kinds). */
export function deleteTunnel(target: TunnelTarget, opts?: OneShotOptions): Promise<void> {
  return withClient(opts, (c) => c.deleteTunnel(target, opts));
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
  return withClient(opts, (c) => c.deleteTunnels(targets, opts));
}

/** Check and build a create request without sending it (a dry run). */
export function planCreateTunnel(spec: TunnelSpec, opts?: OneShotOptions): Promise<PlannedRequest> {
  return withClient(opts, (c) => c.planCreateTunnel(spec, opts));
}

/** Check and build a change request without sending it (a dry run; reads the current state). */
export function planChangeTunnel(
  target: TunnelTarget,
  patch: TunnelPatch,
  opts?: OneShotOptions,
): Promise<PlannedRequest> {
  return withClient(opts, (c) => c.planChangeTunnel(target, patch, opts));
}

/** Check and build a delete request without sending it (a dry run). */
export function planDeleteTunnel(target: TunnelTarget, opts?: OneShotOptions): Promise<PlannedRequest> {
  return withClient(opts, (c) => c.planDeleteTunnel(target, opts));
}
