/**
 * The public shapes of an apply: the desired tunnel, the options, and the
 * plan it returns.
 */
import type { Tunnel } from '../../codec/types.js';
import type { PlanStep, StepAction } from '../reconcile.js';
import type { NetnsRef, OperationOptions, TunnelSpec } from '../types.js';

/**
 * One tunnel of the desired state: a {@link TunnelSpec} whose `name` is
 * required (apply matches tunnels by name).
 *
 * Tunnel parameters (`tunnelId`, `local`, `remote`, `link`, `ttl`, `tos`,
 * `keepalive`) are declared in full: an omitted one means its create default
 * (local any, link none, ttl 0, tos 0, keepalive off), and an existing tunnel
 * with another value is changed back to it. Link attributes (`mtu`,
 * `address`, `master`, `up`) are enforced only when given.
 */
export interface DesiredTunnel extends TunnelSpec {
  /** Interface name (1..15 bytes): the key apply matches existing tunnels by. */
  name: string;
}

/** Options of {@link applyTunnelsWith}. */
export interface ApplyRunOptions extends OperationOptions {
  /**
   * Delete every eoip/eoipv6 tunnel of the namespace that is not in the
   * desired list (including unnamed ones the kernel named `eoip0`, …).
   * Default false: other tunnels are left alone.
   */
  prune?: boolean;
  /** Plan only: read the current state, return every step as `planned`, send no change. */
  dryRun?: boolean;
}

/** Options of {@link applyTunnels}: those of {@link applyTunnelsWith} plus the namespace to act in. */
export interface ApplyOptions extends ApplyRunOptions {
  /** Act in this network namespace (a name under /run/netns, a path, or a pid). */
  netns?: NetnsRef;
}

/**
 * One step of an apply plan. `desired` is the {@link DesiredTunnel} as given,
 * `current` the tunnel as the kernel reported it before the run; `diffs`
 * carry canonical values (addresses compressed, `link`/`master` as ifindex
 * with 0 = none, keepalive as `{ interval, retries }`).
 */
export type ApplyStep = PlanStep<DesiredTunnel, Tunnel>;

/** What {@link applyTunnels} returns (and {@link ApplyError} carries). */
export interface ApplyResult {
  /** Every step in the order it runs: deletes, changes and replaces, creates, then unchanged. */
  steps: ApplyStep[];
  /** True when this was a dry run (every step `planned`). */
  dryRun: boolean;
  /**
   * True when something was changed (after a run) or would be (dry run):
   * at least one step is not `unchanged`.
   */
  changed: boolean;
  /** How many steps of each action the plan has. */
  counts: Record<StepAction, number>;
}
