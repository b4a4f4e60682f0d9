/**
 * The tunnel watcher's logic on captured driver state: notifications become
 * added/changed/removed events with the previous state, keepalive liveness
 * shows as `running` flipping, and lost events trigger a resync that emits the
 * differences. The kernel side is replayed (see test/kernel/watch.test.ts for
 * the real one).
 */
import { describe, expect, it } from 'vitest';
import { createWatcher, type TunnelEvent } from '../../src/api/watch.js';
import { fromHex } from '../../src/codec/bytes.js';
import { IFF_LOWER_UP, IFF_RUNNING, RTM_DELLINK } from '../../src/codec/constants.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import type { Tunnel } from '../../src/codec/types.js';
import { SocketError } from '../../src/transport/errors.js';
import type { LinkSubscription } from '../../src/transport/events.js';
import { ReplayTransport } from '../fixtures/replay.js';
import { dumpsVectors } from '../fixtures/vectors.js';

function captured(name: string): Uint8Array {
  return fromHex(dumpsVectors().links.find((l) => l.name === name)!.rtm_newlink_hex);
}

/** A copy of a captured message with other ifi_flags (and optionally as RTM_DELLINK). */
function withFlags(msg: Uint8Array, set: number, clear = 0, type?: number): Uint8Array {
  const c = msg.slice();
  const v = new DataView(c.buffer);
  v.setUint32(24, (v.getUint32(24, true) | set) & ~clear, true);
  if (type !== undefined) v.setUint16(4, type, true);
  return c;
}

function start() {
  const t = new ReplayTransport();
  let sub: LinkSubscription | undefined;
  const it = createWatcher<Tunnel>({
    kinds: ['eoip', 'eoipv6'],
    project: (m) => m.tunnel,
    same: (a, b) => a.flags === b.flags && a.mtu === b.mtu && a.tunnelId === b.tunnelId && a.name === b.name,
    subscribe: (s) => {
      sub = s;
      return t;
    },
  });
  return {
    t,
    it,
    push: (m: Uint8Array) => sub!.onLink(decodeLinkMessage(m)),
    lose: () => sub!.onLost(new SocketError('lost', 105)),
    fail: (errno: number) => sub!.onLost(new SocketError('socket failed', errno)),
  };
}

async function next(it: AsyncIterator<TunnelEvent>): Promise<TunnelEvent> {
  const r = await it.next();
  if (r.done) throw new Error('watch ended');
  return r.value;
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('watchTunnels logic', () => {
  it('turns a carrier change into `changed` with running flipped and the previous state', async () => {
    const { it, push } = start();
    await settle(); // initial read done
    const down = captured('e_ka1_1'); // up, keepalive 1,1, carrier lost
    expect(decodeLinkMessage(down).tunnel!.running).toBe(false);
    push(withFlags(down, IFF_RUNNING | IFF_LOWER_UP)); // a keepalive arrived
    const ev = await next(it);
    expect(ev.type).toBe('changed');
    if (ev.type !== 'changed') return;
    expect(ev.tunnel.name).toBe('e_ka1_1');
    expect([ev.previous!.running, ev.tunnel.running]).toEqual([false, true]);
    push(down);
    const back = await next(it);
    expect(back.type === 'changed' && [back.previous!.running, back.tunnel.running]).toEqual([true, false]);
    await it.return!();
  });

  it('ignores notifications that change nothing, reports removals once', async () => {
    const { it, push } = start();
    await settle();
    push(captured('e_basic')); // identical to the known state
    push(withFlags(captured('e_basic'), 0, 0, RTM_DELLINK));
    push(withFlags(captured('e_basic'), 0, 0, RTM_DELLINK)); // already gone: nothing
    const ev = await next(it);
    expect(ev).toMatchObject({ type: 'removed', tunnel: { name: 'e_basic', index: 7 } });
    push(captured('e_basic'));
    expect(await next(it)).toMatchObject({ type: 'added', tunnel: { name: 'e_basic' } });
    await it.return!();
  });

  it('on lost events, re-reads everything, emits the differences, then resync', async () => {
    const { t, it, lose } = start();
    await settle();
    const table = t.table.map((m) => decodeLinkMessage(m));
    const keep = t.table.filter((_, i) => table[i]!.name !== 'v6_basic' && table[i]!.name !== 'e_up');
    keep.push(withFlags(captured('e_up'), 0, IFF_RUNNING | IFF_LOWER_UP | 1));
    t.setLinks(keep);
    lose();
    const evs: TunnelEvent[] = [];
    for (;;) {
      const ev = await next(it);
      evs.push(ev);
      if (ev.type === 'resync') break;
    }
    const changes = evs.flatMap((e) => (e.type === 'resync' ? [] : [`${e.type} ${e.tunnel.name}`]));
    expect(changes.sort()).toEqual(['changed e_up', 'removed v6_basic']);
    const last = evs.at(-1)!;
    expect(last.type === 'resync' && last.tunnels.length).toBe(table.filter((l) => l.tunnel).length - 1);
    await it.return!();
    expect(t.isClosed).toBe(true);
  });

  it('ends with the error when the socket fails for another reason', async () => {
    const { t, it, fail } = start();
    await settle();
    fail(9);
    const err = await it.next().catch((e) => e);
    expect(err).toBeInstanceOf(SocketError);
    expect(err.errno).toBe(9);
    expect(t.isClosed).toBe(true);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
