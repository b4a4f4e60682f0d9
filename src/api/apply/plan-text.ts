/**
 * The readable diff of an apply plan (formatPlan), and the step counts and
 * error text it shares with the run. Pure: no I/O.
 */
import { isTunnelField, paramSpec } from '../fields.js';
import type { PlanStep, StepAction, StepStatus } from '../reconcile.js';

/** How many steps of each action `steps` has. */
export function countSteps(steps: readonly { action: StepAction }[]): Record<StepAction, number> {
  const counts: Record<StepAction, number> = { create: 0, change: 0, replace: 0, delete: 0, unchanged: 0 };
  for (const s of steps) counts[s.action]++;
  return counts;
}

/** An error's message (or the thrown value as text). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function formatValue(field: string, v: unknown): string {
  if (v === undefined) return '-';
  // A tunnel parameter prints as the parameter table says (link 0: none, keepalive 10,10).
  if (isTunnelField(field)) return paramSpec(field).text(v);
  if (field === 'master' && v === 0) return 'none';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const SIGN: Record<StepAction, string> = {
  create: '+',
  change: '~',
  replace: '-/+',
  delete: '-',
  unchanged: '=',
};

/**
 * A readable diff of a plan, one line per step, then a count line:
 *
 * ```text
 * - delete e3
 * ~ change e2: ttl 0 -> 64, keepalive none -> 10,10
 * -/+ replace e5: kind eoip -> eoipv6, remote 10.0.0.2 -> fd00::2
 * + create e1: kind eoip, tunnelId 7, local 10.0.0.1, remote 10.0.0.2, link none, ttl 0, tos 0, keepalive none
 * = unchanged e4
 * 1 to create, 1 to change, 1 to replace, 1 to delete, 1 unchanged
 * ```
 *
 * A change that runs in several requests ends with them, e.g. an up
 * tunnel's new MAC: `~ change e2: address … -> … (down, change, up)`.
 *
 * That is a plan (every step `planned`). After a successful run the count
 * line reads `1 created, 1 changed, …`. When a step failed, every step that
 * changes something ends with its status (`[done]`, `[failed: …]`,
 * `[skipped]`) and the count line says how many were applied. Pure: no I/O.
 *
 * @param plan - an {@link ApplyResult} (or an {@link ApplyError}'s `plan`), or a bare list of steps
 */
export function formatPlan(
  plan:
    | { steps: readonly PlanStep<unknown, unknown>[]; dryRun?: boolean }
    | readonly PlanStep<unknown, unknown>[],
): string {
  const steps: readonly PlanStep<unknown, unknown>[] = Array.isArray(plan)
    ? plan
    : (plan as { steps: readonly PlanStep<unknown, unknown>[] }).steps;
  // A result says whether it ran; a bare list of steps is judged by their statuses.
  const ran = Array.isArray(plan)
    ? steps.some((s) => s.status !== 'planned')
    : (plan as { dryRun?: boolean }).dryRun === false || steps.some((s) => s.status !== 'planned');
  const showStatus = steps.some((s) => s.status === 'failed' || s.status === 'skipped');
  const lines = steps.map((s) => stepLine(s, showStatus));
  lines.push(countLine(steps, showStatus, ran));
  return lines.join('\n');
}

/** One step's line of {@link formatPlan}; `showStatus`: end a mutating step with its status. */
function stepLine(s: PlanStep<unknown, unknown>, showStatus: boolean): string {
  let line = `${SIGN[s.action]} ${s.action} ${s.name}`;
  if (s.action === 'create') {
    if (s.diffs.length)
      line += `: ${s.diffs.map((d) => `${d.field} ${formatValue(d.field, d.to)}`).join(', ')}`;
  } else if (s.diffs.length) {
    line += `: ${s.diffs.map((d) => `${d.field} ${formatValue(d.field, d.from)} -> ${formatValue(d.field, d.to)}`).join(', ')}`;
  }
  if (s.phases) line += ` (${s.phases.join(', ')})`;
  if (showStatus && s.action !== 'unchanged') line += ` [${statusText(s)}]`;
  return line;
}

/** The last line of {@link formatPlan}: what was applied (after a failure), done (after a run) or planned. */
function countLine(steps: readonly PlanStep<unknown, unknown>[], showStatus: boolean, ran: boolean): string {
  const n = countSteps(steps);
  if (showStatus) {
    const mutating = steps.filter((s) => s.action !== 'unchanged');
    const done = mutating.filter((s) => s.status === 'done').length;
    return `${done} of ${mutating.length} changes applied, ${n.unchanged} unchanged`;
  }
  if (ran) {
    return `${n.create} created, ${n.change} changed, ${n.replace} replaced, ${n.delete} deleted, ${n.unchanged} unchanged`;
  }
  return `${n.create} to create, ${n.change} to change, ${n.replace} to replace, ${n.delete} to delete, ${n.unchanged} unchanged`;
}

function statusText(s: { status: StepStatus; error?: unknown; deleted?: boolean }): string {
  if (s.status !== 'failed') return s.status;
  return `failed${s.deleted ? ' after deleting' : ''}: ${errorText(s.error)}`;
}
