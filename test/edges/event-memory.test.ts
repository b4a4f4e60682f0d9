/**
 * A link notification owns its bytes. A decoded message keeps the
 * attributes it does not interpret as views into the bytes it came in, and
 * a watcher keeps the last message of every link it follows: a view into
 * the 64 KiB receive slab would keep the whole slab alive for as long as the
 * link does not change again, so a watcher that ran for days could pin one
 * slab per quiet link. Each event's message must hold only its own bytes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { watchLinks } from '../../src/api/watch.js';
import type { LinkMessage } from '../../src/codec/types.js';
import { canUseKernel, ip, ipLinks } from '../kernel/helpers.js';

const prefix = `m${process.pid % 1000}`;
const GROUP = '4243';

afterEach(() => {
  if (ipLinks(['group', GROUP]).some((l) => l.ifname !== undefined)) ip('link', 'del', 'group', GROUP);
}, 60_000);

/** The sizes of the memory behind every view a message holds (its unknown attributes, its kind data). */
function backingSizes(m: LinkMessage): number[] {
  const views = [...m.unknown.map((a) => a.value), ...(m.linkInfo?.data ? [m.linkInfo.data] : [])];
  return [...new Set(views.map((v) => v.buffer.byteLength))];
}

describe.skipIf(!canUseKernel)('link notifications', () => {
  it('hold their own bytes, not a view into the receive slab', async () => {
    ip('link', 'add', `${prefix}a`, 'group', GROUP, 'type', 'veth', 'peer', 'name', `${prefix}b`);
    const ac = new AbortController();
    const it = watchLinks({ kind: 'veth', signal: ac.signal });
    try {
      // The watcher listens from the moment it is made: three changes, three events.
      for (const mtu of [1400, 1401, 1402]) ip('link', 'set', `${prefix}a`, 'mtu', String(mtu));
      const seen: LinkMessage[] = [];
      while (seen.length < 3) {
        const ev = await it.next();
        if (ev.done) break;
        if (ev.value.type === 'changed' && ev.value.tunnel.name === `${prefix}a`) seen.push(ev.value.tunnel);
      }
      expect(seen.map((m) => m.mtu)).toEqual([1400, 1401, 1402]);
      for (const m of seen) {
        expect(m.name).toBe(`${prefix}a`);
        expect(m.unknown.length).toBeGreaterThan(0);
        // One message is at most a few KiB; the slab is 64 KiB.
        for (const size of backingSizes(m)) expect(size).toBeLessThan(8192);
      }
    } finally {
      ac.abort();
      await it.return?.();
    }
  });
});
