/**
 * Watchers survive storms: a burst of link changes that overflows a small
 * receive buffer and keeps interrupting the resync dump (NLM_F_DUMP_INTR,
 * DumpInterruptedError) makes the watcher read again, with backoff, until a
 * read succeeds; the watch ends only on abort, return() or a fatal error.
 * watchTunnels itself is set up, resyncs, and closes (no eoip driver here:
 * its tunnels list stays empty while veth churn overflows its socket).
 * Events are read in this process: a burst that arrives while the process is
 * blocked (a synchronous `ip -batch`) overflows the watcher's own socket.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/api/errors.js';
import { createWatcher, type TunnelEvent, watchLinks, watchTunnels } from '../../src/api/watch.js';
import { readHeader } from '../../src/codec/header.js';
import type { LinkMessage } from '../../src/codec/types.js';
import { DumpInterruptedError, PermissionError } from '../../src/transport/errors.js';
import type { LinkSubscription } from '../../src/transport/events.js';
import { NetlinkSocket, type SocketOptions } from '../../src/transport/socket.js';
import { canUseKernel, ip, ipLinks } from '../kernel/helpers.js';

/**
 * Wait until a socket of this namespace listens to link events: this
 * namespace is the test run's own, so it is the watcher's.
 */
async function subscribed(): Promise<void> {
  for (let i = 0; i < 400; i++) {
    // sk Eth Pid Groups …: NETLINK_ROUTE (0) joined to RTNLGRP_LINK (bit 0).
    const rows = readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1);
    if (
      rows.some((row) => {
        const f = row.trim().split(/\s+/);
        return f[1] === '0' && (Number.parseInt(f[3] ?? '0', 16) & 1) === 1;
      })
    )
      return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the watcher never subscribed');
}

/** `ip -batch` of `lines`, run to completion. */
function batch(lines: string[]): void {
  execFileSync('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** The parts of a watcher's events the injected-transport tests read. */
type TunnelEventLike =
  | { type: 'added' | 'changed' | 'removed'; tunnel: { index: number; mtu: number } }
  | { type: 'resync'; tunnels: unknown[]; attempts?: number };

/** Next event, or undefined when the iteration ended. */
async function next<T>(it: AsyncIterator<T>): Promise<T | undefined> {
  const r = await it.next();
  return r.done ? undefined : r.value;
}

const prefix = `s${process.pid % 1000}`;
let background: ChildProcess | undefined;

/** The link group of every veth this file makes: one request deletes them all (one RCU wait, not one each). */
const GROUP = '4242';

afterEach(() => {
  background?.kill();
  background = undefined;
  // Whatever a test left: the group goes (a veth's peer goes with it), and the churned bridge.
  // (`ip -j link show group N` prints `[{}]` for an empty group.)
  if (ipLinks(['group', GROUP]).some((l) => l.ifname !== undefined)) ip('link', 'del', 'group', GROUP);
  if (ipLinks().some((l) => l.ifname === `${prefix}c`)) ip('link', 'del', `${prefix}c`);
}, 120_000);

describe.skipIf(!canUseKernel)('a watcher through a storm of link changes', () => {
  it('keeps reading through repeated DumpInterruptedError and ends only on abort', async () => {
    // Enough veths that a dump spans many datagrams, so that changes between them interrupt it.
    let pairs = 600;
    batch(
      Array.from(
        { length: pairs },
        (_, i) => `link add ${prefix}a${i} group ${GROUP} type veth peer name ${prefix}b${i}`,
      ),
    );
    const dumps = spyDumps();
    const open = spyOpen();
    const ac = new AbortController();
    const it = watchLinks({ kind: 'veth', signal: ac.signal, initial: true, recvBufferSize: 65536 });
    open.restore();
    try {
      for (let known = 0; known < pairs * 2; known++) expect((await next(it))?.type).toBe('added');
      // Links keep coming and going: the watcher's dumps come back interrupted (NLM_F_DUMP_INTR).
      background = spawn(
        'sh',
        ['-c', `while true; do ip link add ${prefix}c type bridge; ip link del ${prefix}c; done`],
        { stdio: 'ignore' },
      );
      // Overflow the watcher's small buffer (a burst while this process is blocked in `ip -batch`)
      // until a resync had to read more than once: one of its reads got five interrupted dumps in a
      // row (DumpInterruptedError).
      const attempts: number[] = [];
      for (let storm = 0; Math.max(0, ...attempts) < 2; storm++) {
        expect(storm).toBeLessThan(25);
        await subscribed();
        batch(
          Array.from(
            { length: 100 },
            (_, i) =>
              `link add ${prefix}a${pairs + i} group ${GROUP} type veth peer name ${prefix}b${pairs + i}`,
          ),
        );
        pairs += 100;
        for (;;) {
          const ev = await next(it);
          // The watch goes on through it all.
          expect(ev).toBeDefined();
          if (ev!.type !== 'resync') continue;
          attempts.push(ev!.attempts ?? 0);
          expect(ev!.tunnels).toHaveLength(pairs * 2);
          break;
        }
      }
      expect(dumps.longestInterruptedRun).toBeGreaterThanOrEqual(5);
      expect(ipLinks().filter((l) => l.linkinfo?.info_kind === 'veth')).toHaveLength(pairs * 2);
    } finally {
      background?.kill();
      background = undefined;
      dumps.restore();
      ac.abort();
    }
    // The watch ended only now, on abort, without an error, and its one socket is closed.
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(open.sockets.map((s) => s.isClosed)).toEqual([true]);
  }, 300_000);
});

/** Watch the interrupted flag of every dump of this process, until restore(). */
function spyDumps(): { readonly longestInterruptedRun: number; restore: () => void } {
  const original = NetlinkSocket.prototype.dump;
  let run = 0;
  let longest = 0;
  NetlinkSocket.prototype.dump = function (this: NetlinkSocket, ...args: Parameters<typeof original>) {
    // Kind-filtered dumps are stoppable; the side socket's own dump under each is not counted again.
    if (!args[2]?.stoppable) return original.apply(this, args);
    return original.apply(this, args).then((summary) => {
      run = summary.interrupted ? run + 1 : 0;
      longest = Math.max(longest, run);
      return summary;
    });
  };
  return {
    get longestInterruptedRun() {
      return longest;
    },
    restore: () => {
      NetlinkSocket.prototype.dump = original;
    },
  };
}

describe.skipIf(!canUseKernel)('a watcher too busy to take its notifications', () => {
  it('gets a loss (ENOBUFS) and a resync, and goes on reading the same socket', async () => {
    batch([`link add ${prefix}a0 group ${GROUP} type veth peer name ${prefix}b0`]);
    const open = spyOpen();
    const ac = new AbortController();
    const it = watchLinks({ kind: 'veth', signal: ac.signal, initial: true, recvBufferSize: 65536 });
    open.restore();
    try {
      expect((await next(it))?.type).toBe('added');
      expect((await next(it))?.type).toBe('added');
      // This process is blocked while 300 pairs appear: the kernel cannot queue them all in the
      // watcher's small buffer, drops the rest and says so.
      const pairs = 300;
      batch(
        Array.from(
          { length: pairs },
          (_, i) => `link add ${prefix}a${i + 1} group ${GROUP} type veth peer name ${prefix}b${i + 1}`,
        ),
      );
      let added = 0;
      for (;;) {
        const ev = await next(it);
        expect(ev).toBeDefined();
        if (ev!.type === 'added') added++;
        if (ev!.type !== 'resync') continue;
        expect(ev!.tunnels).toHaveLength((pairs + 1) * 2);
        break;
      }
      // Every link was reported once: some as they came, the rest by the resync.
      expect(added).toBe(pairs * 2);
      // Still the first socket, still reading: a change after the resync arrives.
      batch([`link set ${prefix}a1 mtu 1400`]);
      expect(await next(it)).toMatchObject({ type: 'changed', tunnel: { name: `${prefix}a1`, mtu: 1400 } });
    } finally {
      ac.abort();
    }
    expect(open.sockets.map((s) => s.isClosed)).toEqual([true]);
  }, 60_000);
});

describe('retry policy (injected transport)', () => {
  /** A watcher over a transport whose dumps fail `failures` times with `error`, then list nothing. */
  function flaky(failures: number, error: () => Error, signal?: AbortSignal) {
    let dumps = 0;
    let sub: LinkSubscription | undefined;
    let closed = false;
    const transport = {
      get isClosed() {
        return closed;
      },
      ack: () => Promise.reject(new Error('unused')),
      reply: () => Promise.reject(new Error('unused')),
      dump: async () => {
        dumps++;
        if (dumps <= failures) throw error();
        return { messages: 0, interrupted: false, filtered: true, datagrams: 0 };
      },
      close() {
        closed = true;
      },
    };
    const ac = new AbortController();
    const it = createWatcher<LinkMessage>({
      kinds: ['veth'],
      project: (m) => m,
      same: (a, b) => a.mtu === b.mtu,
      signal: signal ?? ac.signal,
      subscribe: (s) => {
        sub = s;
        return transport;
      },
    });
    return {
      it,
      ac,
      transport,
      dumps: () => dumps,
      push: (m: LinkMessage) => sub!.onLink(m),
      lose: () => sub!.onLost(Object.assign(new Error('lost'), { errno: 105 }) as never),
    };
  }

  it('the first read is retried through DumpInterruptedError until it succeeds', async () => {
    const w = flaky(3, () => new DumpInterruptedError(5));
    // Three failed first reads, the fourth succeeds; a loss meanwhile is followed by one more read.
    w.lose();
    const ev = await next(w.it);
    expect(ev).toMatchObject({ type: 'resync', tunnels: [], attempts: 1 });
    expect(w.dumps()).toBe(5);
    w.ac.abort();
    expect(await w.it.next()).toEqual({ value: undefined, done: true });
    expect(w.transport.isClosed).toBe(true);
  });

  it('a resync read is retried until it succeeds, and reports how many reads it took', async () => {
    const w = flaky(0, () => new Error('unused'));
    await new Promise((r) => setTimeout(r, 10));
    const start = w.dumps();
    // From now on, six reads fail.
    let failing = 6;
    const dump = w.transport.dump;
    w.transport.dump = async () => {
      if (failing-- > 0) throw new DumpInterruptedError(5);
      return dump();
    };
    w.lose();
    const ev = await next(w.it);
    expect(ev).toMatchObject({ type: 'resync', tunnels: [], attempts: 7 });
    expect(w.dumps() - start).toBe(1);
    w.ac.abort();
    expect(await w.it.next()).toEqual({ value: undefined, done: true });
  }, 30_000);

  it('abort during the wait between reads ends the iteration at once', async () => {
    const w = flaky(1_000_000, () => new DumpInterruptedError(5));
    await new Promise((r) => setTimeout(r, 200));
    const before = w.dumps();
    w.ac.abort();
    expect(await w.it.next()).toEqual({ value: undefined, done: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(w.dumps()).toBe(before);
    expect(w.transport.isClosed).toBe(true);
  });

  it('a failure that retrying cannot cure (EPERM) ends the watch with that error', async () => {
    const w = flaky(1, () => new PermissionError({ errno: 1, operation: 'list' }, 'permission denied'));
    const err = await w.it.next().catch((e) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect(w.dumps()).toBe(1);
    expect(w.transport.isClosed).toBe(true);
    expect(await w.it.next()).toEqual({ value: undefined, done: true });
  });

  it('a consumer that falls behind gets merged differences, not an ever-growing queue', async () => {
    const w = flaky(0, () => new Error('unused'));
    await new Promise((r) => setTimeout(r, 10));
    const link = (index: number, mtu: number, type = 16) =>
      ({ index, mtu, name: `l${index}`, messageType: type }) as unknown as LinkMessage;
    // 25,000 notifications, none taken: 100 links appear, change 249 times each, 10 go away.
    for (let round = 0; round < 250; round++) {
      for (let i = 0; i < 100; i++) w.push(link(i, 1000 + round));
    }
    for (let i = 90; i < 100; i++) w.push(link(i, 1249, 17));
    const seen = new Map<number, number>();
    let taken = 0;
    let resync: Extract<TunnelEventLike, { type: 'resync' }> | undefined;
    while (!resync) {
      const ev = (await next(w.it)) as TunnelEventLike;
      taken++;
      if (ev.type === 'resync') resync = ev;
      else if (ev.type === 'removed') seen.delete(ev.tunnel.index);
      else seen.set(ev.tunnel.index, ev.tunnel.mtu);
    }
    // At most the queue's bound, then the differences (one per link at most) and the resync.
    expect(taken).toBeLessThanOrEqual(10_000 + 100 + 1);
    expect(resync).toMatchObject({ attempts: 0 });
    expect(resync.tunnels).toHaveLength(90);
    // What the consumer saw adds up to the state.
    expect([...seen.entries()].sort((a, b) => a[0] - b[0])).toEqual(
      Array.from({ length: 90 }, (_, i) => [i, 1249]),
    );
    // And it goes on: later events come one by one again.
    w.push(link(5, 1500));
    expect(await next(w.it)).toMatchObject({
      type: 'changed',
      tunnel: { index: 5, mtu: 1500 },
      previous: { mtu: 1249 },
    });
    w.ac.abort();
  });

  it('watchers sharing one signal: one listener, no MaxListenersExceededWarning, all end on abort', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const shared = new AbortController();
      const watchers = Array.from({ length: 50 }, () => flaky(0, () => new Error('unused'), shared.signal));
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
      // A watcher that stops takes its callback away; the listener stays for the others.
      await watchers[0]!.it.return!();
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
      const ends = watchers.slice(1).map((w) => w.it.next());
      shared.abort();
      for (const end of await Promise.all(ends)) expect(end).toEqual({ value: undefined, done: true });
      expect(watchers.every((w) => w.transport.isClosed)).toBe(true);
      await new Promise((r) => setTimeout(r, 0));
      expect(warnings.map((w) => w.name)).toEqual([]);
      // When every watcher has stopped without an abort, the signal keeps no listener.
      const idle = new AbortController();
      const more = Array.from({ length: 20 }, () => flaky(0, () => new Error('unused'), idle.signal));
      for (const w of more) await w.it.return!();
      expect(getEventListeners(idle.signal, 'abort')).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe.skipIf(!canUseKernel)('watchTunnels on a kernel without the eoip driver', () => {
  it('refuses a kind that is not a tunnel kind', () => {
    expect(() => watchTunnels({ kind: 'veth' as never })).toThrow(InvalidArgumentError);
  });

  it('starts, resyncs after its socket overflowed, and closes with return()', async () => {
    const open = spyOpen();
    const it = watchTunnels({ initial: true, recvBufferSize: 65536 });
    open.restore();
    // Nothing to report at the start: wait for the watcher to be subscribed.
    await subscribed();
    // This process is blocked while the burst comes.
    batch(
      Array.from(
        { length: 300 },
        (_, i) => `link add ${prefix}a${i} group ${GROUP} type veth peer name ${prefix}b${i}`,
      ),
    );
    // veth events are not tunnel events: the only event is the resync, with no tunnels.
    const ev = (await next(it)) as TunnelEvent;
    expect(ev).toMatchObject({ type: 'resync', tunnels: [] });
    expect(ev.type === 'resync' && ev.attempts).toBeGreaterThanOrEqual(1);
    expect(await it.return!()).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(open.sockets.map((s) => s.isClosed)).toEqual([true]);
  }, 60_000);

  it('an abort ends the iteration normally and frees its one socket, whatever `isolate` says', async () => {
    for (const isolate of [undefined, true, false]) {
      const ac = new AbortController();
      const open = spyOpen();
      const it = watchTunnels({
        signal: ac.signal,
        kind: 'eoip',
        ...(isolate !== undefined ? { isolate } : {}),
      });
      open.restore();
      const pending = it.next();
      // The event socket lives here, in this process, from the start.
      expect(open.sockets).toHaveLength(1);
      expect(open.sockets[0]!.isClosed).toBe(false);
      ac.abort();
      expect(await pending).toEqual({ value: undefined, done: true });
      expect(open.sockets[0]!.isClosed).toBe(true);
    }
  });
});

describe.skipIf(!canUseKernel)('a notification that cannot be decoded', () => {
  it('is not skipped silently: the watcher reads everything again', async () => {
    batch([`link add ${prefix}a0 group ${GROUP} type veth peer name ${prefix}b0`]);
    const open = spyOpen();
    const ac = new AbortController();
    const it = watchLinks({ kind: 'veth', signal: ac.signal, initial: true, isolate: false });
    try {
      expect((await next(it))?.type).toBe('added');
      expect((await next(it))?.type).toBe('added');
      // As if the kernel sent a veth notification whose IFLA_MTU has 2 bytes instead of 4.
      const bad = new Uint8Array(56);
      const v = new DataView(bad.buffer);
      v.setUint32(0, 56, true);
      v.setUint16(4, 16, true); // RTM_NEWLINK
      v.setInt32(20, 999, true); // ifi_index
      v.setUint16(32, 16, true); // IFLA_LINKINFO
      v.setUint16(34, 18, true);
      v.setUint16(36, 9, true); // IFLA_INFO_KIND "veth"
      v.setUint16(38, 1, true);
      bad.set([0x76, 0x65, 0x74, 0x68, 0], 40);
      v.setUint16(48, 6, true); // IFLA_MTU, 2 bytes
      v.setUint16(50, 4, true);
      const onEvent = open.options[0]!.onEvent!;
      onEvent(readHeader(v, 0), bad, 0, bad.byteLength);
      const ev = await next(it);
      expect(ev).toMatchObject({ type: 'resync', attempts: 1 });
      expect(ev?.type === 'resync' && ev.tunnels.map((l) => l.name).sort()).toEqual([
        `${prefix}a0`,
        `${prefix}b0`,
      ]);
    } finally {
      open.restore();
      ac.abort();
    }
  });
});

/** Record the sockets NetlinkSocket.open makes until restore(). */
function spyOpen(): { sockets: NetlinkSocket[]; options: SocketOptions[]; restore: () => void } {
  const original = NetlinkSocket.open;
  const sockets: NetlinkSocket[] = [];
  const options: SocketOptions[] = [];
  NetlinkSocket.open = (opts) => {
    const s = original.call(NetlinkSocket, opts);
    if (opts?.groups) {
      sockets.push(s);
      options.push(opts);
    }
    return s;
  };
  return {
    sockets,
    options,
    restore: () => {
      NetlinkSocket.open = original;
    },
  };
}
