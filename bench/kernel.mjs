/**
 * Kernel benchmarks: listing, decoding every link against `ip -d link show`,
 * receive buffers, CLI start, throughput, memory and event latency.
 *
 * Everything runs inside a private network namespace that this script creates
 * for itself: when started normally it re-executes itself under `unshare -n`
 * and checks, before touching anything, that its namespace is not the one it
 * was started in. The host's interfaces are never touched. Every link it
 * creates carries a link group, so that cleanup is one group delete; the
 * namespace itself disappears when the process exits.
 *
 * Without root (or without `unshare`) it prints why and reports itself skipped.
 *
 * Run alone: node --expose-gc bench/kernel.mjs [--quick] [--links=10000] [--only=cli,requests,throughput,listing,decode,buffer,memory,events]
 * (EOIP_BENCH_TRACE=1 prints every listing measurement with its predecessor)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  BENCH_DIR,
  buildLib,
  CLI,
  emitResult,
  gc,
  LIB,
  median,
  ms,
  now,
  parseFlags,
  parseResult,
  sleep,
  summary,
  TMP,
  timeProcess,
} from './common.mjs';
import { eventLatency } from './events.mjs';
import { findPython, startHelper } from './helper.mjs';
import { measureRequests } from './requests.mjs';

const SELF = fileURLToPath(import.meta.url);
const { flags } = parseFlags(process.argv.slice(2));
const quick = Boolean(flags.quick);
const log = (s) => process.stderr.write(`[kernel] ${s}\n`);
const only = flags.only ? new Set(String(flags.only).split(',')) : undefined;
const wanted = (name) => !only || only.has(name);

/** Link groups of the links we create: cleanup is `ip link del group N`. */
const GROUP_VETH = 9091;
const GROUP_VXLAN = 9092;
const GROUP_BENCH = 9093;
const GROUP_EVENTS = 9094;
const IFLA_GROUP = 27;
const IFLA_VXLAN_ID = 1;
const IFLA_VXLAN_PORT = 15;

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const netnsOf = (pid) => readlinkSync(`/proc/${pid}/ns/net`);

// --- into a namespace of our own ------------------------------------------------
if (process.env.EOIP_BENCH_NETNS_PARENT === undefined) {
  const reason = skipReason();
  if (reason) {
    log(`skipped: ${reason}`);
    emitResult({ skipped: reason });
    process.exit(0);
  }
  // Node flags (e.g. --cpu-prof) carry over to the re-executed process.
  const nodeArgs = [...new Set(['--expose-gc', ...process.execArgv])];
  const r = spawnSync(
    'unshare',
    ['-n', '--', process.execPath, ...nodeArgs, SELF, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, EOIP_BENCH_NETNS_PARENT: netnsOf('self') },
    },
  );
  process.exit(r.status ?? 1);
}
if (netnsOf('self') === process.env.EOIP_BENCH_NETNS_PARENT) {
  // Never run in the namespace we were started in.
  log('refusing to run: not inside a private network namespace');
  process.exit(3);
}

function skipReason() {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0)
    return 'not root: kernel benchmarks need a private network namespace (unshare -n)';
  const r = spawnSync('unshare', ['-n', '--', 'true'], { stdio: 'ignore' });
  if (r.status !== 0) return 'cannot create a network namespace (unshare -n failed)';
  const ip = spawnSync('ip', ['-V'], { stdio: 'ignore' });
  if (ip.status !== 0) return 'iproute2 (ip) is not installed';
  return undefined;
}

// --- inside the private namespace ------------------------------------------------
await buildLib({ log });
const lib = await import(pathToFileURL(LIB).href);
const {
  NetlinkSocket,
  dumpLinks,
  dumpLinksRaw,
  setKernelFilterSupport,
  createLink,
  deleteLink,
  deleteLinks,
  getLink,
  buildDumpLinksRequest,
  forEachAttribute,
  NLMSG_HDRLEN,
  IFINFOMSG_LEN,
  IFLA_LINKINFO,
  RTEXT_FILTER_SKIP_STATS,
} = lib;

function ip(args, input) {
  const r = spawnSync('ip', args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function ipBatch(lines) {
  const file = join(TMP, `kernel-batch-${process.pid}.txt`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const t0 = now();
  ip(['-batch', file]);
  return ms(t0, now());
}

const sock = NetlinkSocket.open();
const linkCount = async () => dumpLinksRaw(sock, { stats: false });
const results = { quick, namespace: netnsOf('self') };

// ---------------------------------------------------------------------------------
// CLI start: node -e 0 vs the bundled bin, as processes.
function cliStart(label) {
  const rounds = Number(flags['cli-rounds'] ?? (quick ? 3 : 15));
  // The bin keeps V8's code cache of its command bundles under
  // $XDG_CACHE_HOME (src/cli/code-cache.ts): a fresh, empty one for each
  // set, filled by the untimed first run of `eoip list`, as a user's first run fills theirs.
  const cacheHome = join(TMP, `cli-cache-${process.pid}-${label.replace(/\W+/g, '-')}`);
  rmSync(cacheHome, { recursive: true, force: true });
  mkdirSync(cacheHome, { recursive: true, mode: 0o700 });
  const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
  delete env.NODE_DISABLE_COMPILE_CACHE;
  const cmds = [
    { id: 'node', label: 'node -e 0', args: ['-e', '0'], env },
    { id: 'version', label: 'eoip --version', args: [CLI, '--version'], env },
    { id: 'list', label: 'eoip list', args: [CLI, 'list'], env },
    {
      id: 'listNoCache',
      label: 'eoip list, no code cache (NODE_DISABLE_COMPILE_CACHE=1)',
      args: [CLI, 'list'],
      env: { ...env, NODE_DISABLE_COMPILE_CACHE: '1' },
    },
  ];
  const out = { rounds, commands: {} };
  // One run each first: disk cache warm, code cache written, and a failing CLI is reported instead of timed.
  for (const c of cmds) {
    const r = timeProcess(process.execPath, c.args, { env: c.env });
    if (r.status !== 0) {
      out.commands[c.id] = {
        label: c.label,
        failed: `exit ${r.status ?? r.signal}: ${r.stderr.trim().slice(0, 500)}`,
      };
    } else {
      out.commands[c.id] = { label: c.label, samples: [] };
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cmds.length; k++) {
      const c = cmds[(k + r) % cmds.length];
      const slot = out.commands[c.id];
      if (slot.failed) continue;
      const t = timeProcess(process.execPath, c.args, { env: c.env });
      if (t.status !== 0) {
        slot.failed = `exit ${t.status ?? t.signal}: ${t.stderr.trim().slice(0, 500)}`;
        continue;
      }
      slot.samples.push(t.ms);
    }
  }
  for (const c of Object.values(out.commands)) if (c.samples) c.ms = summary(c.samples);
  rmSync(cacheHome, { recursive: true, force: true });
  log(
    `CLI start (${label}): ${Object.values(out.commands)
      .map((c) => `${c.label} ${c.ms ? `${c.ms.median.toFixed(1)} ms` : 'FAILED'}`)
      .join(', ')}`,
  );
  return out;
}

// ---------------------------------------------------------------------------------
// Throughput: create + delete of vxlan links on one socket.
const be16 = (v) => Uint8Array.of(v >> 8, v & 0xff);
const vxlanBody = (i) => ({
  name: `bt${i}`,
  kind: 'vxlan',
  infoData: (w) => {
    w.u32(IFLA_VXLAN_ID, 100000 + i); // clear of the vx1..vx10 of the listing namespace
    w.bytes(IFLA_VXLAN_PORT, be16(4789));
  },
  extra: (w) => w.u32(IFLA_GROUP, GROUP_BENCH),
});

/**
 * Wall and CPU time of `fn`. `gc: false` for CPU measurements of a working
 * process: a forced full GC just before makes V8 sweep and mark on its
 * background threads during the measurement, user time the workload did not cause.
 */
async function timed(fn, { gc: collect = true } = {}) {
  if (collect) gc();
  const c0 = process.cpuUsage();
  const t0 = now();
  await fn();
  const t1 = now();
  const c = process.cpuUsage(c0);
  return { ms: ms(t0, t1), userMs: c.user / 1000, systemMs: c.system / 1000 };
}

// The socket's per-request timeout (10 s by default) runs from the moment a
// request is queued, not from when it is handed to the kernel: 1,000 pipelined
// deletes at ~20 ms of kernel time each would time out in the queue. Both
// modes get the same generous timeout so that the comparison measures speed.
const OP = { timeout: 300_000 };
const createSeq = async (n) => {
  for (let i = 0; i < n; i++) await createLink(sock, vxlanBody(i), OP);
};
const createPipe = async (n) => {
  const ps = [];
  for (let i = 0; i < n; i++) ps.push(createLink(sock, vxlanBody(i), OP));
  await Promise.all(ps);
};
const deleteSeq = async (n) => {
  for (let i = 0; i < n; i++) await deleteLink(sock, { name: `bt${i}` }, OP);
};
const deletePipe = async (n) => {
  const ps = [];
  for (let i = 0; i < n; i++) ps.push(deleteLink(sock, { name: `bt${i}` }, OP));
  await Promise.all(ps);
};
const deleteBulk = async (n) => {
  const rs = await deleteLinks(
    sock,
    Array.from({ length: n }, (_, i) => ({ name: `bt${i}` })),
    OP,
  );
  const failed = rs.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
};

/** One create + delete cycle: both phases and their sum. */
const cycleOf = (create, del) => ({
  create,
  delete: del,
  total: {
    ms: create.ms + del.ms,
    userMs: create.userMs + del.userMs,
    systemMs: create.systemMs + del.systemMs,
  },
});

async function throughput() {
  const N = Number(flags['tp-links'] ?? (quick ? 100 : 1000));
  const createRounds = Number(flags['tp-rounds'] ?? (quick ? 2 : 10));
  const warm = { gc: false };
  const base = await linkCount();
  const check = async (want, what) => {
    const n = await linkCount();
    if (n !== want) throw new Error(`${what}: ${n} links, expected ${want}`);
  };
  // Warm-up: code paths (the JIT settles only after some thousand requests) and the kernel's vxlan module.
  await createPipe(20);
  await deletePipe(20);
  await createSeq(20);
  await deleteSeq(20);
  for (let r = 0; r < 2; r++) {
    await createPipe(N);
    await deleteBulk(N);
    await createSeq(N);
    ip(['link', 'del', 'group', String(GROUP_BENCH)]);
  }
  await check(base, 'after warm-up');

  // Creates alone, several rounds, side by side; cleanup (untimed) is one group delete.
  const creates = { sequential: [], pipelined: [] };
  for (let r = 0; r < createRounds; r++) {
    for (const mode of r % 2 ? ['pipelined', 'sequential'] : ['sequential', 'pipelined']) {
      const m = await timed(() => (mode === 'sequential' ? createSeq(N) : createPipe(N)), warm);
      await check(base + N, `after ${mode} creates`);
      creates[mode].push(m);
      ip(['link', 'del', 'group', String(GROUP_BENCH)]);
      await check(base, 'after group delete');
    }
  }
  // The whole create + delete cycle, once per mode (each RTM_DELLINK waits for the kernel:
  // see the report): sequential and pipelined with a deleteLink per link; bulk
  // with the creates pipelined and one deleteLinks for all.
  const cycles = {};
  const deletes = { sequential: deleteSeq, pipelined: deletePipe, bulk: deleteBulk };
  for (const mode of ['sequential', 'pipelined', 'bulk']) {
    const create = await timed(() => (mode === 'sequential' ? createSeq(N) : createPipe(N)), warm);
    await check(base + N, `after ${mode} creates`);
    const del = await timed(() => deletes[mode](N), warm);
    await check(base, `after ${mode} deletes`);
    cycles[mode] = cycleOf(create, del);
    log(`throughput ${mode}: create ${create.ms.toFixed(0)} ms, delete ${del.ms.toFixed(0)} ms`);
  }
  // The bulk cycle is short: more rounds of it (wall: median; CPU: mean, see below).
  const bulkRounds = [cycles.bulk];
  const bulkCount = Number(flags['tp-bulk-rounds'] ?? (quick ? 2 : 20));
  for (let r = 1; r < bulkCount; r++) {
    const create = await timed(() => createPipe(N), warm);
    const del = await timed(() => deleteBulk(N), warm);
    bulkRounds.push(cycleOf(create, del));
  }
  // CPU times are means: the kernel accounts them in scheduler ticks, so one
  // ~100 ms round reads as 0, 4 or 8 ms of user time; the mean over rounds is exact.
  const mid = (ph) => median(bulkRounds.map((x) => x[ph].ms));
  const avg = (ph, k) => mean(bulkRounds.map((x) => x[ph][k]));
  cycles.bulk = Object.fromEntries(
    ['create', 'delete', 'total'].map((ph) => [
      ph,
      { ms: mid(ph), userMs: avg(ph, 'userMs'), systemMs: avg(ph, 'systemMs') },
    ]),
  );
  cycles.bulk.rounds = bulkRounds.length;
  // Checked once at the end: a dump between rounds would leave its garbage
  // (1 MB of datagrams) to be collected inside the next measured round. Each
  // round already fails on any refused create or delete.
  await check(base, 'after bulk deletes');
  // For comparison: the kernel's own bulk path, one RTM_DELLINK for a whole link group.
  await createPipe(N);
  const t0 = now();
  ip(['link', 'del', 'group', String(GROUP_BENCH)]);
  const groupDeleteMs = ms(t0, now());
  await check(base, 'after group delete');

  const createSummary = {};
  for (const mode of ['sequential', 'pipelined']) {
    createSummary[mode] = {
      ms: summary(creates[mode].map((x) => x.ms)),
      userMs: mean(creates[mode].map((x) => x.userMs)),
      systemMs: mean(creates[mode].map((x) => x.systemMs)),
    };
  }
  log(
    `creates x${N}: sequential ${createSummary.sequential.ms.median.toFixed(0)} ms, pipelined ${createSummary.pipelined.ms.median.toFixed(0)} ms`,
  );
  return {
    links: N,
    createRounds,
    creates: createSummary,
    cycles,
    groupDeleteMs,
    ipGroupDeleteIncludesProcess: true,
  };
}

// ---------------------------------------------------------------------------------
// Listing on a namespace with many links.

/** A small seeded PRNG (mulberry32). */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(xs, random) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** A transport that strips IFLA_LINKINFO from dump requests: a kernel that ignores the kind filter. */
function ignoringKindFilter(inner) {
  const strip = (req) => {
    const keep = [];
    forEachAttribute(req, NLMSG_HDRLEN + IFINFOMSG_LEN, req.byteLength, (type, vs, ve) => {
      if (type !== IFLA_LINKINFO) keep.push(req.subarray(vs - 4, (ve + 3) & ~3));
    });
    const len = NLMSG_HDRLEN + IFINFOMSG_LEN + keep.reduce((n, a) => n + a.byteLength, 0);
    const out = new Uint8Array(len);
    out.set(req.subarray(0, NLMSG_HDRLEN + IFINFOMSG_LEN));
    let at = NLMSG_HDRLEN + IFINFOMSG_LEN;
    for (const a of keep) {
      out.set(a, at);
      at += a.byteLength;
    }
    new DataView(out.buffer).setUint32(0, len, true);
    return out;
  };
  return {
    ack: (b, o) => inner.ack(b, o),
    reply: (b, o) => inner.reply(b, o),
    dump: (build, visit, o) => inner.dump((seq) => strip(build(seq)), visit, o),
    close: () => inner.close(),
  };
}

async function populate(pairs, vxlans) {
  const lines = [];
  for (let i = 0; i < pairs; i++)
    lines.push(`link add va${i} group ${GROUP_VETH} type veth peer name vb${i}`);
  for (let i = 1; i <= vxlans; i++)
    lines.push(`link add vx${i} group ${GROUP_VXLAN} type vxlan id ${i} dstport 4789`);
  const t = ipBatch(lines);
  log(`created ${pairs} veth pairs and ${vxlans} vxlan links in ${(t / 1000).toFixed(1)} s`);
  return t;
}

async function listing(expectTotal, vxlans) {
  const rounds = Number(flags['list-rounds'] ?? (quick ? 3 : 15));
  const filtered = ignoringKindFilter(sock);
  const stripped = async (fn) => {
    setKernelFilterSupport(false);
    try {
      return await fn();
    } finally {
      setKernelFilterSupport(undefined);
    }
  };
  const expect = (n, want, id) => {
    if (n !== want) throw new Error(`${id}: got ${n}, expected ${want}`);
  };
  const isVx = (m) => m.linkInfo?.kind === 'vxlan';
  const variants = [];
  for (const stats of [false, true]) {
    const s = stats ? 'stats' : 'nostats';
    const o = stats ? {} : { stats: false };
    variants.push(
      {
        id: `a_${s}`,
        group: 'a',
        stats,
        label: `(a) dumpLinks kind 'vxlan' (kernel filter)`,
        run: async () => expect((await dumpLinks(sock, { kind: 'vxlan', ...o })).length, vxlans, 'a'),
      },
      {
        id: `b_peek_${s}`,
        group: 'b',
        stats,
        label: `(b) dumpLinks kind 'vxlan', kernel ignores the filter (peek, decode matches)`,
        run: () =>
          stripped(async () =>
            expect((await dumpLinks(filtered, { kind: 'vxlan', ...o })).length, vxlans, 'b_peek'),
          ),
      },
      {
        id: `b_full_${s}`,
        group: 'b',
        stats,
        label: '(b) dumpLinks of all, then filter on linkInfo.kind',
        run: async () => expect((await dumpLinks(sock, o)).filter(isVx).length, vxlans, 'b_full'),
      },
      {
        id: `c_${s}`,
        group: 'c',
        stats,
        label: '(c) dumpLinksRaw: received and thrown away',
        run: async () => expect(await dumpLinksRaw(sock, o), expectTotal, 'c'),
      },
      {
        id: `e_${s}`,
        group: 'e',
        stats,
        label: `(e) dumpLinks kind 'eoip' here (driver absent: unflagged answer, nothing decoded)`,
        run: async () => expect((await dumpLinks(sock, { kind: 'eoip', ...o })).length, 0, 'e'),
      },
    );
  }
  const procs = [
    { id: 'd_all', group: 'd', label: '(d) ip -d link show', args: ['-d', 'link', 'show'] },
    {
      id: 'd_vxlan',
      group: 'd',
      label: '(d) ip -d link show type vxlan',
      args: ['-d', 'link', 'show', 'type', 'vxlan'],
    },
  ];
  // The size of what the kernel sends.
  const sizes = {};
  for (const stats of [false, true]) {
    let bytes = 0;
    let messages = 0;
    await sock.dump(
      (seq) => buildDumpLinksRequest(seq, stats ? {} : { extMask: RTEXT_FILTER_SKIP_STATS }),
      (_h, _b, start, end) => {
        bytes += end - start;
        messages++;
      },
    );
    sizes[stats ? 'stats' : 'nostats'] = { bytes, messages };
  }
  // Warm-up: five of each (the JIT settles).
  for (let i = 0; i < 5; i++) for (const v of variants) await v.run();
  for (const p of procs) timeProcess('ip', p.args);
  const samples = Object.fromEntries([...variants, ...procs].map((v) => [v.id, []]));
  const cpu = Object.fromEntries(variants.map((v) => [v.id, []]));
  // A fresh random order every round (seeded: runs are repeatable): a fixed or
  // rotating order gives every variant the same predecessor, and the one that
  // follows the `ip` processes was measured up to 3x slower than the same dump elsewhere.
  const random = seeded(0x11ab);
  for (let r = 0; r < rounds; r++) {
    const order = shuffle([...variants, ...procs], random);
    for (let k = 0; k < order.length; k++) {
      const v = order[k];
      if (process.env.EOIP_BENCH_TRACE)
        process.stderr.write(`${r} ${v.id} after ${order[k - 1]?.id ?? '-'}: `);
      // A full GC, then a pause: V8 sweeps on background threads after gc()
      // returns, and that CPU time would land on the next measurement.
      gc();
      await sleep(40);
      if (v.run) {
        const c0 = process.cpuUsage();
        const t0 = now();
        await v.run();
        samples[v.id].push(ms(t0, now()));
        const c = process.cpuUsage(c0);
        if (process.env.EOIP_BENCH_TRACE)
          process.stderr.write(`${ms(t0, now()).toFixed(0)} ms, user ${(c.user / 1000).toFixed(0)}\n`);
        cpu[v.id].push({ user: c.user / 1000, system: c.system / 1000 });
      } else {
        const t = timeProcess('ip', v.args);
        if (t.status !== 0) throw new Error(`ip ${v.args.join(' ')}: ${t.stderr}`);
        samples[v.id].push(t.ms);
      }
    }
  }
  const out = { rounds, totalLinks: expectTotal, vxlans, sizes, variants: {} };
  for (const v of [...variants, ...procs]) {
    out.variants[v.id] = { label: v.label, group: v.group, stats: v.stats, ms: summary(samples[v.id]) };
    if (cpu[v.id]) {
      out.variants[v.id].userMs = median(cpu[v.id].map((x) => x.user));
      out.variants[v.id].systemMs = median(cpu[v.id].map((x) => x.system));
      out.variants[v.id].cpuMs = median(cpu[v.id].map((x) => x.user + x.system));
    }
  }
  log(
    `listing: ${Object.entries(out.variants)
      .map(([id, v]) => `${id} ${v.ms.median.toFixed(1)}`)
      .join(', ')} (ms)`,
  );
  return out;
}

// ---------------------------------------------------------------------------------
// Decoding every link: the library's listing, decode included, against the
// whole `ip -d link show` process (its own CPU time, from wait4 in bench/helper.py).
async function decodeAll(helper, expectTotal) {
  const rounds = Number(flags['decode-rounds'] ?? (quick ? 3 : 11));
  const memChild = join(BENCH_DIR, 'mem-child.mjs');
  const expect = (n, id) => {
    if (n !== expectTotal) throw new Error(`${id}: ${n} links, expected ${expectTotal}`);
  };
  const variants = [
    {
      id: 'lib_stats',
      label: '`dumpLinks(sock)`: every link decoded, with counters (in this process, warm)',
      run: async () => expect((await dumpLinks(sock)).length, 'lib_stats'),
    },
    {
      id: 'lib_nostats',
      label: '`dumpLinks(sock, { stats: false })` (in this process, warm)',
      run: async () => expect((await dumpLinks(sock, { stats: false })).length, 'lib_nostats'),
    },
    { id: 'ip', label: '`ip -d link show` (whole process)', argv: ['ip', '-d', 'link', 'show'] },
    {
      id: 'node_list',
      label: 'a new `node` process: load the library, `dumpLinks(sock)`, exit',
      argv: [process.execPath, memChild, 'stats'],
    },
    {
      id: 'node_idle',
      label: 'a new `node` process: load the library, open a socket, exit',
      argv: [process.execPath, memChild, 'idle'],
    },
  ];
  const once = async (v) => {
    if (v.run) {
      const c0 = process.cpuUsage();
      const t0 = now();
      await v.run();
      const wall = ms(t0, now());
      const c = process.cpuUsage(c0);
      return { ms: wall, userMs: c.user / 1000, systemMs: c.system / 1000 };
    }
    const r = await helper.request({ op: 'run', argv: v.argv });
    if (r.status !== 0) throw new Error(`${v.argv.join(' ')} exited with ${r.status}`);
    return { ms: r.wallMs, userMs: r.userMs, systemMs: r.systemMs };
  };
  for (const v of variants) for (let i = 0; i < (v.run ? 5 : 1); i++) await once(v);
  const samples = Object.fromEntries(variants.map((v) => [v.id, []]));
  const random = seeded(0xdec0);
  for (let r = 0; r < rounds; r++) {
    for (const v of shuffle([...variants], random)) {
      gc();
      await sleep(40);
      samples[v.id].push(await once(v));
    }
  }
  const out = { rounds, totalLinks: expectTotal, variants: {} };
  for (const v of variants) {
    const xs = samples[v.id];
    out.variants[v.id] = {
      label: v.label,
      ms: summary(xs.map((x) => x.ms)),
      cpuMs: summary(xs.map((x) => x.userMs + x.systemMs)),
      userMs: median(xs.map((x) => x.userMs)),
      systemMs: median(xs.map((x) => x.systemMs)),
    };
  }
  log(
    `decode all: ${Object.entries(out.variants)
      .map(([id, x]) => `${id} ${x.cpuMs.median.toFixed(0)} ms CPU, ${x.ms.median.toFixed(0)} ms wall`)
      .join('; ')}`,
  );
  return out;
}

// ---------------------------------------------------------------------------------
// The socket's receive buffer. With a fixed `datagramSize` the native layer
// allocates (and zero-fills) that many bytes for every datagram, a 36-byte ACK
// included; with 0 (the default) it peeks at each datagram's size and
// allocates exactly that. Measured: the raw dump floor, and pipelined creates
// (ACK traffic), exact-size against fixed 32 and 8 KiB.
async function receiveBuffer(expectTotal) {
  const N = Number(flags['tp-links'] ?? (quick ? 100 : 1000));
  const rounds = Number(flags['rb-rounds'] ?? (quick ? 2 : 5));
  // 0: exact-size reads (the default): peek at the size, then read that much.
  const sizes = [0, 32768, 8192];
  const G = Number(flags['rb-gets'] ?? (quick ? 1000 : 5000));
  const socks = new Map(sizes.map((size) => [size, NetlinkSocket.open({ datagramSize: size })]));
  const out = { links: N, gets: G, rounds, sizes: {} };
  try {
    for (const size of sizes) out.sizes[size] = { dump: [], gets: [] };
    const dumpOnce = async (size) => {
      const n = await dumpLinksRaw(socks.get(size), { stats: false });
      if (n !== expectTotal) throw new Error(`dump with ${size}-byte buffer: ${n} links`);
    };
    for (const size of sizes) for (let i = 0; i < 3; i++) await dumpOnce(size);
    const random = seeded(0x5eed);
    for (let r = 0; r < rounds; r++) {
      for (const size of shuffle([...sizes], random)) {
        gc();
        await sleep(40);
        out.sizes[size].dump.push(await timed(() => dumpOnce(size)));
      }
    }
    // Requests that are each answered with a message (~1 KiB): where the
    // buffer per datagram shows. Warm, no forced GC (see the throughput section).
    const gets = async (s) => {
      const ps = [];
      for (let i = 0; i < G; i++) ps.push(getLink(s, { index: 1 }, { stats: false }));
      await Promise.all(ps);
    };
    for (const size of sizes) for (let i = 0; i < 3; i++) await gets(socks.get(size));
    for (let r = 0; r < rounds * 2; r++) {
      for (const size of shuffle([...sizes], random)) {
        out.sizes[size].gets.push(await timed(() => gets(socks.get(size)), { gc: false }));
      }
    }
  } finally {
    for (const s of socks.values()) s.close();
  }
  const med = (xs, k) => median(xs.map((x) => x[k]));
  for (const x of Object.values(out.sizes)) {
    x.dumpMs = med(x.dump, 'ms');
    // CPU: means (tick-accounted, see the throughput section).
    x.dumpUserMs = mean(x.dump.map((d) => d.userMs));
    x.dumpSystemMs = mean(x.dump.map((d) => d.systemMs));
    x.getsMs = med(x.gets, 'ms');
    x.getsUserMs = mean(x.gets.map((d) => d.userMs));
    x.getsSystemMs = mean(x.gets.map((d) => d.systemMs));
  }
  log(
    `receive buffer: ${Object.entries(out.sizes)
      .map(([k, x]) => `${k}: dump ${x.dumpMs.toFixed(0)} ms, ${G} gets ${x.getsMs.toFixed(0)} ms`)
      .join('; ')}`,
  );
  return out;
}

// ---------------------------------------------------------------------------------
// Peak RSS of listing in a fresh process.
function memory() {
  const runs = Number(flags['mem-runs'] ?? 3);
  const modes = [
    { id: 'idle', label: 'library loaded, socket open, nothing listed' },
    { id: 'raw', label: 'dumpLinksRaw (received, not decoded)' },
    { id: 'nostats', label: 'dumpLinks of all links, stats: false' },
    { id: 'stats', label: 'dumpLinks of all links (with counters)' },
  ];
  const out = { runs, modes: {} };
  for (const m of modes) out.modes[m.id] = { label: m.label, runs: [] };
  for (let r = 0; r < runs; r++) {
    for (const m of modes) {
      const p = spawnSync(
        process.execPath,
        [join(fileURLToPath(new URL('.', import.meta.url)), 'mem-child.mjs'), m.id],
        {
          encoding: 'utf8',
        },
      );
      const res = parseResult(p.stdout);
      if (p.status !== 0 || !res) throw new Error(`mem-child ${m.id} failed: ${p.stderr}`);
      out.modes[m.id].runs.push(res);
    }
  }
  for (const m of Object.values(out.modes)) {
    m.maxRssMB = median(m.runs.map((x) => x.maxRssMB));
    m.heapUsedMB = median(m.runs.map((x) => x.heapUsedMB));
    m.links = m.runs[0].links;
  }
  log(
    `memory: ${Object.entries(out.modes)
      .map(([id, m]) => `${id} ${m.maxRssMB.toFixed(1)} MB`)
      .join(', ')}`,
  );
  return out;
}

// ---------------------------------------------------------------------------------
/** Run one section; a failure is recorded in the results and the other sections still run. */
async function section(name, fn) {
  try {
    results[name] = await fn();
  } catch (e) {
    log(`${name} FAILED: ${e?.stack ?? e}`);
    results[name] = { error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` };
  }
}

// Python: bench/helper.py (link changes with timestamps, CPU times of `ip`) and pyroute2.
const py = wanted('events') || wanted('decode') ? findPython() : {};
const helper = py.python ? startHelper(py.python) : undefined;
const noHelper = 'python3 is not installed (bench/helper.py runs the changes and times `ip`)';

try {
  const pairs = Number(flags.links ?? (quick ? 1000 : 10000)) / 2;
  const vxlans = 10;
  const baseLinks = await linkCount();
  results.baseLinks = baseLinks;
  if (wanted('cli')) await section('cliEmpty', () => cliStart('empty namespace'));
  if (wanted('events')) {
    await section('events', async () => {
      if (!helper) return { skipped: noHelper };
      try {
        return await eventLatency({
          ip,
          helper,
          pyroute2Python: py.pyroute2,
          noPyroute2: py.noPyroute2,
          quick,
          flags,
          log,
          group: GROUP_EVENTS,
        });
      } finally {
        spawnSync('ip', ['link', 'del', 'group', String(GROUP_EVENTS)], { stdio: 'ignore' });
      }
    });
  }
  if (wanted('requests')) {
    await section('requests', () => measureRequests({ rounds: quick ? 6 : 60, log }));
  }
  if (wanted('throughput')) {
    await section('throughput', throughput);
    // Whatever a failed run left behind.
    spawnSync('ip', ['link', 'del', 'group', String(GROUP_BENCH)], { stdio: 'ignore' });
  }
  if (wanted('listing') || wanted('decode') || wanted('cli') || wanted('memory') || wanted('buffer')) {
    results.populateMs = await populate(pairs, vxlans);
    const total = await linkCount();
    const want = baseLinks + 2 * pairs + vxlans;
    if (total !== want) throw new Error(`namespace holds ${total} links, expected ${want}`);
    results.populatedLinks = total;
    if (wanted('listing')) await section('listing', () => listing(total, vxlans));
    if (wanted('decode'))
      await section('decode', async () => (helper ? decodeAll(helper, total) : { skipped: noHelper }));
    if (wanted('buffer')) {
      await section('receiveBuffer', () => receiveBuffer(total));
      spawnSync('ip', ['link', 'del', 'group', String(GROUP_BENCH)], { stdio: 'ignore' });
    }
    if (wanted('cli')) await section('cliFull', () => cliStart(`${total} links`));
    if (wanted('memory')) await section('memory', memory);
  }
} finally {
  // Cleanup: one group delete per kind of link we made (fast, unlike one RTM_DELLINK per link).
  for (const g of [GROUP_EVENTS, GROUP_BENCH, GROUP_VXLAN, GROUP_VETH]) {
    spawnSync('ip', ['link', 'del', 'group', String(g)], { stdio: 'ignore' });
  }
  results.linksAfterCleanup = await linkCount().catch(() => -1);
  sock.close();
  helper?.close();
}
emitResult(results);
