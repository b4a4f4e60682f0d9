/**
 * `npm run bench`: build, run every benchmark side by side, write BENCHMARKS.md.
 *
 *   npm run bench                 full run, writes BENCHMARKS.md (about 4 minutes)
 *   npm run bench -- --quick      small run for development, writes .bench-tmp/BENCHMARKS.quick.md
 *   npm run bench -- --only=codec,kernel
 *   npm run bench -- fuzz [--runs=N] [--seed=S]   the 1,000,000-input decoder fuzz (bench/fuzz.mjs)
 *
 * The codec benchmark runs in a child process; the kernel benchmarks run in a
 * child that moves itself into a private network namespace (root only; skipped
 * with the reason otherwise). Raw results go to .bench-tmp/results.json.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, buildCli, buildLib, parseFlags, parseResult, REPO, TMP } from './common.mjs';
import { renderReport } from './report.mjs';

const { flags, rest } = parseFlags(process.argv.slice(2));
const log = (s) => process.stderr.write(`[bench] ${s}\n`);

if (rest[0] === 'fuzz') {
  const r = spawnSync(process.execPath, [join(BENCH_DIR, 'fuzz.mjs'), ...process.argv.slice(3)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const quick = Boolean(flags.quick);
const only = flags.only ? new Set(String(flags.only).split(',')) : undefined;
const passthrough = process.argv.slice(2).filter((a) => a !== 'run' && !a.startsWith('--only='));

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpu: model,
    cores: cpus().length,
    ramGiB: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    date: new Date().toISOString(),
    loadStart: loadavg(),
    root: process.getuid?.() === 0,
  };
}

function child(script, args) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', join(BENCH_DIR, script), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, EOIP_BENCH_PREBUILT: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const res = parseResult(r.stdout ?? '');
  if (r.status !== 0 || !res) {
    return {
      failed: `${script} exited with ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ''}`,
    };
  }
  res.seconds = (Date.now() - t0) / 1000;
  return res;
}

const t0 = Date.now();
const results = { machine: machine(), quick };
log(`${results.machine.cpu}, ${results.machine.cores} cores, Node ${process.version}, kernel ${release()}`);
await buildLib({ force: true, log });
if (!only || only.has('kernel')) {
  results.cliBuildError = buildCli({ log });
  if (results.cliBuildError) log(`CLI build failed: ${results.cliBuildError}`);
}
if (!only || only.has('codec')) results.codec = child('codec.mjs', passthrough);
if (!only || only.has('kernel')) results.kernel = child('kernel.mjs', passthrough);
results.machine.loadEnd = loadavg();
results.seconds = (Date.now() - t0) / 1000;

writeFileSync(join(TMP, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const out = quick && !flags.write ? join(TMP, 'BENCHMARKS.quick.md') : join(REPO, 'BENCHMARKS.md');
writeFileSync(out, renderReport(results));
log(`wrote ${out} (${results.seconds.toFixed(0)} s)`);
const failed = [results.codec, results.kernel].filter((r) => r?.failed);
for (const f of failed) log(`FAILED: ${f.failed}`);
process.exit(failed.length ? 1 : 0);
