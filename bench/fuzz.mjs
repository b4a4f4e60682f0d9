/**
 * Decoder fuzz: 1,000,000 mutated, truncated, spliced and random messages
 * through decodeLinkMessage, splitMessages, decodeErrorPayload and
 * describeMessage (and, for each message splitMessages cuts out, the decoder
 * of its type). Fails when anything other than NetlinkParseError is thrown
 * (or one with an offset outside the input), when one input takes more than
 * 100 ms, or when a worker stops making progress (a hang).
 *
 *   node bench/fuzz.mjs [--runs=1000000] [--seed=1234|random] [--workers=1]
 *   npm run bench -- fuzz [same flags]
 *
 * Inputs are a pure function of (seed, index): a failure prints both, and
 * `--replay=<index>` reruns one input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { buildLib, LIB, now, parseFlags, VECTORS } from './common.mjs';

const SLOW_MS = 100;
const HANG_MS = 20_000;

// --- deterministic randomness -------------------------------------------------
function rng(seed, index) {
  // mulberry32 over a mix of seed and index.
  let a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

// --- the corpus ------------------------------------------------------------------
function corpus() {
  const hex = new Set();
  const walk = (v, key = '') => {
    if (typeof v === 'string') {
      if (key.includes('_hex') && v.length >= 8 && /^([0-9a-f]{2})+$/.test(v)) hex.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  for (const f of ['dumps.json', 'requests.json', 'errors.json', 'probes.json']) {
    walk(JSON.parse(readFileSync(join(VECTORS, f), 'utf8')));
  }
  return [...hex].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
}

const EDGE16 = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 19, 20, 31, 32, 33, 36, 0x7fff, 0x8000, 0xfffc, 0xffff];
const EDGE32 = [0, 1, 15, 16, 17, 31, 32, 36, 0x7fffffff, 0x80000000, 0xffffffff];
const TYPES = [1, 2, 3, 4, 16, 17, 18, 19, 24, 88, 0, 0xffff];

function setU16(b, at, v) {
  if (at < b.length) b[at] = v & 0xff;
  if (at + 1 < b.length) b[at + 1] = (v >>> 8) & 0xff;
}
function setU32(b, at, v) {
  for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (v >>> (8 * i)) & 0xff;
}

/** The input number `index` of a run with `seed`. */
export function makeInput(seed, index, base) {
  const r = rng(seed, index);
  const strategy = r.int(20);
  let b;
  if (strategy === 0) {
    // Pure noise.
    b = new Uint8Array(r.int(r.next() < 0.5 ? 64 : 2048));
    for (let i = 0; i < b.length; i++) b[i] = r.int(256);
  } else if (strategy === 1) {
    // Noise behind a plausible header: nlmsg_len = the length, a known type.
    b = new Uint8Array(16 + r.int(600));
    for (let i = 16; i < b.length; i++) b[i] = r.int(256);
    setU32(b, 0, b.length);
    setU16(b, 4, r.pick(TYPES));
    setU16(b, 6, r.int(0x10000));
  } else if (strategy === 2) {
    // Several messages in one datagram.
    const parts = [];
    const k = 2 + r.int(3);
    for (let i = 0; i < k; i++) parts.push(r.pick(base));
    const total = parts.reduce((n, p) => n + ((p.length + 3) & ~3), 0);
    b = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      b.set(p, at);
      at += (p.length + 3) & ~3;
    }
  } else {
    b = r.pick(base).slice();
  }
  // Then 1..4 mutations (none for a share of the datagrams, so that valid ones get through too).
  const ops = strategy === 2 && r.next() < 0.3 ? 0 : 1 + r.int(4);
  for (let o = 0; o < ops && b.length > 0; o++) {
    const at = r.int(b.length);
    switch (r.int(11)) {
      case 0:
        b = b.subarray(0, at);
        break;
      case 1:
        b[at] ^= 1 << r.int(8);
        break;
      case 2:
        b[at] = r.pick([0, 1, 3, 4, 0x7f, 0x80, 0xff]);
        break;
      case 3:
      case 4:
        // Lengths and types live at 4-byte aligned offsets.
        setU16(b, at & ~3, r.next() < 0.7 ? r.pick(EDGE16) : r.int(0x10000));
        break;
      case 5:
        setU16(b, (at & ~3) + 2, r.next() < 0.5 ? r.int(64) | (r.int(4) << 14) : r.int(0x10000));
        break;
      case 6:
        setU32(b, at & ~3, r.pick(EDGE32));
        break;
      case 7: {
        // Insert random bytes.
        const ins = new Uint8Array(1 + r.int(24));
        for (let i = 0; i < ins.length; i++) ins[i] = r.int(256);
        const nb = new Uint8Array(b.length + ins.length);
        nb.set(b.subarray(0, at));
        nb.set(ins, at);
        nb.set(b.subarray(at), at + ins.length);
        b = nb;
        break;
      }
      case 8: {
        // Delete a chunk.
        const len = 1 + r.int(Math.min(64, b.length - at));
        const nb = new Uint8Array(b.length - len);
        nb.set(b.subarray(0, at));
        nb.set(b.subarray(at + len), at);
        b = nb;
        break;
      }
      case 9: {
        // Splice in a chunk of another message.
        const other = r.pick(base);
        const from = r.int(other.length);
        const len = 1 + r.int(Math.min(128, other.length - from));
        const nb = new Uint8Array(Math.max(b.length, at + len));
        nb.set(b);
        nb.set(other.subarray(from, from + len), at);
        b = nb;
        break;
      }
      default:
        // A zero/short attribute length after the fixed headers.
        if (b.length > 36) setU16(b, 32 + ((r.int(b.length - 32) >> 2) << 2), r.int(4));
    }
  }
  // Half the inputs as Buffers, as the socket delivers them; some at an odd offset of a larger buffer.
  if (r.next() < 0.5) return Buffer.from(b);
  if (r.next() < 0.3) {
    const big = new Uint8Array(b.length + 3);
    big.set(b, 3);
    return big.subarray(3);
  }
  return b;
}

// --- one input through every decoder ---------------------------------------------
function check(lib, input, tally) {
  const { NetlinkParseError, decodeLinkMessage, describeMessage, decodeErrorPayload, splitMessages } = lib;
  const attempt = (name, fn) => {
    tally[name] ??= { ok: 0, refused: 0 };
    const t = tally[name];
    try {
      const v = fn();
      t.ok++;
      return v;
    } catch (e) {
      if (!(e instanceof NetlinkParseError)) {
        throw new FuzzFailure(`${name} threw ${e?.name ?? typeof e}: ${e?.message ?? String(e)}`);
      }
      if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.byteLength + 3) {
        throw new FuzzFailure(
          `${name}: NetlinkParseError offset ${e.offset} outside the ${input.byteLength}-byte input`,
        );
      }
      t.refused++;
      return undefined;
    }
  };
  const flags = input.byteLength >= 8 ? input[6] | (input[7] << 8) : 0;
  attempt('decodeLinkMessage', () => decodeLinkMessage(input));
  attempt('describeMessage', () => describeMessage(input));
  attempt('decodeErrorPayload', () =>
    decodeErrorPayload(input.subarray(Math.min(16, input.byteLength)), flags, Math.min(16, input.byteLength)),
  );
  const msgs = attempt('splitMessages', () => splitMessages(input));
  if (msgs) {
    for (const m of msgs) {
      attempt('describeMessage (split)', () => describeMessage(m.bytes));
      if (m.header.type === 2)
        attempt('decodeErrorPayload (split)', () => decodeErrorPayload(m.payload, m.header.flags));
      else attempt('decodeLinkMessage (split)', () => decodeLinkMessage(m.bytes));
    }
  }
}

class FuzzFailure extends Error {}

// --- worker ---------------------------------------------------------------------------
async function workerMain() {
  const { seed, start, end, progress } = workerData;
  const lib = await import(pathToFileURL(LIB).href);
  const base = corpus();
  const cursor = new Int32Array(progress);
  const tally = {};
  const failures = [];
  let slowest = { ms: 0, index: -1 };
  let last = now();
  for (let i = start; i < end; i++) {
    Atomics.store(cursor, 0, i);
    const input = makeInput(seed, i, base);
    let t0 = now();
    let failure;
    try {
      check(lib, input, tally);
    } catch (e) {
      failure = e instanceof FuzzFailure ? e.message : `harness error: ${e?.stack ?? e}`;
    }
    let took = Number(now() - t0) / 1e6;
    if (took > SLOW_MS && !failure) {
      // Confirm before blaming the decoder: the machine may have paused us (GC, other jobs).
      t0 = now();
      check(lib, input, {});
      took = Math.min(took, Number(now() - t0) / 1e6);
      if (took > SLOW_MS) failure = `took ${took.toFixed(1)} ms (limit ${SLOW_MS} ms)`;
    }
    if (took > slowest.ms) slowest = { ms: took, index: i, bytes: input.byteLength };
    if (failure && failures.length < 20) {
      failures.push({ index: i, failure, hex: Buffer.from(input).toString('hex').slice(0, 4096) });
    }
    if (Number(now() - last) > 1e9) {
      parentPort.postMessage({ type: 'progress', done: i + 1 - start, failures: failures.length });
      last = now();
    }
  }
  parentPort.postMessage({ type: 'done', done: end - start, tally, failures, slowest });
}

// --- main -----------------------------------------------------------------------------
async function main() {
  const { flags } = parseFlags(process.argv.slice(2));
  const runs = Number(flags.runs ?? 1_000_000);
  const seed =
    flags.seed === 'random' ? (Math.random() * 2 ** 31) >>> 0 : Number(flags.seed ?? 0x0e01f) >>> 0;
  const workers = Math.max(1, Number(flags.workers ?? 1));
  await buildLib({ log: (s) => process.stderr.write(`[fuzz] ${s}\n`) });

  if (flags.replay !== undefined) {
    const lib = await import(pathToFileURL(LIB).href);
    const input = makeInput(seed, Number(flags.replay), corpus());
    console.log(`input ${flags.replay} (seed ${seed}): ${Buffer.from(input).toString('hex')}`);
    const tally = {};
    check(lib, input, tally);
    console.log(JSON.stringify(tally));
    return 0;
  }

  console.log(
    `fuzzing ${runs.toLocaleString('en-US')} inputs, seed ${seed}, ${workers} worker(s), ${corpus().length} corpus messages`,
  );
  const t0 = now();
  const per = Math.ceil(runs / workers);
  const jobs = [];
  for (let w = 0; w < workers; w++) {
    const start = w * per;
    const end = Math.min(runs, start + per);
    if (start >= end) break;
    const progress = new SharedArrayBuffer(4);
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { seed, start, end, progress } });
    const job = {
      worker,
      start,
      end,
      cursor: new Int32Array(progress),
      done: 0,
      lastCursor: -1,
      lastMove: Date.now(),
    };
    job.result = new Promise((resolve, reject) => {
      worker.on('message', (m) => {
        if (m.type === 'progress') job.done = m.done;
        else resolve(m);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0) reject(new Error(`worker exited with ${code}`));
      });
    });
    jobs.push(job);
  }
  let hang;
  const watchdog = setInterval(() => {
    let done = 0;
    for (const j of jobs) {
      const c = Atomics.load(j.cursor, 0);
      if (c !== j.lastCursor) {
        j.lastCursor = c;
        j.lastMove = Date.now();
      } else if (Date.now() - j.lastMove > HANG_MS && !hang) {
        hang = { index: c };
        for (const k of jobs) k.worker.terminate();
      }
      done += j.done;
    }
    const s = Number(now() - t0) / 1e9;
    process.stdout.write(`  ${done.toLocaleString('en-US')} inputs, ${s.toFixed(0)} s\n`);
  }, 10_000);
  let results;
  try {
    results = await Promise.all(jobs.map((j) => j.result));
  } catch (e) {
    clearInterval(watchdog);
    if (hang) {
      const input = makeInput(seed, hang.index, corpus());
      console.log(
        `FAIL: input ${hang.index} (seed ${seed}) made no progress for ${HANG_MS / 1000} s (a hang):`,
      );
      console.log(Buffer.from(input).toString('hex'));
      return 1;
    }
    throw e;
  }
  clearInterval(watchdog);
  const seconds = Number(now() - t0) / 1e9;
  const tally = {};
  for (const r of results) {
    for (const [k, v] of Object.entries(r.tally)) {
      tally[k] ??= { ok: 0, refused: 0 };
      tally[k].ok += v.ok;
      tally[k].refused += v.refused;
    }
  }
  const failures = results.flatMap((r) => r.failures);
  const slowest = results.map((r) => r.slowest).sort((a, b) => b.ms - a.ms)[0];
  const total = results.reduce((n, r) => n + r.done, 0);
  console.log(
    `${total.toLocaleString('en-US')} inputs in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en-US')}/s)`,
  );
  for (const [k, v] of Object.entries(tally)) {
    console.log(
      `  ${k.padEnd(28)} decoded ${String(v.ok).padStart(8)}  refused (NetlinkParseError) ${String(v.refused).padStart(8)}`,
    );
  }
  console.log(
    `  slowest input: ${slowest.ms.toFixed(2)} ms (index ${slowest.index}, ${slowest.bytes} bytes)`,
  );
  if (failures.length) {
    console.log(
      `FAIL: ${failures.length} failing input(s) (seed ${seed}; rerun one with --seed=${seed} --replay=<index>):`,
    );
    for (const f of failures) console.log(`  #${f.index}: ${f.failure}\n    ${f.hex}`);
    return 1;
  }
  console.log('OK: only NetlinkParseError, no input over 100 ms, no hang');
  return 0;
}

if (isMainThread) process.exitCode = await main();
else await workerMain();
