/**
 * One fresh process for the memory benchmark: load the library, open a
 * socket, list every link of the current namespace (or not, for the idle
 * baseline) and report the peak RSS (VmHWM). Started by bench/kernel.mjs inside its
 * private namespace; it only reads.
 *
 * node bench/mem-child.mjs idle|raw|nostats|stats
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { emitResult, LIB } from './common.mjs';

const mode = process.argv[2] ?? 'stats';
const { NetlinkSocket, dumpLinks, dumpLinksRaw } = await import(pathToFileURL(LIB).href);
const sock = NetlinkSocket.open();
let links = 0;
let kept;
if (mode === 'raw') links = await dumpLinksRaw(sock, { stats: false });
else if (mode === 'nostats') kept = await dumpLinks(sock, { stats: false });
else if (mode === 'stats') kept = await dumpLinks(sock);
if (kept) links = kept.length;
const mu = process.memoryUsage();
// VmHWM, the peak RSS of this process's own address space. Not resourceUsage().maxRSS:
// Linux carries the parent's RSS over into the child's maxRSS at exec time.
const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
const maxRssMB = hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
emitResult({
  mode,
  links,
  maxRssMB,
  heapUsedMB: mu.heapUsed / 2 ** 20,
  rssNowMB: mu.rss / 2 ** 20,
  kept: kept?.length,
});
sock.close();
