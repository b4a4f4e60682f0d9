/**
 * CPU per answered request: 5,000 RTM_GETLINK requests started at once
 * (pipelined over one socket), answered and decoded, by this library and by
 * the `netlink` package. Run inside the kernel benchmark's private namespace
 * (the link asked for is `lo`).
 *
 * Each side runs in processes of its own, alternating: ours, theirs, theirs,
 * ours, … `process.cpuUsage()` counts the whole process, V8's garbage
 * collector threads included, so in one shared process the collection of one
 * library's garbage was charged to whichever side ran next (ours measured
 * 5.7–7.0 µs that way, 4.6–5.1 µs alone).
 *
 * The kernel charges user and system time by the tick, so a round of a few
 * tens of milliseconds is split between them by sampling: the result adds
 * every measured round up (user time of all rounds / all requests) rather
 * than taking a median of noisy splits.
 *
 * As a child: node bench/requests.mjs --side=ours|netlink --rounds=N --warmup=N
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emitResult, LIB, parseFlags, parseResult } from './common.mjs';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);

/** Requests per round. */
export const REQUESTS = 5000;
/** Requests in flight at once on the `netlink` package's socket (this library's default window). */
const WINDOW = 64;
/** Processes per side. */
const PROCESSES = 6;

/** One round of this library: every request started at once, all answers decoded. */
async function oursSide() {
  const lib = await import(pathToFileURL(LIB).href);
  const sock = lib.NetlinkSocket.open();
  const round = async () => {
    const all = [];
    for (let i = 0; i < REQUESTS; i++) all.push(lib.getLink(sock, { index: 1 }));
    const links = await Promise.all(all);
    if (links[REQUESTS - 1]?.name !== 'lo') throw new Error('ours: no answer for lo');
  };
  return { round, close: () => sock.close() };
}

/**
 * One round of the `netlink` package, at most WINDOW requests in flight (as
 * this library's socket keeps by default): all 5,000 at once overrun the
 * receive buffer, which aborts the process in that package's native code.
 */
function netlinkSide() {
  const { createRtNetlink } = require('netlink');
  const rt = createRtNetlink();
  const round = async () => {
    let next = 0;
    let last;
    const lane = async () => {
      while (next < REQUESTS) {
        next++;
        last = await rt.getLink({ index: 1 });
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    if (last?.[0]?.attrs?.ifname !== 'lo') throw new Error('netlink: no answer for lo');
  };
  return { round, close: () => rt.socket.close() };
}

/** The child: warm-up rounds, then the measured ones; prints their CPU and wall times. */
async function child(side, rounds, warmup) {
  const s = side === 'ours' ? await oursSide() : netlinkSide();
  // No forced GC before a round: V8 would then sweep and mark on its
  // background threads during the round, user time the requests did not cause.
  for (let r = 0; r < warmup; r++) await s.round();
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await s.round();
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    out.push({ user: c.user, system: c.system, wallMs });
  }
  s.close();
  emitResult(out);
}

/** Sum of every measured round of one side, per request. */
function total(xs) {
  const n = xs.length * REQUESTS;
  const sum = (k) => xs.reduce((a, x) => a + x[k], 0);
  const walls = xs.map((x) => x.wallMs).sort((a, b) => a - b);
  return {
    userUsPerRequest: sum('user') / n,
    systemUsPerRequest: sum('system') / n,
    cpuUsPerRequest: (sum('user') + sum('system')) / n,
    wallMsMedian: walls[walls.length >> 1],
  };
}

/**
 * Measure both sides, `rounds` measured rounds each, spread over
 * {@link PROCESSES} processes per side.
 * @returns {{ requests: number, rounds: number, processes: number, ours: object, netlink: object | { skipped: string } }}
 */
export async function measureRequests({ rounds = 60, warmup = 4, log = () => {} } = {}) {
  const perProcess = Math.max(1, Math.ceil(rounds / PROCESSES));
  let skipped;
  try {
    require.resolve('netlink');
  } catch (e) {
    skipped = `the netlink package does not load: ${e.message}`;
  }
  const sides = { ours: [], netlink: [] };
  const run = (side) => {
    const p = spawnSync(
      process.execPath,
      [SELF, `--side=${side}`, `--rounds=${perProcess}`, `--warmup=${warmup}`],
      { encoding: 'utf8' },
    );
    const res = parseResult(p.stdout);
    if (p.status !== 0 || !res) throw new Error(`${side} requests failed: ${p.stderr.trim().slice(0, 500)}`);
    sides[side].push(...res);
  };
  for (let i = 0; i < PROCESSES; i++) {
    // Alternate who goes first: neither side always runs on a warmer machine.
    for (const side of i % 2 ? ['netlink', 'ours'] : ['ours', 'netlink']) {
      if (side === 'netlink' && skipped) continue;
      run(side);
    }
  }
  const result = {
    requests: REQUESTS,
    rounds: sides.ours.length,
    processes: PROCESSES,
    ours: total(sides.ours),
    netlink: skipped ? { skipped } : total(sides.netlink),
  };
  log(
    `GET x${REQUESTS}: ours ${result.ours.userUsPerRequest.toFixed(2)} µs user/request` +
      (skipped ? '' : `, netlink package ${result.netlink.userUsPerRequest.toFixed(2)} µs`),
  );
  return result;
}

if (process.argv[1] === SELF) {
  const { flags } = parseFlags(process.argv.slice(2));
  await child(String(flags.side), Number(flags.rounds ?? 10), Number(flags.warmup ?? 4));
}
