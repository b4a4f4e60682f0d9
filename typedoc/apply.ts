/**
 * Declarative apply: bring a namespace to the tunnels a file or list declares, and the kind-agnostic reconcile engine under it.
 *
 * @module Apply
 */
export {
  ApplyError,
  type ApplyFileFormat,
  type ApplyOptions,
  type ApplyResult,
  type ApplyRunOptions,
  type ApplyStep,
  applyTunnels,
  applyTunnelsWith,
  type DesiredTunnel,
  formatPlan,
  parseApplyFile,
  type DeclaredField,
  type Difference,
  executeSteps,
  type FieldDiff,
  type PlanFunctions,
  type PlanOptions,
  type PlanStep,
  planSteps,
  type ReconcileAdapter,
  type ReconcileOptions,
  type ReconcileResult,
  reconcile,
  type StepAction,
  type StepStatus,
} from '../src/index.js';
