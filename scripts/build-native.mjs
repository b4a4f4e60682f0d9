#!/usr/bin/env node
/**
 * Builds the native netlink binding (native/netlink.c).
 *
 *   node scripts/build-native.mjs              build/Release/eoip_netlink.node with node-gyp
 *   node scripts/build-native.mjs --if-needed  the same, only when no bundled or built binding loads
 *                                              (the package's `install` script)
 *   node scripts/build-native.mjs --prebuild [target...]
 *       prebuilds/<target>/eoip_netlink.node with the C compiler directly (one C
 *       file, Node-API only: no node-gyp needed). Targets: linux-x64 (gcc),
 *       linux-x64-musl (musl-gcc, Debian musl-tools), linux-arm64
 *       (aarch64-linux-gnu-gcc, Debian gcc-aarch64-linux-gnu). Without targets:
 *       linux-x64 and every other one whose compiler is installed (the
 *       package's `prepack` script).
 *   node scripts/build-native.mjs --sanitize=address  build-asan/eoip_netlink.node, for scripts/asan-test.sh
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FILE = 'eoip_netlink.node';
const SOURCE = join(ROOT, 'native', 'netlink.c');
const CFLAGS = [
  '-std=gnu11',
  '-O2',
  '-Wall',
  '-Wextra',
  '-fPIC',
  '-shared',
  '-fvisibility=hidden',
  '-D_GNU_SOURCE',
];

/** Compilers of the prebuilt targets. */
const TARGETS = {
  'linux-x64': { cc: 'gcc', flags: [] },
  'linux-x64-musl': { cc: 'musl-gcc', flags: [] },
  'linux-arm64': { cc: 'aarch64-linux-gnu-gcc', flags: [] },
};

/** linux-x64, and the other targets whose compiler is on PATH (each skipped one is named). */
function availableTargets() {
  return Object.keys(TARGETS).filter((t) => {
    const found =
      t === 'linux-x64' || spawnSync(TARGETS[t].cc, ['--version'], { stdio: 'ignore' }).status === 0;
    if (!found) console.error(`skipping ${t}: no ${TARGETS[t].cc} on PATH`);
    return found;
  });
}

/** True when `file` loads as a Node-API module in this Node. */
function loads(file) {
  if (!existsSync(file)) return false;
  const r = spawnSync(process.execPath, ['-e', `process.dlopen({exports:{}}, ${JSON.stringify(file)})`], {
    stdio: 'ignore',
  });
  return r.status === 0;
}

function bundledCandidates() {
  const base = `${process.platform}-${process.arch}`;
  return [
    join(ROOT, 'prebuilds', base, FILE),
    join(ROOT, 'prebuilds', `${base}-musl`, FILE),
    join(ROOT, 'build', 'Release', FILE),
  ];
}

/** Node's headers (node_api.h, uv.h): the running Node's include dir, else node-gyp's cache. */
function nodeIncludeDir() {
  const dirs = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    '/usr/include/node',
    join(process.env.HOME ?? '', '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ].filter(Boolean);
  const found = dirs.find((d) => existsSync(join(d, 'node_api.h')) && existsSync(join(d, 'uv.h')));
  if (!found) throw new Error(`no Node headers (node_api.h and uv.h) in: ${dirs.join(', ')}`);
  return found;
}

/**
 * Build against the headers of the Node that runs this, when they are
 * installed beside it (distribution packages put them in <prefix>/include/node):
 * then node-gyp needs no download, whatever the user's npm configuration.
 */
function localHeaders() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  const dir = join(prefix, 'include', 'node');
  return existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'common.gypi'))
    ? [`--nodedir=${prefix}`]
    : [];
}

/** node-gyp: npm's own during `npm install`, else the dev dependency, else npx. */
function nodeGyp(args) {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return run(process.execPath, [fromNpm, ...args]);
  try {
    const bin = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
    return run(process.execPath, [bin, ...args]);
  } catch {
    return run('npx', ['--yes', 'node-gyp', ...args]);
  }
}

function run(cmd, args) {
  execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
}

function prebuild(target) {
  const t = TARGETS[target];
  if (!t) throw new Error(`unknown target ${target} (known: ${Object.keys(TARGETS).join(', ')})`);
  const outDir = join(ROOT, 'prebuilds', target);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, FILE);
  // -s: no symbols beyond the dynamic ones; the Node-API and libuv symbols resolve against node at load time.
  run(t.cc, [...CFLAGS, ...t.flags, '-s', '-I', nodeIncludeDir(), SOURCE, '-o', out]);
  console.log(`built ${out}`);
}

function sanitized(kind) {
  const outDir = join(ROOT, 'build-asan');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, FILE);
  const flags = CFLAGS.map((f) => (f === '-O2' ? '-O1' : f));
  run('gcc', [
    ...flags,
    `-fsanitize=${kind}`,
    '-fno-omit-frame-pointer',
    '-g',
    '-I',
    nodeIncludeDir(),
    SOURCE,
    '-o',
    out,
  ]);
  console.log(`built ${out}`);
}

const args = process.argv.slice(2);
if (args[0] === '--prebuild') {
  const targets = args.slice(1);
  for (const t of targets.length > 0 ? targets : availableTargets()) prebuild(t);
} else if (args[0]?.startsWith('--sanitize=')) {
  sanitized(args[0].slice('--sanitize='.length));
} else if (args[0] === '--if-needed' && bundledCandidates().some(loads)) {
  // A prebuilt or earlier-built binding loads: nothing to build.
} else if (process.platform !== 'linux') {
  console.error('eoip-netlink: netlink exists only on Linux; no native binding built');
} else {
  nodeGyp(['rebuild', ...localHeaders()]);
  if (!loads(join(ROOT, 'build', 'Release', FILE))) {
    console.error('eoip-netlink: the native binding was built but does not load');
    process.exit(1);
  }
}
