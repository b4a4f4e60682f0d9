/**
 * Running an apply: check the desired list, read the current tunnels, plan
 * the steps with the kind-agnostic engine of reconcile.ts, and run them.
 */
import type { Tunnel } from '../../codec/types.js';
import { EoipClient } from '../client.js';
import { NotATunnelError } from '../errors.js';
import { executeSteps, planSteps } from '../reconcile.js';
import type { OperationOptions as Op } from '../types.js';
import { APPLY_OPTIONS, APPLY_RUN_OPTIONS, checkOptions, operationOptions } from '../validate.js';
import { canonicalize, checkIdentities } from './canonical.js';
import { runChange } from './change.js';
import { type CheckedDesired, checkDesiredList } from './check-desired.js';
import { ApplyError } from './error.js';
import { countSteps } from './plan-text.js';
import { describeTunnel, diffTunnel } from './tunnel-diff.js';
import type { ApplyOptions, ApplyResult, ApplyRunOptions, DesiredTunnel } from './types.js';

/**
 * The namespace's tunnels by name, plus a tunnel the dump did not list that
 * holds a desired name. A desired name held by another kind of interface is
 * refused here, before anything is changed.
 */
async function readCurrent(
  client: EoipClient,
  items: CheckedDesired[],
  op: Op,
): Promise<Map<string, Tunnel>> {
  const tunnels = await client.listTunnels({ ...op, stats: false });
  const current = new Map<string, Tunnel>(tunnels.map((t) => [t.name, t]));
  for (const { spec } of items) {
    if (current.has(spec.name)) continue;
    const link = await client.getLink(spec.name, op);
    if (!link) continue;
    if (link.tunnel) current.set(spec.name, link.tunnel);
    else throw new NotATunnelError(spec.name, link.linkInfo?.kind);
  }
  return current;
}

/**
 * {@link applyTunnels} over a client you already hold (its namespace is used).
 *
 * @param client - the client to read and change tunnels through; it stays open
 * @param desired - every tunnel wanted, each with a unique `name` (see {@link DesiredTunnel})
 * @param opts - `prune` (delete tunnels not listed, default false), `dryRun` (plan only,
 *   default false), `timeout` in ms per request (default: the client's, else 10 000; 0 = none), `signal`
 * @throws {@link InvalidArgumentError} before anything is sent: an invalid spec or option,
 *   a missing name, a duplicate name, a `link`/`master` that does not exist,
 *   or two tunnels that would share (local, remote, tunnelId, link)
 *   (the field is named like `tunnels[3].tunnelId`)
 * @throws {@link NotATunnelError} before anything is sent, when a desired name is
 *   held by an interface of another kind
 * @throws {@link DumpInterruptedError} before anything is sent, when the tunnel list kept changing while it was read
 * @throws {@link KernelError} before anything is sent, when the kernel refuses to list the tunnels
 * @throws {@link TimeoutError} before anything is sent, when reading the state took longer than the timeout
 * @throws {@link AbortedError} before anything is sent, when `opts.signal` aborts while the state is read
 * @throws {@link SocketClosedError} before anything is sent, when the client is closed while the state is read
 * @throws {@link ApplyError} when a step was refused, timed out or aborted: it carries the plan with each
 *   step's status, and the step's error (e.g. a {@link KernelError}) as its `cause`
 *
 * @example
 * ```ts
 * const client = await EoipClient.open();
 * try {
 *   const r = await applyTunnelsWith(client, [{ name: 'hq', tunnelId: 100, remote: '198.51.100.7' }]);
 *   console.log(formatPlan(r));
 * } finally {
 *   client.close();
 * }
 * ```
 */
export async function applyTunnelsWith(
  client: EoipClient,
  desired: readonly DesiredTunnel[],
  opts: ApplyRunOptions = {},
): Promise<ApplyResult> {
  opts = checkOptions(opts, APPLY_RUN_OPTIONS);
  const items = checkDesiredList(desired, false);
  const op = operationOptions(opts);
  const canon = await canonicalize(client, items, op);
  const current = await readCurrent(client, items, op);
  checkIdentities(canon, current, opts.prune === true);
  const wanted = new Map<string, DesiredTunnel>(items.map(({ spec }) => [spec.name, spec]));
  const steps = planSteps(
    wanted,
    current,
    {
      diff: (_d, cur, name) => diffTunnel(canon.get(name)!, cur),
      describe: (_d, name) => describeTunnel(canon.get(name)!),
    },
    { prune: opts.prune === true },
  );
  const counts = countSteps(steps);
  const changed = steps.some((s) => s.action !== 'unchanged');
  if (opts.dryRun) return { steps, dryRun: true, changed, counts };
  const run = await executeSteps(
    steps,
    {
      create: (d) => client.createTunnel(d, op),
      change: (_d, cur, diffs) => runChange(client, cur, diffs, op),
      delete: (cur) => client.deleteTunnel(cur.index, op),
      // Pruned tunnels go together, behind one kernel wait.
      deleteMany: (items) =>
        client.deleteTunnels(
          items.map((i) => i.current.index),
          op,
        ),
    },
    opts.signal ? { signal: opts.signal } : {},
  );
  const result: ApplyResult = { steps: run.steps, dryRun: false, changed, counts };
  if (run.failed) throw new ApplyError(result, run.failed, run.error);
  return result;
}

/**
 * Bring the namespace's tunnels to `desired`, matched by name: create the
 * missing, change the different (a change of address family deletes and
 * re-creates), leave the equal alone, and with `prune` delete the tunnels
 * not listed. Deletes run first, then changes and replaces, then creates;
 * the first refusal stops the run. Running it twice gives an all-`unchanged`
 * plan.
 *
 * Tunnel parameters are declared in full (omitted = the create default:
 * local any, link none, ttl 0, tos 0, keepalive off); `mtu`, `address`,
 * `master` and `up` are enforced only when given. Values are compared
 * canonically: IPv6 compression, `link`/`master` names resolved to ifindexes,
 * keepalive `10` = `{ interval: 10, retries: 10 }`.
 *
 * @param desired - every tunnel wanted, each with a unique `name` (see {@link DesiredTunnel})
 * @param opts - `prune` (delete tunnels not listed, default false), `dryRun` (plan only, default false),
 *   `netns` (default the process's own), `timeout` in ms per request (default 10 000, 0 = none), `signal`
 * @throws {@link InvalidArgumentError} before anything is sent: a bad option, or a tunnel list
 *   {@link applyTunnelsWith} refuses
 * @throws {@link NotATunnelError} before anything is sent, when a desired name is held by an interface of another kind
 * @throws {@link SocketError} when no socket can be opened, or the namespace cannot be opened
 * @throws {@link DumpInterruptedError}, {@link KernelError}, {@link TimeoutError}, {@link AbortedError}
 *   before anything is sent, when the state cannot be read (see {@link applyTunnelsWith})
 * @throws {@link ApplyError} when a step was refused (with the plan and which steps were applied)
 *
 * @example
 * ```ts
 * import { applyTunnels, formatPlan } from 'eoip-netlink';
 * const plan = await applyTunnels(
 *   [
 *     { name: 'eoip-hq', tunnelId: 100, local: '192.0.2.1', remote: '198.51.100.7', keepalive: 10 },
 *     { name: 'eoip-lab', tunnelId: 7, remote: '2001:db8::7', mtu: 1400, up: true },
 *   ],
 *   { prune: true, dryRun: true },
 * );
 * console.log(formatPlan(plan));
 * ```
 */
export async function applyTunnels(
  desired: readonly DesiredTunnel[],
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  opts = checkOptions(opts, APPLY_OPTIONS);
  // The list too, before the namespace is opened (applyTunnelsWith checks it again).
  checkDesiredList(desired, false);
  const { netns, ...run } = opts;
  const client = await EoipClient.open({
    ...(netns !== undefined ? { netns } : {}),
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
  });
  try {
    return await applyTunnelsWith(client, desired, run);
  } finally {
    client.close();
  }
}
