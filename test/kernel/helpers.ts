/**
 * Guards and helpers for tests against the real kernel. They run only inside
 * a network namespace that the test run made for itself (scripts/test.sh runs
 * vitest under `unshare -n`), never in the host's.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

function nsInode(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Why the kernel tests cannot run here, or undefined when they can. */
export function kernelSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'real-kernel tests need root (CAP_NET_ADMIN)';
  if (process.env['EOIP_TEST_PRIVATE_NETNS'] !== '1') {
    return 'real-kernel tests run only under scripts/test.sh (npm test), inside a private network namespace';
  }
  const mine = nsInode('/proc/self/ns/net');
  const host = nsInode('/proc/1/ns/net');
  if (!mine || mine === host) return 'not inside a private network namespace';
  return undefined;
}

/** True when kernel tests can run; prints the reason once when they cannot. */
export const canUseKernel: boolean = (() => {
  const reason = kernelSkipReason();
  if (reason) console.warn(`[kernel tests skipped] ${reason}`);
  return reason === undefined;
})();

/** `ip -j link show` in the current namespace, as objects. */
export function ipLinks(extra: string[] = []): Array<{
  ifname: string;
  ifindex: number;
  mtu: number;
  master?: string;
  flags: string[];
  linkinfo?: { info_kind?: string };
}> {
  // Hundreds of links in detail are megabytes of JSON: past execFileSync's default 1 MiB (ENOBUFS).
  const out = execFileSync('ip', ['-j', '-d', 'link', 'show', ...extra], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out || '[]');
}

/** Names of all links in the current namespace, sorted. */
export function linkNames(): string[] {
  return ipLinks()
    .map((l) => l.ifname)
    .sort();
}

let counter = 0;
/** A unique interface name (≤ 15 bytes) for this test process. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}${process.pid % 10000}x${counter}`.slice(0, 15);
}

/** Run `ip` with arguments (throws on failure). */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}
