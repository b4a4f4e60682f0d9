/**
 * Link events from the real kernel through the watcher (vxlan stands in for
 * eoip: the watch engine is the same for every kind).
 */
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
    const it = watchLinks({ kind: 'vxlan' });
    const vx = uniqueName('wy');
    setTimeout(() => ip('link', 'add', vx, 'type', 'vxlan', 'id', '43', 'dstport', '4789'), 100);
    let seen = '';
    for await (const ev of it) {
      if (ev.type !== 'resync') seen = `${ev.type} ${ev.tunnel.name}`;
      break;
    }
    expect(seen).toBe(`added ${vx}`);
    ip('link', 'del', vx);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
