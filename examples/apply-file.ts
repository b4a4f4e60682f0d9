/**
 * Declarative apply: read a JSON or YAML file of desired tunnels, compare it
 * with the tunnels the host has, and make the difference (create, change,
 * replace, and with --prune delete), printing the plan as a readable diff.
 *
 *   sudo npx tsx --tsconfig tsconfig.examples.json examples/apply-file.ts [FILE] [--prune] [--dry-run]
 *
 * FILE ends in .yaml/.yml (YAML) or anything else (JSON); its format is in
 * docs/apply.md. Without FILE, a built-in two-tunnel YAML document is used and
 * the run is always a dry run, so trying it changes nothing. A real run needs
 * root (CAP_NET_ADMIN) and the eoip/eoipv6 modules. A refused file or a
 * refused step prints the error (and the plan with each step's status) and
 * exits with status 1.
 */
import { readFile } from 'node:fs/promises';
import { ApplyError, applyTunnels, EoipError, formatPlan, parseApplyFile } from 'eoip-netlink';

const SAMPLE = `
tunnels:
  - name: eoip-hq
    tunnelId: 100
    local: 192.0.2.1
    remote: 198.51.100.7
    keepalive: 10          # 10 s, 10 retries: RouterOS's default
    up: true
  - name: eoip-lab
    tunnelId: 7
    local: "2001:db8:1::1"
    remote: "2001:db8:2::7"
    ttl: 64
    keepalive: { interval: 5, retries: 3 }
`;

const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
const prune = process.argv.includes('--prune');
const dryRun = file === undefined || process.argv.includes('--dry-run');

async function main(): Promise<void> {
  try {
    const text = file === undefined ? SAMPLE : await readFile(file, 'utf8');
    const format = file === undefined || /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
    // Checks every field (and unique names) before anything is read or changed.
    const desired = await parseApplyFile(text, format);
    const result = await applyTunnels(desired, { prune, dryRun });
    console.log(formatPlan(result));
    if (file === undefined) console.log('(built-in sample, dry run: pass a FILE to apply your own)');
  } catch (e) {
    if (e instanceof ApplyError) {
      // Stopped at a refused step: what was applied, what failed, what was skipped.
      console.error(formatPlan(e.plan));
      const cause = e.cause instanceof EoipError ? `${e.cause.code}: ${e.cause.message}` : String(e.cause);
      console.error(`${e.code}: ${cause}`);
      process.exitCode = 1;
    } else if (e instanceof EoipError) {
      console.error(`${e.code}: ${e.message}`);
      process.exitCode = 1;
    } else if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`cannot read ${file}: no such file`);
      process.exitCode = 1;
    } else throw e;
  }
}

await main();
