/**
 * CPU per answered request: 5,000 RTM_GETLINK requests started at once
 * (pipelined over one socket), answered and decoded, by this library and by
 * the `netlink` package, in alternating rounds of one process. Run inside the
 * kernel benchmark's private namespace (the link asked for is `lo`).
 *
 * The kernel charges user and system time by the tick, so a round of a few
 * tens of milliseconds is split between them by sampling: the result adds
 * every measured round up (user time of all rounds / all requests) rather
 * than taking a median of noisy splits.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Requests per round. */
export const REQUESTS = 5000;
/** Requests in flight at once on the `netlink` package's socket (this library's default window). */
const WINDOW = 64;

/**
 * Measure both sides. `lib` is the bench build of the sources.
 * @returns {{ requests: number, rounds: number, ours: object, netlink: object | { skipped: string } }}
 */
export async function measureRequests(lib, { rounds = 30, warmup = 4, log = () => {} } = {}) {
  const sock = lib.NetlinkSocket.open();
  const ours = async () => {
    const all = [];
    for (let i = 0; i < REQUESTS; i++) all.push(lib.getLink(sock, { index: 1 }));
    const links = await Promise.all(all);
    if (links[REQUESTS - 1]?.name !== 'lo') throw new Error('ours: no answer for lo');
  };
  let theirs;
  let skipped;
  try {
    const { createRtNetlink } = require('netlink');
    const rt = createRtNetlink();
    // At most WINDOW requests in flight, as this library's socket keeps by
    // default: all 5,000 at once overrun the receive buffer, which aborts
    // the process in that package's native code.
    theirs = async () => {
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
    theirs.close = () => rt.socket.close();
  } catch (e) {
    skipped = `the netlink package does not load: ${e.message}`;
  }
  const sides = { ours: [], netlink: [] };
  // No forced GC before a round: V8 would then sweep and mark on its
  // background threads during the round, user time the requests did not cause.
  const once = async (fn) => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn();
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    return { user: c.user, system: c.system, wallMs: wall };
  };
  for (let r = 0; r < warmup; r++) {
    await once(ours);
    if (theirs) await once(theirs);
  }
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first: neither side always runs on a warmer machine.
    const order = r % 2 ? ['netlink', 'ours'] : ['ours', 'netlink'];
    for (const name of order) {
      const fn = name === 'ours' ? ours : theirs;
      if (fn) sides[name].push(await once(fn));
    }
  }
  sock.close();
  theirs?.close?.();
  const total = (xs) => {
    const n = xs.length * REQUESTS;
    const sum = (k) => xs.reduce((a, x) => a + x[k], 0);
    const walls = xs.map((x) => x.wallMs).sort((a, b) => a - b);
    return {
      userUsPerRequest: sum('user') / n,
      systemUsPerRequest: sum('system') / n,
      cpuUsPerRequest: (sum('user') + sum('system')) / n,
      wallMsMedian: walls[walls.length >> 1],
    };
  };
  const result = {
    requests: REQUESTS,
    rounds,
    ours: total(sides.ours),
    netlink: skipped ? { skipped } : total(sides.netlink),
  };
  log(
    `GET x${REQUESTS}: ours ${result.ours.userUsPerRequest.toFixed(2)} µs user/request` +
      (skipped ? '' : `, netlink package ${result.netlink.userUsPerRequest.toFixed(2)} µs`),
  );
  return result;
}
