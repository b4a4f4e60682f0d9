/**
 * `eoip apply FILE`: read a desired-state file (JSON or YAML), make the
 * namespace's tunnels match it with the library's `applyTunnels`, print the
 * plan. Exit 0 applied or planned; 1 the file or an argument was refused
 * (nothing changed); 2 the kernel refused a step (the steps before it stay
 * applied).
 */
import type { ApplyFileFormat, ApplyOptions, ApplyResult, ApplyStep, DesiredTunnel } from '../api/apply.js';
import { describeFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './failure.js';
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
  parse?: (text: string, format: ApplyFileFormat) => Promise<DesiredTunnel[]>;
  /** The library's `applyTunnels`. */
  apply?: (desired: DesiredTunnel[], opts: ApplyOptions) => Promise<ApplyResult>;
  /** The library's `formatPlan`. */
  format?: (plan: ApplyResult) => string;
}

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
    return Buffer.concat(chunks).toString('utf8');
  }
  const { readFile } = await import('node:fs/promises');
  return readFile(file, 'utf8');
}

/** Run `eoip apply` and return the exit status. */
export async function runApply(cmd: ApplyCommand, io: CliIo, deps: ApplyDeps = {}): Promise<number> {
  const g = cmd.global;
  const where = cmd.file === '-' ? 'standard input' : cmd.file;
  let text: string;
  try {
    text = await (deps.read ?? readInput)(cmd.file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.stderr(`eoip: apply: cannot read ${where}: ${err.code ?? err.message}\n`);
    return EXIT_USAGE;
  }
  const lib = deps.parse && deps.apply && deps.format ? undefined : await import('../api/apply.js');
  const parse = deps.parse ?? lib!.parseApplyFile;
  const apply = deps.apply ?? lib!.applyTunnels;
  const format = deps.format ?? lib!.formatPlan;
  const kind = fileFormat(cmd.file);
  let desired: DesiredTunnel[];
  try {
    desired = await parse(text, kind);
  } catch (e) {
    const bad = e as { field?: unknown; value?: unknown; allowed?: unknown };
    if (
      bad.field === 'file' &&
      typeof bad.value === 'string' &&
      /^a (JSON|YAML) document$/.test(String(bad.allowed))
    ) {
      // The parser's own message; its first line (YAML adds a code frame).
      io.stderr(
        `eoip: apply: ${where}: not ${kind === 'yaml' ? 'YAML' : 'JSON'}: ${bad.value.split('\n')[0]!.replace(/:$/, '')}\n`,
      );
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
