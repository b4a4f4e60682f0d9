/**
 * Declarative apply: bring the namespace's eoip/eoipv6 tunnels to a desired
 * list, keyed by name. Reads the current tunnels, plans create / change /
 * replace / delete (with `prune`) / unchanged steps, and runs them in a safe
 * order through the kind-agnostic engine of reconcile.ts.
 *
 * The parts live under apply/: types.ts (the public shapes), error.ts
 * (ApplyError), check-desired.ts (the desired list checked), canonical.ts
 * (each tunnel as the kernel would report it), tunnel-diff.ts (per-field
 * differences and patches), change.ts (running one change), run.ts
 * (applyTunnels), file.ts (the apply file) and plan-text.ts (formatPlan).
 */
export { ApplyError } from './apply/error.js';
export {
  type ApplyFileFormat,
  type ParseApplyFileOptions,
  parseApplyFile,
  readApplyFile,
} from './apply/file.js';
export { formatPlan } from './apply/plan-text.js';
export { applyTunnels, applyTunnelsWith } from './apply/run.js';
export type {
  ApplyOptions,
  ApplyResult,
  ApplyRunOptions,
  ApplyStep,
  DesiredTunnel,
} from './apply/types.js';
