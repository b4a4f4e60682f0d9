/** ApplyError: the failure of one step of an apply, with the plan as it stood. */
import { EoipError } from '../errors.js';
import type { ApplyResult, ApplyStep } from './types.js';

/**
 * A step of an apply was refused: the run stopped there. Steps before it
 * were applied (`done`), the failed one is `failed` (a failed `replace` with
 * `deleted: true` had already deleted the old tunnel), the rest `skipped`.
 * The kernel's error is the `cause`.
 *
 * @example
 * ```ts
 * try { await applyTunnels(desired); }
 * catch (e) {
 *   if (e instanceof ApplyError) console.error(formatPlan(e.plan), e.cause);
 * }
 * ```
 */
export class ApplyError extends EoipError {
  /** The plan, with every step's status. */
  readonly plan: ApplyResult;
  /** The step that failed. */
  readonly step: ApplyStep;

  /**
   * @param plan the plan with statuses
   * @param step the failed step
   * @param cause the error that stopped the run
   */
  constructor(plan: ApplyResult, step: ApplyStep, cause: unknown) {
    const applied = plan.steps.filter((s) => s.action !== 'unchanged' && s.status === 'done').length;
    const total = plan.steps.filter((s) => s.action !== 'unchanged').length;
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `apply: ${step.action} ${step.name} failed after ${applied} of ${total} changes were applied: ${why}`,
      'APPLY_FAILED',
      { cause },
    );
    this.plan = plan;
    this.step = step;
  }
}
