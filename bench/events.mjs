/**
 * Event latency (run by bench/kernel.mjs inside its namespace): from a link
 * change made by another process to the event in the reader, for the
 * library's watchLinks, the library's event socket under it, `ip monitor
 * link` and pyroute2.
 *
 * The change: bench/helper.py sets the MTU of the veth `evA` (up, its peer
 * up) over a raw rtnetlink socket, one RTM_NEWLINK at a time, a few ms apart,
 * and notes CLOCK_MONOTONIC just before each sendmsg (the kernel broadcasts
 * the notification inside that call, before the ack). Each reader is a fresh
 * process that notes CLOCK_MONOTONIC when it has the event decoded
 * (bench/event-reader.mjs, bench/event-pyroute2.py); every MTU is used once
 * per run, so arrivals match changes. Readers run one at a time, in an
 * order that rotates from round to round; each run starts with changes that
 * are not counted (warm-up, 1 ms apart).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR } from './common.mjs';

const PROBE_BASE = 1280;
const PROBES = 19; // 1280..1298
const STOP = 1299;
const MEASURE_START = 1300;
/** The warm-up's changes are this far apart (µs). */
const WARM_GAP_US = 1000;

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Median, p90, p99, extremes and the count over 1 ms, of ms samples. */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    median: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    max: s[s.length - 1],
    min: s[0],
    over1ms: s.filter((x) => x > 1).length,
  };
}

/** The readers, each a command that prints `probe MTU` lines and a @@RESULT@@ line. */
export function readers(pyroute2Python, ifname) {
  const node = (mode) => [process.execPath, [join(BENCH_DIR, 'event-reader.mjs'), mode, ifname]];
  const out = [
    {
      id: 'watch',
      label: "library: `watchLinks({ kind: 'veth' })`, the event yielded to `for await`",
      cmd: node('watch'),
    },
    {
      id: 'socket',
      label:
        'library: its event socket under watchLinks (`subscribeLinks`), the decoded link in its callback',
      cmd: node('socket'),
    },
    { id: 'ip', label: '`ip -o monitor link`, the line read from its stdout in Node', cmd: node('ip') },
  ];
  if (pyroute2Python) {
    out.push({
      id: 'pyroute2',
      label: 'pyroute2 `IPRoute`: `bind()`, then a `get()` loop',
      cmd: [pyroute2Python, [join(BENCH_DIR, 'event-pyroute2.py'), ifname]],
    });
  }
  return out;
}

/** One run of one reader: probes until it listens, `warm + count` changes, stop; returns latencies in ms. */
async function readerRun(reader, helper, index, { warm, count, gapUs, jitterUs, seed }) {
  const [cmd, args] = reader.cmd;
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const probes = new Set();
  let wake = () => {};
  child.stdout.on('data', (c) => {
    out += c;
    for (const m of c.toString().matchAll(/^probe (\d+)$/gm)) probes.add(Number(m[1]));
    wake();
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const seen = (mtu, ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      wake = () => {
        if (probes.has(mtu)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      wake();
    });
  try {
    // Probes until the reader has one: it is subscribed (a process start takes ~0.1 s).
    for (let k = 0; ; k++) {
      const mtu = PROBE_BASE + (k % PROBES);
      await helper.request({ op: 'mtus', index, mtus: [mtu], gapUs: 0 });
      if (await seen(mtu, 250)) break;
      if (k >= 80) throw new Error(`${reader.id}: saw none of ${k + 1} probes (${err.trim().slice(0, 300)})`);
    }
    const mtus = Array.from({ length: warm + count }, (_, i) => MEASURE_START + i);
    // The warm-up, not counted, 1 ms apart; then the measured changes.
    if (warm > 0) await helper.request({ op: 'mtus', index, mtus: mtus.slice(0, warm), gapUs: WARM_GAP_US });
    const times = await helper.request({ op: 'mtus', index, mtus: mtus.slice(warm), gapUs, jitterUs, seed });
    await helper.request({ op: 'mtus', index, mtus: [STOP], gapUs: 0 });
    const timeout = setTimeout(() => child.kill(), 10_000);
    const status = await exited;
    clearTimeout(timeout);
    const i = out.lastIndexOf('@@RESULT@@');
    if (status !== 0 || i < 0)
      throw new Error(`${reader.id} exited with ${status}: ${err.trim().slice(0, 500)}`);
    const { arrivals, gcs = [] } = JSON.parse(out.slice(i + '@@RESULT@@'.length).split('\n')[0]);
    const pauses = gcs.map(([a, b]) => [BigInt(a), BigInt(b)]);
    const fromSend = [];
    const fromAck = [];
    const withGc = [];
    let missing = 0;
    for (let k = 0; k < count; k++) {
      const at = arrivals[mtus[warm + k]];
      if (at === undefined) {
        missing++;
        continue;
      }
      const sent = BigInt(times.sent[k]);
      const arrived = BigInt(at);
      const ms = Number(arrived - sent) / 1e6;
      fromSend.push(ms);
      fromAck.push(Number(arrived - BigInt(times.acked[k])) / 1e6);
      // A collection of the reader took 0.1 ms or more of the time between the change and its arrival.
      const inGc = (a, b) => (b < arrived ? b : arrived) - (a > sent ? a : sent);
      if (pauses.some(([a, b]) => inGc(a, b) >= 100_000n)) withGc.push(ms);
    }
    const kernel = [];
    for (let k = 0; k < count; k++) kernel.push(Number(BigInt(times.acked[k]) - BigInt(times.sent[k])) / 1e6);
    return { fromSend, fromAck, kernel, missing, withGc };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/**
 * The benchmark: `ip` runs `ip` commands in the namespace, `helper` is
 * bench/helper.py, `group` the link group of the veth pair it makes.
 */
export async function eventLatency({ ip, helper, pyroute2Python, noPyroute2, quick, flags, log, group }) {
  const changes = Number(flags['ev-changes'] ?? (quick ? 40 : 200));
  const rounds = Number(flags['ev-rounds'] ?? (quick ? 2 : 4));
  // A watcher is a long-running process: V8 optimizes its path only after some hundred
  // events (an optimization stalled an event for about 1 ms in runs that counted from the 100th).
  const warm = Number(flags['ev-warm'] ?? (quick ? 50 : 300));
  const gapUs = 4000;
  const jitterUs = 2000;
  const count = Math.ceil(changes / rounds);
  ip([
    'link',
    'add',
    'evA',
    'group',
    String(group),
    'type',
    'veth',
    'peer',
    'name',
    'evB',
    'group',
    String(group),
  ]);
  ip(['link', 'set', 'evB', 'up']);
  ip(['link', 'set', 'evA', 'up']);
  const index = JSON.parse(ip(['-j', 'link', 'show', 'evA']))[0].ifindex;
  const list = readers(pyroute2Python, 'evA');
  const acc = Object.fromEntries(
    list.map((r) => [r.id, { fromSend: [], fromAck: [], kernel: [], withGc: [], missing: 0 }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < list.length; k++) {
      const reader = list[(k + round) % list.length];
      const r = await readerRun(reader, helper, index, { warm, count, gapUs, jitterUs, seed: round + 1 });
      const a = acc[reader.id];
      a.fromSend.push(...r.fromSend);
      a.fromAck.push(...r.fromAck);
      a.kernel.push(...r.kernel);
      a.withGc.push(...r.withGc);
      a.missing += r.missing;
    }
  }
  const out = {
    changesPerReader: count * rounds,
    rounds,
    warmPerRun: warm,
    gapMs: gapUs / 1000,
    jitterMs: jitterUs / 1000,
    ...(noPyroute2 ? { pyroute2Skipped: noPyroute2 } : {}),
    readers: {},
  };
  const kernelAll = [];
  for (const r of list) {
    const a = acc[r.id];
    kernelAll.push(...a.kernel);
    out.readers[r.id] = {
      label: r.label,
      ms: stats(a.fromSend),
      afterAckMs: stats(a.fromAck),
      missing: a.missing,
      // Node readers: the events that a garbage collection of the reader fell between change and arrival of.
      ...(r.cmd[0] === process.execPath ? { withGcMs: [...a.withGc].sort((x, y) => x - y) } : {}),
    };
  }
  out.sendToAckMs = stats(kernelAll);
  log(
    `event latency (median / p99 ms): ${Object.entries(out.readers)
      .map(([id, x]) => `${id} ${x.ms.median.toFixed(3)} / ${x.ms.p99.toFixed(3)}`)
      .join(', ')}`,
  );
  return out;
}
