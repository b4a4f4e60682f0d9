/**
 * One reader of the event-latency benchmark (bench/kernel.mjs), a fresh
 * process per run, inside the benchmark's namespace. Each RTM_NEWLINK of
 * link IFNAME is timed (process.hrtime.bigint(), CLOCK_MONOTONIC, ns) when
 * the reader has it decoded:
 *
 *   watch    the library's watchLinks({ kind: 'veth' }): when the event is yielded to `for await`
 *   socket   the library's event socket (subscribeLinks, under watchLinks): when its callback has the decoded link
 *   ip       `ip -o monitor link` as a child process: when a line of its stdout is read here
 *
 *   node bench/event-reader.mjs watch|socket|ip IFNAME
 *
 * It also reports its garbage collections (start and end, same clock).
 *
 * The MTU tells the runner's changes apart: below 1299 a probe (answered at
 * once with a line `probe MTU`: the reader is listening), 1299 stops the run
 * (the arrival times are printed), from 1300 on a measured change.
 */
import { spawn } from 'node:child_process';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { emitResult, LIB } from './common.mjs';

export const PROBE_END = 1299;
export const STOP = 1299;
export const MEASURE_START = 1300;

const [mode, ifname] = process.argv.slice(2);
const arrivals = {};

// This process's garbage collections, on the same clock as the arrivals (ns), to tell
// the runner which events waited for one.
const gcs = [];
const clockOffset = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const start = clockOffset + BigInt(Math.round(e.startTime * 1e6));
    gcs.push([String(start), String(start + BigInt(Math.round(e.duration * 1e6)))]);
  }
}).observe({ entryTypes: ['gc'] });
let finish;
const finished = new Promise((r) => {
  finish = r;
});

/** One notification of IFNAME with this MTU, seen at `t`. */
function seen(mtu, t) {
  if (mtu < PROBE_END) process.stdout.write(`probe ${mtu}\n`);
  else if (mtu === STOP) finish();
  else if (mtu >= MEASURE_START && arrivals[mtu] === undefined) arrivals[mtu] = String(t);
}

if (mode === 'watch') {
  const { watchLinks } = await import(pathToFileURL(LIB).href);
  const ac = new AbortController();
  finished.then(() => ac.abort());
  for await (const ev of watchLinks({ kind: 'veth', signal: ac.signal })) {
    const t = process.hrtime.bigint();
    if (ev.type === 'changed' && ev.tunnel.name === ifname) seen(ev.tunnel.mtu, t);
  }
} else if (mode === 'socket') {
  const { subscribeLinks } = await import(pathToFileURL(LIB).href);
  const sock = subscribeLinks({
    kinds: ['veth'],
    onLink: (msg) => {
      const t = process.hrtime.bigint();
      if (msg.name === ifname) seen(msg.mtu, t);
    },
    onLost: (e) => {
      process.stderr.write(`event-reader: events lost: ${e.message}\n`);
      process.exit(1);
    },
  });
  await finished;
  sock.close();
} else if (mode === 'ip') {
  const child = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new RegExp(`^\\d+: ${ifname}(?:@\\S+)?: .* mtu (\\d+) `);
  let rest = '';
  child.stdout.on('data', (chunk) => {
    const t = process.hrtime.bigint();
    const lines = (rest + chunk.toString('latin1')).split('\n');
    rest = lines.pop();
    for (const l of lines) {
      const m = line.exec(l);
      if (m) seen(Number(m[1]), t);
    }
  });
  await finished;
  child.kill();
} else {
  process.stderr.write('usage: node bench/event-reader.mjs watch|socket|ip IFNAME\n');
  process.exit(2);
}
emitResult({ arrivals, gcs });
