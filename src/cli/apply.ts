/**
 * `eoip apply FILE`: read a desired-state file (JSON or YAML), make the
 * namespace's tunnels match it with the library's `applyTunnels`, print the
 * plan. Exit 0 applied or planned; 1 the file or an argument was refused
 * (nothing changed); 2 the kernel refused a step (the steps before it stay
 * applied).
 */
import type {
  ApplyFileFormat,
  ApplyOptions,
  ApplyResult,
  ApplyStep,
  DesiredTunnel,
  ParseApplyFileOptions,
} from '../api/apply.js';
import { printableName } from '../api/apply-file.js';
import { describeFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, oneLine } from './failure.js';
import type { ApplyCommand } from './grammar.js';
import { toJsonText } from './output.js';
import type { CliIo } from './run.js';

/** One step as `eoip apply -j` prints it (documented in docs/cli.md). */
export interface ApplyStepJson {
  /** `create`, `change`, `replace`, `delete` or `unchanged`. */
  action: ApplyStep['action'];
  /** The tunnel's name. */
  name: string;
  /** `planned` (dry run), `done` (an unchanged step too, once the run started), `failed` or `skipped`. */
  status: ApplyStep['status'];
  /** What differs: canonical values; `from` is null for a create. */
  diffs: Array<{ field: string; from: unknown; to: unknown }>;
  /** For the failed step: the error. */
  error?: { code: string | null; message: string };
  /** For a failed replace: true when the old tunnel was already deleted. */
  deleted?: true;
  /** For a change in several requests, their names in order, e.g. `["down", "change", "up"]`. */
  phases?: string[];
}

/** What `eoip apply -j` prints (documented in docs/cli.md). */
export interface ApplyResultJson {
  /** True for `--dry-run` (every step `planned`). */
  dryRun: boolean;
  /** True when something changed (or would, in a dry run). */
  changed: boolean;
  /** Steps per action. */
  counts: ApplyResult['counts'];
  /** Every step in the order it runs. */
  steps: ApplyStepJson[];
}

function errorJson(e: unknown): { code: string | null; message: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : null,
    message: e instanceof Error ? e.message : String(e),
  };
}

/** The JSON object of an apply result (or of the plan an `ApplyError` carries). */
export function applyResultToJson(r: ApplyResult): ApplyResultJson {
  return {
    dryRun: r.dryRun,
    changed: r.changed,
    counts: { ...r.counts },
    steps: r.steps.map((s) => {
      const out: ApplyStepJson = {
        action: s.action,
        name: s.name,
        status: s.status,
        diffs: s.diffs.map((d) => ({ field: d.field, from: d.from ?? null, to: d.to ?? null })),
      };
      if (s.status === 'failed') out.error = errorJson(s.error);
      if (s.deleted === true) out.deleted = true;
      if (s.phases) out.phases = [...s.phases];
      return out;
    }),
  };
}

/** The format of an apply file, by its name: `.yaml`/`.yml` is YAML, anything else (and `-`) JSON. */
export function fileFormat(file: string): ApplyFileFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
}

/**
 * The stderr line (without `eoip: ` and the newline) after a refused step:
 * the step, the kernel's answer, and which steps were applied before it.
 */
export function applyFailureLine(plan: ApplyResult, step: ApplyStep, cause: unknown): string {
  const applied = plan.steps.filter((s) => s.action !== 'unchanged' && s.status === 'done');
  const total = plan.steps.filter((s) => s.action !== 'unchanged').length;
  let why = describeFailure(cause).message;
  // The kernel's message starts with the operation and the name when they are the step's.
  const own = `${step.action} ${step.name}: `;
  if (why.startsWith(own)) why = why.slice(own.length);
  const done = applied.length
    ? `${applied.length} of ${total} changes applied: ${applied.map((s) => `${s.action} ${s.name}`).join(', ')}`
    : `nothing applied (0 of ${total} changes)`;
  const gone = step.deleted === true ? `; ${step.name} was deleted and not re-created` : '';
  return `apply: ${step.action} ${step.name} failed: ${why}; ${done}${gone}`;
}

/** What `apply` needs from the outside world (tests replace it). */
export interface ApplyDeps {
  /** Read the file (`-`: standard input) as text. */
  read?: (file: string) => Promise<string>;
  /** The library's `parseApplyFile`. */
  parse?: (text: string, format: ApplyFileFormat, opts: ParseApplyFileOptions) => Promise<DesiredTunnel[]>;
  /** The library's `applyTunnels`. */
  apply?: (desired: DesiredTunnel[], opts: ApplyOptions) => Promise<ApplyResult>;
  /** The library's `formatPlan`. */
  format?: (plan: ApplyResult) => string;
}

/**
 * The library's bounded readers: a regular file of at most 16 MiB opened
 * without blocking, or at most 16 MiB of standard input.
 */
async function readInput(file: string): Promise<string> {
  const { readApplyFileText, readApplyStream } = await import('../api/apply-file.js');
  return file === '-' ? readApplyStream(process.stdin, 'standard input') : readApplyFileText(file);
}

/** The stderr line of an error reading or parsing the file (without `eoip: `). */
function fileErrorLine(e: unknown, where: string, kind: ApplyFileFormat): string | undefined {
  const err = e as { name?: unknown; message?: unknown; code?: unknown };
  // The library's file errors carry the file, line and column in their message.
  if (err?.name === 'ApplyFileError' && typeof err.message === 'string') {
    return `apply: ${oneLine(err.message)}`;
  }
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    return `apply: cannot read ${where}: ${err.code}`;
  }
  const bad = e as { field?: unknown; value?: unknown; allowed?: unknown };
  if (bad?.field === 'file' && /^a (JSON|YAML) document$/.test(String(bad.allowed))) {
    // Never the parser's own text: it can quote the file.
    return `apply: ${where}: not ${kind === 'yaml' ? 'YAML' : 'JSON'}`;
  }
  return undefined;
}

/** Run `eoip apply` and return the exit status. */
export async function runApply(cmd: ApplyCommand, io: CliIo, deps: ApplyDeps = {}): Promise<number> {
  const g = cmd.global;
  // The file as messages name it: control characters escaped, a very long name cut.
  const where = cmd.file === '-' ? 'standard input' : printableName(cmd.file);
  const kind = fileFormat(cmd.file);
  let text: string;
  try {
    text = await (deps.read ?? readInput)(cmd.file);
  } catch (e) {
    const line = fileErrorLine(e, where, kind);
    io.stderr(`eoip: ${line ?? `apply: cannot read ${where}`}\n`);
    return EXIT_USAGE;
  }
  const lib = deps.parse && deps.apply && deps.format ? undefined : await import('../api/apply.js');
  const parse = deps.parse ?? lib!.parseApplyFile;
  const apply = deps.apply ?? lib!.applyTunnels;
  const format = deps.format ?? lib!.formatPlan;
  let desired: DesiredTunnel[];
  try {
    desired = await parse(text, kind, { file: where });
  } catch (e) {
    const line = fileErrorLine(e, where, kind);
    if (line !== undefined) {
      io.stderr(`eoip: ${line}\n`);
      return EXIT_USAGE;
    }
    const f = describeFailure(e);
    io.stderr(`eoip: apply: ${where}: ${f.message}\n`);
    return f.exitCode;
  }
  const print = (r: ApplyResult) => {
    if (g.json) io.stdout(toJsonText(applyResultToJson(r), g.pretty));
    else io.stdout(`${format(r)}\n`);
  };
  try {
    const result = await apply(desired, {
      ...(cmd.prune ? { prune: true } : {}),
      ...(g.dryRun ? { dryRun: true } : {}),
      ...(g.netns !== undefined ? { netns: g.netns } : {}),
    });
    print(result);
    return EXIT_OK;
  } catch (e) {
    const failed = e as { plan?: ApplyResult; step?: ApplyStep; cause?: unknown; code?: unknown };
    if (failed.code === 'APPLY_FAILED' && failed.plan !== undefined && failed.step !== undefined) {
      print(failed.plan);
      io.stderr(`eoip: ${applyFailureLine(failed.plan, failed.step, failed.cause)}\n`);
      return EXIT_FAILURE;
    }
    // Refused before anything was changed (invalid values, a missing link,
    // a name held by another kind: exit 1), or the state could not be read (2).
    const f = describeFailure(e);
    io.stderr(`eoip: apply: ${f.exitCode === EXIT_USAGE ? `${where}: ` : ''}${f.message}\n`);
    return f.exitCode;
  }
}
