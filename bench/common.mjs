/**
 * Shared helpers of the benchmarks: timing, statistics, the bench build of
 * the sources, and the JSON hand-over between the runner and its children.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO = dirname(BENCH_DIR);
/** Scratch space (git-ignored): the bench build of the sources and of the CLI. */
export const TMP = join(REPO, '.bench-tmp');
export const LIB = join(TMP, 'lib.mjs');
export const CLI_DIST = join(TMP, 'dist');
export const CLI = join(CLI_DIST, 'cli.cjs');
/** The captured vectors live next to the repository. */
export const VECTORS = join(REPO, 'test', 'fixtures', 'vectors');

/** Nanoseconds, as a bigint. */
export const now = () => process.hrtime.bigint();
/** Milliseconds between two hrtime.bigint() readings. */
export const ms = (t0, t1) => Number(t1 - t0) / 1e6;

export function median(xs) {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function min(xs) {
  return xs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
}

export function max(xs) {
  return xs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
}

/** A summary of samples: median, min, max, count. */
export function summary(xs) {
  return { median: median(xs), min: min(xs), max: max(xs), n: xs.length, samples: xs };
}

/** Run the garbage collector when the process was started with --expose-gc. */
export function gc() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

/** Time one synchronous run of a command (its output thrown away). */
export function timeProcess(cmd, args, opts = {}) {
  const t0 = now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  const t1 = now();
  return {
    ms: ms(t0, t1),
    status: r.status,
    signal: r.signal,
    stderr: r.stderr?.toString() ?? '',
    error: r.error,
  };
}

function newestMtime(dir) {
  let newest = 0;
  const walk = (d) => {
    for (const name of readdirSafe(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else newest = Math.max(newest, st.mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

function readdirSafe(d) {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

/**
 * Bundle bench/lib.ts (the sources, internals included) with esbuild, the
 * compiler tsup uses for dist/, into .bench-tmp/lib.mjs. Rebuilt when a source is newer.
 */
export async function buildLib({ force = false, log = () => {} } = {}) {
  mkdirSync(TMP, { recursive: true });
  // Children of bench/run.mjs use the build the runner just made, even if a source changes meanwhile.
  if (!force && process.env.EOIP_BENCH_PREBUILT === '1' && existsSync(LIB)) return LIB;
  const stale =
    force ||
    !existsSync(LIB) ||
    statSync(LIB).mtimeMs <
      Math.max(newestMtime(join(REPO, 'src')), statSync(join(BENCH_DIR, 'lib.ts')).mtimeMs);
  if (!stale) return LIB;
  log('building the sources for the benchmarks (esbuild, target node20)');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(BENCH_DIR, 'lib.ts')],
    outfile: LIB,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['netlink'],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return LIB;
}

/**
 * Build the CLI with the project's own tsup config into .bench-tmp/dist (so
 * that dist/, which other tools use, is left alone). Returns an error text or undefined.
 */
export function buildCli({ log = () => {} } = {}) {
  log('building the CLI: npx tsup --out-dir .bench-tmp/dist');
  const r = spawnSync('npx', ['tsup', '--out-dir', CLI_DIST, '--silent'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0)
    return `npx tsup failed (status ${r.status}): ${(r.stderr || r.stdout).trim().slice(-2000)}`;
  if (!existsSync(CLI)) return 'npx tsup succeeded but produced no cli.cjs';
  return undefined;
}

/** Print `obj` as the one JSON line a child hands back to the runner. */
export function emitResult(obj) {
  process.stdout.write(`\n@@RESULT@@${JSON.stringify(obj)}\n`);
}

/** Find the JSON line a child printed with {@link emitResult}. */
export function parseResult(stdout) {
  const i = stdout.lastIndexOf('@@RESULT@@');
  if (i < 0) return undefined;
  const line = stdout.slice(i + '@@RESULT@@'.length).split('\n')[0];
  return JSON.parse(line);
}

/** Command-line flags of the form --name or --name=value. */
export function parseFlags(argv) {
  const flags = {};
  const rest = [];
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) flags[m[1]] = m[2] ?? true;
    else rest.push(a);
  }
  return { flags, rest };
}

/** Sleep without keeping CPU busy. */
export const sleep = (msec) => new Promise((r) => setTimeout(r, msec));
