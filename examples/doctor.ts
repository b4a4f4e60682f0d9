/**
 * Preflight checks, as `eoip doctor` runs them: privileges, the eoip and
 * eoipv6 link kinds (probed without creating anything), and the keepalive
 * and bridged-MTU settings of every existing tunnel. Changes nothing.
 *
 *   sudo npx tsx --tsconfig tsconfig.examples.json examples/doctor.ts
 *
 * Without root the kind checks cannot probe and say so. Exit status: 0 when
 * nothing failed (warnings allowed), 1 when a check failed, 2 when the checks
 * could not run (as `eoip doctor`).
 */
import { type DoctorCheck, EoipClient, EoipError, runDoctor } from 'eoip-netlink';

const LABEL: Record<DoctorCheck['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

async function main(): Promise<void> {
  let client: EoipClient | undefined;
  try {
    client = await EoipClient.open();
    const checks = await runDoctor(client);
    for (const c of checks) {
      console.log(`${LABEL[c.status]}  ${c.id.padEnd(20)} ${c.detail}`);
      if (c.fix) console.log(`      ${''.padEnd(20)} fix: ${c.fix}`);
    }
    const failed = checks.filter((c) => c.status === 'fail').length;
    const warned = checks.filter((c) => c.status === 'warn').length;
    console.log(`${checks.length} checks: ${failed} failed, ${warned} warnings`);
    if (failed > 0) process.exitCode = 1;
  } catch (e) {
    if (!(e instanceof EoipError)) throw e;
    console.error(`${e.code}: ${e.message}`);
    process.exitCode = 2; // the checks could not run (as `eoip doctor` reports it)
  } finally {
    client?.close();
  }
}

await main();
