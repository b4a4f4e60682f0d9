/**
 * A kind-agnostic reconcile engine: compare desired items (keyed by name)
 * with the current ones, make a plan of steps, and carry it out in a safe
 * order, stopping at the first failure. What an item is, how two are
 * compared and how one is created, changed or deleted is passed in, so the
 * same engine serves eoip tunnels (`applyTunnels`) and, in tests, any
 * other link kind.
 */

/** What a step does. */
export type StepAction = 'create' | 'change' | 'replace' | 'delete' | 'unchanged';

/**
 * Where a step stands:
 * - `planned`: not run (a dry run, or not yet executed);
 * - `done`: applied (an `unchanged` step is `done` once the run starts: nothing was needed);
 * - `failed`: the step was tried and refused; the run stopped there;
 * - `skipped`: not tried because an earlier step failed.
 */
export type StepStatus = 'planned' | 'done' | 'failed' | 'skipped';

/** One field that differs: its current value (`from`) and the desired one (`to`). */
export interface FieldDiff {
  /** The field, e.g. `ttl`, `keepalive`, `mtu`. */
  field: string;
  /** The current value; `undefined` for a create. */
  from: unknown;
  /** The desired value. */
  to: unknown;
}

/** What a comparison of a desired and a current item found. */
export interface Difference {
  /** The fields that differ, in a stable order; empty when the item is as desired. */
  diffs: FieldDiff[];
  /**
   * True when the differences cannot be applied in place (e.g. a change of
   * address family): the item is deleted and created again.
   */
  replace?: boolean;
  /**
   * For a change that runs in several requests: their names in order, e.g.
   * `['down', 'change', 'up']` for a change the kernel makes only while the
   * interface is down. Copied to the step ({@link PlanStep.phases}).
   */
  phases?: string[];
}

/** One step of a plan. */
export interface PlanStep<D, C> {
  /** What the step does. */
  action: StepAction;
  /** The item's name. */
  name: string;
  /**
   * The differences: for `change` and `replace` the fields that differ; for
   * `create` every declared field (with `from` undefined); empty for `delete`
   * and `unchanged`.
   */
  diffs: FieldDiff[];
  /** Where the step stands. */
  status: StepStatus;
  /** The desired item (every action but `delete`). */
  desired?: D;
  /** The current item (every action but `create`). */
  current?: C;
  /** Why the step failed (status `failed`). */
  error?: unknown;
  /**
   * For a `replace` that failed: true when its delete had already been
   * applied (the old item is gone and the new one was not created).
   */
  deleted?: boolean;
  /**
   * For a `change` that runs in several requests: their names in order
   * (e.g. `['down', 'change', 'up']`); absent for a change in one request.
   */
  phases?: string[];
}

/** One declared field of an item to create. */
export interface DeclaredField {
  /** The field's name. */
  field: string;
  /** Its declared value. */
  value: unknown;
}

/** How to compare and describe items, for {@link planSteps}. */
export interface PlanFunctions<D, C> {
  /**
   * Compare a desired item with the current item of the same name.
   * @param desired - the item as wanted
   * @param current - the item as it is now
   * @param name - the name both go by
   * @returns the fields that differ, and whether they need a replace
   */
  diff(desired: D, current: C, name: string): Difference;
  /**
   * The declared fields of an item to create, shown as the create step's
   * diffs (`from` undefined). Without it a create step has no diffs.
   * @param desired - the item to create
   * @param name - its name
   */
  describe?(desired: D, name: string): DeclaredField[];
}

/** What the engine needs to read, compare and change items of one kind. */
export interface ReconcileAdapter<D, C> extends PlanFunctions<D, C> {
  /** The current items by name (only those the engine may manage: `prune` deletes any of them not desired). */
  list(): Promise<ReadonlyMap<string, C>>;
  /**
   * Create an item; a rejection fails its step and stops the run.
   * @param desired - the item to create
   * @param name - its name
   */
  create(desired: D, name: string): Promise<unknown>;
  /**
   * Change an item in place, given the differences found; a rejection fails its step and stops the run.
   * @param desired - the item as wanted
   * @param current - the item as it was listed
   * @param diffs - the fields that differ, as {@link ReconcileAdapter.diff} found them
   * @param name - the item's name
   */
  change(desired: D, current: C, diffs: FieldDiff[], name: string): Promise<unknown>;
  /**
   * Delete an item; a rejection fails its step and stops the run.
   * @param current - the item as it was listed
   * @param name - its name
   */
  delete(current: C, name: string): Promise<unknown>;
  /**
   * Delete several items together (optional): when present, the plan's
   * deletes (two or more) go through one call instead of one `delete` each.
   * One result per item, in order, like `Promise.allSettled`; throwing means
   * none was deleted.
   * @param items - the items to delete, each as it was listed with its name, in plan order
   */
  deleteMany?(items: ReadonlyArray<{ current: C; name: string }>): Promise<PromiseSettledResult<unknown>[]>;
}

/** Options of {@link planSteps}. */
export interface PlanOptions {
  /** Delete current items that are not desired. Default false: they are left alone and not listed. */
  prune?: boolean;
}

/** Options of {@link reconcile}. */
export interface ReconcileOptions extends PlanOptions {
  /** Plan only: every step stays `planned` and no create/change/delete function is called. */
  dryRun?: boolean;
  /** Stop before the next step once aborted (the step being run fails with the signal's reason). */
  signal?: AbortSignal;
}

/** The plan after a run: every step with its status, and the error that stopped the run. */
export interface ReconcileResult<D, C> {
  /** Every step, in the order they run (see {@link planSteps}). */
  steps: PlanStep<D, C>[];
  /** The step that failed, when one did. */
  failed?: PlanStep<D, C>;
  /** Why the run stopped, when a step failed. */
  error?: unknown;
}

/**
 * Make the plan, without side effects. Steps come in the order they run:
 * deletes first (so names and identities they hold are free), then changes
 * and replaces (a replace deletes, then creates), then creates; `unchanged`
 * steps close the list. Within a group, desired items keep their given order
 * and deletes follow the order of `current`. Every step starts `planned`.
 *
 * @example
 * ```ts
 * const steps = planSteps(new Map([['a', 1]]), new Map([['a', 2], ['b', 3]]), {
 *   diff: (d, c) => ({ diffs: d === c ? [] : [{ field: 'value', from: c, to: d }] }),
 * }, { prune: true });
 * // [{ action: 'delete', name: 'b', ... }, { action: 'change', name: 'a', diffs: [{ field: 'value', from: 2, to: 1 }], ... }]
 * ```
 *
 * @param desired - the items wanted, by name
 * @param current - the items there now, by name
 * @param fns - how to compare two items (and describe one to create)
 * @param opts - `prune`: delete current items that are not desired (default false)
 * @throws whatever `fns.diff` or `fns.describe` throws
 */
export function planSteps<D, C>(
  desired: ReadonlyMap<string, D>,
  current: ReadonlyMap<string, C>,
  fns: PlanFunctions<D, C>,
  opts: PlanOptions = {},
): PlanStep<D, C>[] {
  const deletes: PlanStep<D, C>[] = [];
  const changes: PlanStep<D, C>[] = [];
  const creates: PlanStep<D, C>[] = [];
  const unchanged: PlanStep<D, C>[] = [];
  if (opts.prune) {
    for (const [name, cur] of current) {
      if (!desired.has(name))
        deletes.push({ action: 'delete', name, diffs: [], status: 'planned', current: cur });
    }
  }
  for (const [name, want] of desired) {
    if (!current.has(name)) {
      const diffs = (fns.describe?.(want, name) ?? []).map(({ field, value }) => ({
        field,
        from: undefined,
        to: value,
      }));
      creates.push({ action: 'create', name, diffs, status: 'planned', desired: want });
      continue;
    }
    const cur = current.get(name) as C;
    const d = fns.diff(want, cur, name);
    const step: PlanStep<D, C> = {
      action: d.replace ? 'replace' : d.diffs.length > 0 ? 'change' : 'unchanged',
      name,
      diffs: d.diffs,
      status: 'planned',
      desired: want,
      current: cur,
    };
    if (d.phases && step.action === 'change') step.phases = [...d.phases];
    (step.action === 'unchanged' ? unchanged : changes).push(step);
  }
  return [...deletes, ...changes, ...creates, ...unchanged];
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/**
 * Run planned steps in their order, stopping at the first failure: that
 * step becomes `failed` (with its error), the ones after it `skipped`, the
 * ones before it stay `done`. Never throws for a failing step: the result
 * says what happened. `unchanged` steps become `done` at once.
 *
 * With `adapter.deleteMany`, the deletes (which come first) run together:
 * each gets its own status, and if any failed (`failed` is the first of
 * them) the run stops after them.
 *
 * The steps are updated in place and also returned.
 *
 * @param steps - the plan, as {@link planSteps} made it; updated in place
 * @param adapter - the functions that create, change and delete items
 * @param opts - `signal`: stop before the next step once aborted (default none)
 */
export async function executeSteps<D, C>(
  steps: PlanStep<D, C>[],
  adapter: Pick<ReconcileAdapter<D, C>, 'create' | 'change' | 'delete' | 'deleteMany'>,
  opts: { signal?: AbortSignal } = {},
): Promise<ReconcileResult<D, C>> {
  for (const s of steps) if (s.action === 'unchanged') s.status = 'done';
  const result: ReconcileResult<D, C> = { steps };
  const together = adapter.deleteMany ? steps.filter((s) => s.action === 'delete') : [];
  if (together.length >= 2) await deleteTogether(together, adapter.deleteMany!, result, opts.signal);
  else together.length = 0;
  for (const step of steps) {
    if (step.action === 'unchanged' || together.includes(step)) continue;
    if (result.failed) {
      step.status = 'skipped';
      continue;
    }
    try {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      await runStep(step, adapter);
      step.status = 'done';
    } catch (e) {
      step.status = 'failed';
      step.error = e;
      result.failed = step;
      result.error = e;
    }
  }
  return result;
}

async function deleteTogether<D, C>(
  deletes: PlanStep<D, C>[],
  deleteMany: NonNullable<ReconcileAdapter<D, C>['deleteMany']>,
  result: ReconcileResult<D, C>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const fail = (step: PlanStep<D, C>, e: unknown) => {
    step.status = 'failed';
    step.error = e;
    if (!result.failed) {
      result.failed = step;
      result.error = e;
    }
  };
  let outcomes: PromiseSettledResult<unknown>[];
  try {
    if (signal?.aborted) throw abortReason(signal);
    outcomes = await deleteMany(deletes.map((s) => ({ current: s.current as C, name: s.name })));
  } catch (e) {
    // Nothing was deleted: the first delete carries the error, the others never ran.
    fail(deletes[0]!, e);
    for (const s of deletes.slice(1)) s.status = 'skipped';
    return;
  }
  for (const [i, step] of deletes.entries()) {
    const r = outcomes[i];
    if (r?.status === 'fulfilled') step.status = 'done';
    else fail(step, r ? r.reason : new Error('no result for this delete'));
  }
}

async function runStep<D, C>(
  step: PlanStep<D, C>,
  adapter: Pick<ReconcileAdapter<D, C>, 'create' | 'change' | 'delete'>,
): Promise<void> {
  switch (step.action) {
    case 'delete':
      await adapter.delete(step.current as C, step.name);
      return;
    case 'change':
      await adapter.change(step.desired as D, step.current as C, step.diffs, step.name);
      return;
    case 'create':
      await adapter.create(step.desired as D, step.name);
      return;
    case 'replace':
      await adapter.delete(step.current as C, step.name);
      step.deleted = true;
      await adapter.create(step.desired as D, step.name);
      delete step.deleted;
      return;
    case 'unchanged':
      return;
  }
}

/**
 * Read the current items, plan, and (unless `dryRun`) apply the plan.
 *
 * @example
 * ```ts
 * const r = await reconcile(new Map([['vx1', { vni: 10 }]]), vxlanAdapter, { prune: true });
 * if (r.failed) console.error(`${r.failed.action} ${r.failed.name} failed`, r.error);
 * ```
 *
 * @param desired - the items wanted, by name
 * @param adapter - how to list, compare, create, change and delete items of the kind
 * @param opts - `prune` (default false), `dryRun` (plan only, default false), `signal`
 * @throws whatever `adapter.list`, `adapter.diff` or `adapter.describe` throws (nothing was changed);
 *   a failing step is reported in the result instead
 */
export async function reconcile<D, C>(
  desired: ReadonlyMap<string, D>,
  adapter: ReconcileAdapter<D, C>,
  opts: ReconcileOptions = {},
): Promise<ReconcileResult<D, C>> {
  const current = await adapter.list();
  const steps = planSteps(desired, current, adapter, opts.prune !== undefined ? { prune: opts.prune } : {});
  if (opts.dryRun) return { steps };
  return executeSteps(steps, adapter, opts.signal ? { signal: opts.signal } : {});
}
