/**
 * Link events from the real kernel through the watcher (vxlan stands in for
 * eoip: the watch engine is the same for every kind).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { watchLinks } from '../../src/api/watch.js';
import { canUseKernel, ip, uniqueName } from './helpers.js';

async function take<T>(it: AsyncIterator<T>, n: number, ms = 5000): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left)),
    ]);
    if (r === 'timeout' || r.done) break;
    out.push(r.value);
  }
  return out;
}

describe.skipIf(!canUseKernel)('watchLinks on the real kernel', () => {
  it('reports added, changed (with previous) and removed, in kernel order, for the watched kind only', async () => {
    const ac = new AbortController();
    const existing = uniqueName('wv');
    ip('link', 'add', existing, 'type', 'vxlan', 'id', '5', 'dstport', '4789');
    const it = watchLinks({ kind: 'vxlan', signal: ac.signal, initial: true });
    const vx = uniqueName('wx');
    const br = uniqueName('wb');
    try {
      const first = await take(it, 1);
      expect(first[0]).toMatchObject({ type: 'added', tunnel: { name: existing } });
      ip('link', 'add', br, 'type', 'bridge'); // another kind: no event
      ip('link', 'add', vx, 'type', 'vxlan', 'id', '42', 'dstport', '4789');
      ip('link', 'set', vx, 'mtu', '1300');
      ip('link', 'set', vx, 'up');
      ip('link', 'del', vx);
      // Deleting an up link first takes it down: the kernel reports that as its own change.
      const evs = await take(it, 5);
      expect(evs.map((e) => e.type)).toEqual(['added', 'changed', 'changed', 'changed', 'removed']);
      expect(evs.every((e) => e.type === 'resync' || e.tunnel.name === vx)).toBe(true);
      const mtu = evs[1]!;
      expect(mtu.type === 'changed' && [mtu.previous?.mtu, mtu.tunnel.mtu]).toEqual([1500, 1300]);
      const up = evs[2]!;
      expect(up.type === 'changed' && [(up.previous!.flags & 1) === 1, (up.tunnel.flags & 1) === 1]).toEqual([
        false,
        true,
      ]);
    } finally {
      ac.abort();
      ip('link', 'del', existing);
      ip('link', 'del', br);
    }
    // Aborting ends the iteration.
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('break out of for-await closes the watcher', async () => {
    const marker = uniqueName('wm');
    ip('link', 'add', marker, 'type', 'vxlan', 'id', '44', 'dstport', '4789');
    const it = watchLinks({ kind: 'vxlan', initial: true });
    const vx = uniqueName('wy');
    const seen: string[] = [];
    for await (const ev of it) {
      if (ev.type === 'resync') continue;
      seen.push(`${ev.type} ${ev.tunnel.name}`);
      // The initial event means the watcher is subscribed: now make a change.
      if (ev.tunnel.name === marker) ip('link', 'add', vx, 'type', 'vxlan', 'id', '43', 'dstport', '4789');
      else break;
    }
    expect(seen).toEqual([`added ${marker}`, `added ${vx}`]);
    ip('link', 'del', vx);
    ip('link', 'del', marker);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('survives a burst that overruns the reader: the reader restarts and the watcher resyncs', async () => {
    const ac = new AbortController();
    const marker = uniqueName('wz');
    ip('link', 'add', marker, 'type', 'veth', 'peer', 'name', `${marker}p`);
    // A small receive buffer, and the reader stopped while 300 pairs appear: the kernel must drop events.
    const it = watchLinks({ kind: 'veth', signal: ac.signal, initial: true, recvBufferSize: 65536 });
    const prefix = `o${process.pid % 1000}`;
    const counts: Record<string, number> = {};
    let resync: number | undefined;
    const timer = setTimeout(() => ac.abort(), 20000);
    for await (const ev of it) {
      counts[ev.type] = (counts[ev.type] ?? 0) + 1;
      if (ev.type === 'added' && ev.tunnel.name === marker) {
        const reader = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'events-child'], {
          encoding: 'utf8',
        }).trim();
        expect(reader).toMatch(/^\d+$/);
        process.kill(Number(reader), 'SIGSTOP');
        const add = Array.from(
          { length: 300 },
          (_, i) => `link add ${prefix}a${i} type veth peer name ${prefix}b${i}`,
        );
        execFileSync('ip', ['-batch', '-'], { input: `${add.join('\n')}\n` });
        process.kill(Number(reader), 'SIGCONT');
      }
      if (ev.type === 'resync') {
        resync = ev.tunnels.length;
        break;
      }
    }
    clearTimeout(timer);
    // Every link is known after the resync, whatever was dropped on the way.
    expect(resync).toBe(602);
    expect(counts['added']).toBe(602);
    const del = Array.from({ length: 300 }, (_, i) => `link del ${prefix}a${i}`);
    execFileSync('ip', ['-batch', '-'], { input: `${del.join('\n')}\nlink del ${marker}\n` });
  }, 60000);
});
