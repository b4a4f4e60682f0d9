/**
 * `eoip doctor`: the library's preflight checks, one line each with a fix
 * under the ones that did not pass. Exit 0 when nothing failed (warnings
 * allowed), 1 when a check failed, 2 when the checks could not run.
 */
import type { DoctorCheck } from '../api/doctor.js';
import { describeFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './failure.js';
import type { DoctorCommand } from './grammar.js';
import { toJsonText } from './output.js';
import type { CliIo } from './run.js';

/** Exit status when at least one check failed. */
export const EXIT_CHECK_FAILED = EXIT_USAGE;

const LABEL: Record<DoctorCheck['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

/**
 * The text `eoip doctor` prints: one line per check,
 * `PASS|WARN|FAIL  <id>  <detail>` (ids padded to the longest), a
 * `fix: …` line under each check that has a fix (indented to the detail
 * column), then `<n> checks: <f> failed, <w> warnings`. Ends with a newline.
 */
export function formatChecks(checks: readonly DoctorCheck[]): string {
  const width = Math.max(0, ...checks.map((c) => c.id.length));
  const pad = ' '.repeat(4 + 2 + width + 2);
  let out = '';
  for (const c of checks) {
    out += `${LABEL[c.status]}  ${c.id.padEnd(width)}  ${c.detail}\n`;
    if (c.fix !== undefined) out += `${pad}fix: ${c.fix}\n`;
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  out += `${checks.length} checks: ${failed} failed, ${warned} warnings\n`;
  return out;
}

/** What `eoip doctor -j` prints (documented in docs/cli.md). */
export interface DoctorJson {
  /** True when no check failed (warnings allowed): exit status 0. */
  ok: boolean;
  /** How many checks failed. */
  failed: number;
  /** How many checks warned. */
  warnings: number;
  /** Every check, in the order run. */
  checks: Array<{ id: string; status: DoctorCheck['status']; detail: string; fix: string | null }>;
}

/** The JSON object of a doctor run. */
export function checksToJson(checks: readonly DoctorCheck[]): DoctorJson {
  const failed = checks.filter((c) => c.status === 'fail').length;
  return {
    ok: failed === 0,
    failed,
    warnings: checks.filter((c) => c.status === 'warn').length,
    checks: checks.map((c) => ({ id: c.id, status: c.status, detail: c.detail, fix: c.fix ?? null })),
  };
}

/** Runs the checks (tests replace it); by default opens a client (in the namespace) and runs `runDoctor`. */
export type DoctorRunner = (netns: string | undefined) => Promise<DoctorCheck[]>;

const defaultRunner: DoctorRunner = async (netns) => {
  const [{ EoipClient }, { runDoctor }] = await Promise.all([
    import('../api/client.js'),
    import('../api/doctor.js'),
  ]);
  const client = await EoipClient.open(netns !== undefined ? { netns } : {});
  try {
    return await runDoctor(client);
  } finally {
    client.close();
  }
};

/** Run `eoip doctor` and return the exit status. */
export async function runDoctorCommand(
  cmd: DoctorCommand,
  io: CliIo,
  run: DoctorRunner = defaultRunner,
): Promise<number> {
  let checks: DoctorCheck[];
  try {
    checks = await run(cmd.global.netns);
  } catch (e) {
    const f = describeFailure(e);
    io.stderr(`eoip: doctor: ${f.message}\n`);
    return EXIT_FAILURE;
  }
  io.stdout(cmd.global.json ? toJsonText(checksToJson(checks), cmd.global.pretty) : formatChecks(checks));
  return checks.some((c) => c.status === 'fail') ? EXIT_CHECK_FAILED : EXIT_OK;
}
