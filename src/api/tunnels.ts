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
 *
 * @param spec - the tunnel to create: `remote` and `tunnelId` at least (see {@link TunnelSpec})
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `netns` (default the process's own)
 * @throws {@link InvalidArgumentError} before anything is opened or sent, for bad input; also for a
 *   `link` or `master` that does not exist, or `local: 'auto'` without a route
 * @throws {@link KindNotAvailableError} when the eoip module is not loaded
 * @throws {@link TunnelExistsError} when the name or the (local, remote, id, link) tuple is taken
 * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
 * @throws {@link KernelError} for any other refusal, with errno and hint
 * @throws {@link TimeoutError} when the kernel did not answer in time (sent: may or may not have been applied)
 * @throws {@link AbortedError} when `opts.signal` aborts (after sending: may or may not have been applied)
 * @throws {@link SocketError} when no socket can be opened, the namespace cannot be opened, or the socket fails
 * @throws {@link EoipError} with code `READ_BACK` when the tunnel was created but could not be read back
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
 *
 * See {@link EoipClient.changeTunnel}: a refused change is undone.
 *
 * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
 * @param patch - the fields to change (see {@link TunnelPatch}); the rest keeps its value
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `netns` (default the process's own)
 * @throws {@link InvalidArgumentError} before anything is opened or sent, for a bad target, field or
 *   option; also for a `link` or `master` that does not exist, or `local: 'auto'` without a route
 * @throws {@link LinkNotFoundError} when no interface is `target`
 * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
 * @throws {@link TunnelExistsError} when the new name, or the new (local, remote, id, link) tuple, is taken
 * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
 * @throws {@link KernelError} for any other refusal (e.g. EBUSY for a rename or MAC change of an up tunnel)
 * @throws {@link TimeoutError} when the kernel did not answer in time (sent: may or may not have been applied)
 * @throws {@link AbortedError} when `opts.signal` aborts (after sending: may or may not have been applied)
 * @throws {@link SocketError} when no socket can be opened, the namespace cannot be opened, or the
 *   socket fails
 * @throws {@link PermissionError} also when the process may not enter `netns` (setns needs CAP_SYS_ADMIN)
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

/**
 * The tunnel with this name or ifindex; `undefined` when no such interface exists.
 * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `netns` (default the process's own)
 * @throws {@link InvalidArgumentError} before anything is opened or sent, for a bad target or option
 * @throws {@link NotATunnelError} when the interface is not an eoip/eoipv6 tunnel
 * @throws {@link KernelError} when the kernel refuses the request
 * @throws {@link TimeoutError} when the kernel did not answer within the timeout
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketError} when no socket can be opened, the namespace cannot be opened, or the socket fails
 */
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
 *
 * @param opts - `kind` (default both), `name` (only that tunnel), `stats` (counters, default true),
 *   `timeout` in ms (default 10 000, 0 = none), `signal`, `netns` (default the process's own)
 * @throws {@link InvalidArgumentError} before anything is opened or sent, for a bad option
 * @throws {@link DumpInterruptedError} when the link list kept changing while it was read
 * @throws {@link KernelError} when the kernel refuses the request
 * @throws {@link TimeoutError} when the kernel did not answer within the timeout
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketError} when no socket can be opened, the namespace cannot be opened, or the socket fails
 */
export function listTunnels(opts?: ListTunnelsOptions & OneShotOptions): Promise<Tunnel[]> {
  return withClient(opts, ONE_SHOT_LIST_OPTIONS, noCheck, (c, o) => c.listTunnels(o));
}

/**
 * Delete a tunnel by name or ifindex (refuses interfaces of other kinds).
 * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `netns` (default the process's own)
 * @throws {@link InvalidArgumentError} before anything is opened or sent, for a bad target or option
 * @throws {@link LinkNotFoundError} when no interface is `target`
 * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
 * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
 * @throws {@link KernelError} for any other refusal
 * @throws {@link TimeoutError} when the kernel did not answer in time (the tunnel may be gone)
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketError} when no socket can be opened, the namespace cannot be opened, or the socket fails
 */
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
 *
 * @param targets - tunnel names (1..15 bytes) or ifindexes (1..2147483647)
 * @param opts - `timeout` in ms per request (default 10 000, 0 = none), `signal`, `netns` (default the process's own)
 * @returns one settled result per target, in order: a missing one is a {@link LinkNotFoundError},
 *   another kind a {@link NotATunnelError}
 * @throws {@link InvalidArgumentError} before anything is opened or sent, for a bad target or option
 * @throws {@link DumpInterruptedError} when the link list kept changing while it was read
 * @throws {@link KernelError} when the kernel refuses to list the links
 * @throws {@link TimeoutError} when reading the link list took longer than the timeout
 * @throws {@link AbortedError} when `opts.signal` aborted before the link list was read
 * @throws {@link SocketError} when no socket can be opened, the namespace cannot be opened, or the socket fails
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

/**
 * Check and build a create request without sending it (a dry run).
 * @param spec - the tunnel to create: `remote` and `tunnelId` at least (see {@link TunnelSpec})
 * @param opts - `timeout` in ms for the lookups (default 10 000, 0 = none), `signal`, `netns`
 * @throws {@link InvalidArgumentError} for a bad field or option, a `link` or `master` that does
 *   not exist, or `local: 'auto'` without a route
 * @throws {@link KernelError} when the kernel refuses a lookup
 * @throws {@link TimeoutError} when a lookup got no answer within the timeout
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketError} when no socket can be opened or the namespace cannot be opened
 */
export function planCreateTunnel(spec: TunnelSpec, opts?: OneShotOptions): Promise<PlannedRequest> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkTunnelSpec(spec),
    (c, o) => c.planCreateTunnel(spec, o),
  );
}

/**
 * Check and build a change request without sending it (a dry run; reads the current state).
 * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
 * @param patch - the fields to change (see {@link TunnelPatch}); the rest keeps its value
 * @param opts - `timeout` in ms for the lookups (default 10 000, 0 = none), `signal`, `netns`
 * @throws {@link InvalidArgumentError} for a bad target, field or option, a `link` or `master`
 *   that does not exist, or `local: 'auto'` without a route
 * @throws {@link LinkNotFoundError} when no interface is `target`
 * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
 * @throws {@link TimeoutError} when a lookup got no answer within the timeout
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketError} when no socket can be opened, or the namespace cannot be opened
 * @throws {@link PermissionError} when the process may not enter `netns` (setns needs CAP_SYS_ADMIN)
 */
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

/**
 * Check and build a delete request without sending it (a dry run).
 * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
 * @param opts - `timeout` in ms for the lookup (default 10 000, 0 = none), `signal`, `netns`
 * @throws {@link InvalidArgumentError} for a bad target or option
 * @throws {@link LinkNotFoundError} when no interface is `target`
 * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
 * @throws {@link TimeoutError} when the lookup got no answer within the timeout
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketError} when no socket can be opened or the namespace cannot be opened
 */
export function planDeleteTunnel(target: TunnelTarget, opts?: OneShotOptions): Promise<PlannedRequest> {
  return withClient(
    opts,
    ONE_SHOT_OPTIONS,
    () => checkLinkRef('target', target),
    (c, o) => c.planDeleteTunnel(target, o),
  );
}
