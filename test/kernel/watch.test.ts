/**
 * Link events from the real kernel through the watcher (vxlan stands in for
 * eoip: the watch engine is the same for every kind), read in this process,
 * in its own namespace or, over a socket opened inside it, in another.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchLinks, watchTunnels } from '../../src/api/watch.js';
import { type SpawnSpy, spySpawns } from '../edges/inprocess-helpers.js';
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
  // No watcher starts a process: events are read here.
  let spawns: SpawnSpy;
  beforeEach(() => {
    spawns = spySpawns();
  });
  afterEach(() => {
    spawns.restore();
    expect(spawns.started).toEqual([]);
  });

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

  it('survives a burst that overruns its socket: the watcher resyncs', async () => {
    const ac = new AbortController();
    const marker = uniqueName('wz');
    ip('link', 'add', marker, 'type', 'veth', 'peer', 'name', `${marker}p`);
    // A small receive buffer, and this process blocked while 300 pairs appear: the kernel must drop events.
    const it = watchLinks({ kind: 'veth', signal: ac.signal, initial: true, recvBufferSize: 65536 });
    const prefix = `o${process.pid % 1000}`;
    const counts: Record<string, number> = {};
    let resync: number | undefined;
    const timer = setTimeout(() => ac.abort(), 20000);
    for await (const ev of it) {
      counts[ev.type] = (counts[ev.type] ?? 0) + 1;
      if (ev.type === 'added' && ev.tunnel.name === marker) {
        const add = Array.from(
          { length: 300 },
          (_, i) => `link add ${prefix}a${i} type veth peer name ${prefix}b${i}`,
        );
        // Synchronous: the event loop, and so the watcher's socket, waits until all are made.
        execFileSync('ip', ['-batch', '-'], { input: `${add.join('\n')}\n` });
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

describe.skipIf(!canUseKernel)('watching another namespace, in this process', () => {
  const NS = `eoipt-w-${process.pid}`;
  let spawns: SpawnSpy;
  beforeEach(() => {
    ip('netns', 'add', NS);
    spawns = spySpawns();
  });
  afterEach(() => {
    spawns.restore();
    ip('netns', 'del', NS);
    expect(spawns.started).toEqual([]);
  });

  it("reports that namespace's events only, by name or path alike", async () => {
    const here = uniqueName('wh');
    ip('-n', NS, 'link', 'add', 'wa', 'type', 'vxlan', 'id', '7', 'dstport', '4789');
    for (const netns of [NS, `/run/netns/${NS}`]) {
      const ac = new AbortController();
      const it = watchLinks({ kind: 'vxlan', netns, signal: ac.signal, initial: true });
      try {
        // The initial read is that namespace's: wa only.
        expect(await take(it, 1)).toMatchObject([{ type: 'added', tunnel: { name: 'wa' } }]);
        ip('link', 'add', here, 'type', 'vxlan', 'id', '8', 'dstport', '4789'); // here: not watched
        ip('-n', NS, 'link', 'set', 'wa', 'mtu', '1234');
        ip('-n', NS, 'link', 'add', 'wb', 'type', 'vxlan', 'id', '9', 'dstport', '4789');
        const evs = await take(it, 2);
        expect(evs).toMatchObject([
          { type: 'changed', tunnel: { name: 'wa', mtu: 1234 }, previous: { mtu: 1500 } },
          { type: 'added', tunnel: { name: 'wb' } },
        ]);
      } finally {
        ac.abort();
        ip('link', 'del', here);
        ip('-n', NS, 'link', 'del', 'wb');
        ip('-n', NS, 'link', 'set', 'wa', 'mtu', '1500');
      }
    }
  });

  it('resyncs from that namespace after a burst overran its socket', async () => {
    const ac = new AbortController();
    const it = watchLinks({
      kind: 'veth',
      netns: NS,
      signal: ac.signal,
      initial: true,
      recvBufferSize: 65536,
    });
    ip('-n', NS, 'link', 'add', 'za', 'type', 'veth', 'peer', 'name', 'zb');
    let resync: number | undefined;
    try {
      for await (const ev of it) {
        if (ev.type === 'added' && ev.tunnel.name === 'za') {
          const add = Array.from({ length: 300 }, (_, i) => `link add a${i} type veth peer name b${i}`);
          // Synchronous: nothing is read until all are made, so the small buffer overflows.
          execFileSync('ip', ['-n', NS, '-batch', '-'], { input: `${add.join('\n')}\n` });
        }
        if (ev.type === 'resync') {
          resync = ev.tunnels.length;
          break;
        }
      }
    } finally {
      ac.abort();
    }
    // Every veth end of that namespace, and none of this one's.
    expect(resync).toBe(602);
  }, 60000);

  it('watchTunnels in that namespace starts, and a namespace that cannot be opened fails the iteration', async () => {
    const ac = new AbortController();
    const it = watchTunnels({ netns: NS, signal: ac.signal, initial: true });
    const first = it.next();
    ac.abort();
    expect(await first).toEqual({ value: undefined, done: true });
    // A namespace file that does not exist: the error comes from the iteration, not the call.
    const missing = watchTunnels({ netns: `${NS}-absent` });
    await expect(missing.next()).rejects.toThrow(
      `cannot open network namespace /run/netns/${NS}-absent: ENOENT`,
    );
  });
});
