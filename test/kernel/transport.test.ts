/**
 * Transport behaviour against the real kernel: timeouts, aborts, close, and
 * that an idle socket lets the process exit.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NLM_F_REQUEST } from '../../src/codec/constants.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import { buildDumpLinksRequest, buildNewLinkRequest, CREATE_FLAGS } from '../../src/codec/requests.js';
import { AbortedError, SocketClosedError, SocketError, TimeoutError } from '../../src/transport/errors.js';
import { changeLink, deleteLink, dumpLinks, getLink } from '../../src/transport/links.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel, uniqueName } from './helpers.js';

/** A change of lo's MTU to its current value without NLM_F_ACK: the kernel sends nothing back. */
const silent = (seq: number) => buildNewLinkRequest(seq, NLM_F_REQUEST, { index: 1, mtu: 65536 });

describe.skipIf(!canUseKernel)('transport on the real kernel', () => {
  it('rejects with TimeoutError when the kernel never answers, and forgets the request', async () => {
    const sock = NetlinkSocket.open();
    try {
      const t0 = Date.now();
      const err = await sock.ack(silent, { timeout: 150, operation: 'probe' }).catch((e) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ code: 'ETIMEDOUT', timeout: 150 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      expect(sock.pendingCount).toBe(0);
      // The socket still works afterwards.
      expect((await getLink(sock, { index: 1 }))?.name).toBe('lo');
    } finally {
      sock.close();
    }
  });

  it('rejects with AbortedError on abort, before or during the request', async () => {
    const sock = NetlinkSocket.open();
    try {
      const pre = new AbortController();
      pre.abort('early');
      const e1 = await sock.ack(silent, { signal: pre.signal }).catch((e) => e);
      expect(e1).toBeInstanceOf(AbortedError);
      const ac = new AbortController();
      const p = sock.ack(silent, { signal: ac.signal, timeout: 0 });
      setTimeout(() => ac.abort(), 20);
      expect(await p.catch((e) => e)).toBeInstanceOf(AbortedError);
      expect(sock.pendingCount).toBe(0);
    } finally {
      sock.close();
    }
  });

  it('an aborted request does not hand its late answer to the next one', async () => {
    const sock = NetlinkSocket.open();
    try {
      for (let i = 0; i < 50; i++) {
        const ac = new AbortController();
        const aborted = getLink(sock, { name: 'absent-one' }, { signal: ac.signal });
        ac.abort();
        await aborted.catch(() => undefined);
        const next = await getLink(sock, { index: 1 });
        expect(next?.name).toBe('lo');
      }
    } finally {
      sock.close();
    }
  });

  it('an aborted dump drains before the next dump starts', async () => {
    const sock = NetlinkSocket.open();
    try {
      const ac = new AbortController();
      const first = dumpLinks(sock, { signal: ac.signal });
      const second = dumpLinks(sock);
      ac.abort();
      expect(await first.catch((e) => e)).toBeInstanceOf(AbortedError);
      const links = await second;
      expect(links.map((l) => l.name)).toContain('lo');
    } finally {
      sock.close();
    }
  });

  it('close() rejects every pending request with SocketClosedError', async () => {
    const sock = NetlinkSocket.open();
    const pending = [sock.ack(silent, { timeout: 0 }), sock.ack(silent, { timeout: 0 })];
    sock.close();
    const errs = await Promise.all(pending.map((p) => p.catch((e) => e)));
    for (const e of errs) expect(e).toBeInstanceOf(SocketClosedError);
    expect(await sock.ack(silent).catch((e) => e)).toBeInstanceOf(SocketClosedError);
    expect(sock.isClosed).toBe(true);
  });

  it('an idle, unclosed socket does not keep the process alive', () => {
    const script = fileURLToPath(new URL('./fixtures/idle-socket.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('got lo');
  });
});

describe.skipIf(!canUseKernel)('timeouts count from the send, not from the queue', () => {
  it('a request waiting for a slot does not time out while it waits', async () => {
    const sock = NetlinkSocket.open({ maxInFlight: 1 });
    try {
      const first = sock.ack(silent, { timeout: 300 }).catch((e) => e);
      // Queued behind the silent one for 300 ms, longer than its own timeout of 200 ms.
      const second = getLink(sock, { index: 1 }, { timeout: 200 });
      expect(await first).toBeInstanceOf(TimeoutError);
      expect((await second)?.name).toBe('lo');
    } finally {
      sock.close();
    }
  });
});

describe.skipIf(!canUseKernel)('batching', () => {
  it('requests started together leave in few sendmsg calls, each still answered on its own', async () => {
    const sock = NetlinkSocket.open();
    const raw = (sock as unknown as { raw: { send: (...a: unknown[]) => void } }).raw;
    const send = raw.send.bind(raw);
    let calls = 0;
    let messages = 0;
    raw.send = (data: unknown, ...rest: unknown[]) => {
      calls++;
      messages += Array.isArray(data) ? data.length : 1;
      send(data, ...rest);
    };
    try {
      const names = await Promise.all(
        Array.from({ length: 200 }, (_, i) => getLink(sock, i % 2 ? { index: 1 } : { name: `none${i}` })),
      );
      expect(names.map((l) => l?.name)).toEqual(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? 'lo' : undefined)),
      );
      expect(messages).toBe(200);
      expect(calls).toBeLessThanOrEqual(20);
    } finally {
      sock.close();
    }
  });
});

describe.skipIf(!canUseKernel)('order', () => {
  it('a request started before a dump reaches the kernel before it', async () => {
    const sock = NetlinkSocket.open();
    const name = uniqueName('ord');
    // What reaches sendmsg, in order: the message type of each request.
    const raw = (sock as unknown as { raw: { send: (...a: unknown[]) => void } }).raw;
    const send = raw.send.bind(raw);
    const types: number[] = [];
    raw.send = (data: unknown, ...rest: unknown[]) => {
      for (const m of Array.isArray(data) ? data : [data]) types.push((m as Uint8Array)[4]!);
      send(data, ...rest);
    };
    try {
      // The first dump primes the socket (see the datagram test); then watch.
      await sock.dump(
        (seq) => buildDumpLinksRequest(seq, { kind: 'bridge' }),
        () => undefined,
      );
      types.length = 0;
      // Queued in this order, no await in between: the dump must already see the bridge.
      const made = sock.ack((seq) => buildNewLinkRequest(seq, CREATE_FLAGS, { name, kind: 'bridge' }));
      const names: string[] = [];
      const listed = sock.dump(
        (seq) => buildDumpLinksRequest(seq, { kind: 'bridge' }),
        (_h, d, start, end) => void names.push(decodeLinkMessage(d.subarray(start, end)).name ?? ''),
      );
      await made;
      await listed;
      expect(names).toContain(name);
      // RTM_NEWLINK (16), then RTM_GETLINK (18): the dump.
      expect(types).toEqual([16, 18]);
      await deleteLink(sock, { name });
      expect((await dumpLinks(sock, { kind: 'bridge' })).map((l) => l.name)).not.toContain(name);
    } finally {
      await deleteLink(sock, { name }).catch(() => undefined);
      sock.close();
    }
  });
});

describe.skipIf(!canUseKernel)('one ACK per batch', () => {
  /** Count the datagrams the socket receives. */
  function counting(sock: NetlinkSocket): () => number {
    let n = 0;
    const raw = (sock as unknown as { raw: { on: (ev: string, f: () => void) => void } }).raw;
    raw.on('message', () => n++);
    return () => n;
  }
  const mtu = (index: number, value: number) => ({ index, mtu: value });

  it('requests sent together get one ACK between them, and each failure still reaches its own request', async () => {
    const sock = NetlinkSocket.open();
    const name = uniqueName('qa');
    try {
      await sock.ack((seq) => buildNewLinkRequest(seq, CREATE_FLAGS, { name, kind: 'bridge' }));
      const index = (await getLink(sock, { name }))!.index;
      const received = counting(sock);
      // 200 changes; every third names an ifindex that does not exist.
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) =>
          changeLink(sock, mtu(i % 3 === 2 ? 0x7ffffff0 : index, 1400 + i)),
        ),
      );
      results.forEach((r, i) => {
        if (i % 3 === 2) {
          expect(r.status).toBe('rejected');
          expect((r as PromiseRejectedResult).reason).toMatchObject({
            errno: 19,
            interface: String(0x7ffffff0),
          });
        } else {
          expect(r.status).toBe('fulfilled');
        }
      });
      // The last successful change won, in order.
      expect((await getLink(sock, { name }))!.mtu).toBe(1400 + 199);
      // 66 error answers + a few ACKs (one per batch of up to 64), not 200 answers.
      expect(received()).toBeGreaterThanOrEqual(66);
      expect(received()).toBeLessThanOrEqual(66 + 10);
      expect(sock.pendingCount).toBe(0);
    } finally {
      await deleteLink(sock, { name }).catch(() => undefined);
      sock.close();
    }
  });

  it('requests before an abandoned one still settle when its late answer arrives', async () => {
    const sock = NetlinkSocket.open();
    const name = uniqueName('qb');
    try {
      await sock.ack((seq) => buildNewLinkRequest(seq, CREATE_FLAGS, { name, kind: 'bridge' }));
      const index = (await getLink(sock, { name }))!.index;
      const ac = new AbortController();
      const first = changeLink(sock, mtu(index, 1300), { timeout: 2000 });
      const second = changeLink(sock, mtu(index, 1301), { timeout: 2000 });
      const last = changeLink(sock, mtu(index, 1302), { signal: ac.signal });
      // After the batch left (the pump runs in the check phase), before its ACK is read.
      setImmediate(() => ac.abort());
      expect(await last.catch((e) => e)).toBeInstanceOf(AbortedError);
      await expect(first).resolves.toBeUndefined();
      await expect(second).resolves.toBeUndefined();
      expect(sock.pendingCount).toBe(0);
    } finally {
      await deleteLink(sock, { name }).catch(() => undefined);
      sock.close();
    }
  });

  it('a socket that receives events asks for an ACK on every request', async () => {
    const sock = NetlinkSocket.open({ groups: [1 /* RTNLGRP_LINK */], onEvent: () => undefined });
    const raw = (sock as unknown as { raw: { send: (...a: unknown[]) => void } }).raw;
    const send = raw.send.bind(raw);
    const flags: number[] = [];
    raw.send = (data: unknown, ...rest: unknown[]) => {
      for (const m of Array.isArray(data) ? data : [data]) flags.push((m as Uint8Array)[6]! & 0x04);
      send(data, ...rest);
    };
    try {
      await Promise.all(Array.from({ length: 20 }, () => changeLink(sock, mtu(1, 65536))));
      expect(flags).toEqual(Array(20).fill(0x04));
    } finally {
      sock.close();
    }
  });

  it('an overflowed receive buffer fails the requests that asked for no ACK, never passes them', async () => {
    const sock = NetlinkSocket.open();
    try {
      const quiet = [changeLink(sock, mtu(1, 65536)), changeLink(sock, mtu(1, 65536))];
      const last = changeLink(sock, mtu(1, 65536));
      // Sent (the pump runs in the check phase), answers not read yet: the kernel reports ENOBUFS.
      setImmediate(() =>
        (sock as unknown as { socketError: (e: object) => void }).socketError({
          errno: 105,
          message: 'ENOBUFS',
        }),
      );
      for (const q of quiet) {
        const e = await q.catch((x) => x);
        expect(e).toBeInstanceOf(SocketError);
        expect(e.message).toContain('may or may not have been applied');
      }
      // The last one asked for its ACK and still gets it.
      await expect(last).resolves.toBeUndefined();
      expect(sock.pendingCount).toBe(0);
    } finally {
      sock.close();
    }
  });

  it('a request sent without NLM_F_ACK never stands in for the others', async () => {
    const sock = NetlinkSocket.open();
    try {
      const got = getLink(sock, { index: 1 });
      const changed = changeLink(sock, mtu(1, 65536), { timeout: 2000 });
      const quiet = sock.ack(silent, { timeout: 200 }).catch((e) => e);
      expect((await got)?.name).toBe('lo');
      await expect(changed).resolves.toBeUndefined();
      expect(await quiet).toBeInstanceOf(TimeoutError);
    } finally {
      sock.close();
    }
  });
});

describe.skipIf(!canUseKernel)('timeouts of many requests', () => {
  it('settled requests are not kept for their timeout: the lists hold only those in flight', async () => {
    const sock = NetlinkSocket.open();
    const held = () => {
      const lists = (sock as unknown as { deadlines: Map<number, { items: unknown[]; head: number }> })
        .deadlines;
      let n = 0;
      for (const l of lists.values()) n += l.items.length - l.head;
      return n;
    };
    try {
      const names = await Promise.all(
        Array.from({ length: 1000 }, () => getLink(sock, { index: 1 }, { timeout: 300_000 })),
      );
      expect(names.every((l) => l?.name === 'lo')).toBe(true);
      expect(held()).toBe(0);
      // Behind one still in flight (the kernel never answers it), settled ones
      // wait to be dropped, but without their messages.
      const silentOne = sock.ack(silent, { timeout: 100_000 });
      await Promise.all(Array.from({ length: 10 }, () => getLink(sock, { index: 1 }, { timeout: 100_000 })));
      expect(held()).toBe(11);
      const lists = (sock as unknown as { deadlines: Map<number, { items: Array<{ bytes: Uint8Array }> }> })
        .deadlines;
      const kept = [...lists.values()].flatMap((l) => l.items.map((e) => e.bytes.byteLength));
      expect(kept.filter((n) => n > 0)).toHaveLength(1);
      sock.close();
      await expect(silentOne).rejects.toBeInstanceOf(SocketClosedError);
    } finally {
      sock.close();
    }
  });

  it('each request times out after its own timeout, whatever the others have', async () => {
    const sock = NetlinkSocket.open();
    try {
      const t0 = performance.now();
      const when = (p: Promise<unknown>) =>
        p.then(
          () => [undefined, performance.now() - t0] as const,
          (e) => [e, performance.now() - t0] as const,
        );
      const [long, short, mid, answered] = await Promise.all([
        when(sock.ack(silent, { timeout: 300 })),
        when(sock.ack(silent, { timeout: 100 })),
        when(sock.ack(silent, { timeout: 200 })),
        // Same length as `short`, answered at once: its settling must not disturb `short`.
        when(getLink(sock, { index: 1 }, { timeout: 100 })),
      ]);
      expect(answered[0]).toBeUndefined();
      for (const [r, ms] of [
        [long, 300],
        [short, 100],
        [mid, 200],
      ] as const) {
        expect(r[0]).toBeInstanceOf(TimeoutError);
        expect(r[0]).toMatchObject({ timeout: ms });
        expect(r[1]).toBeGreaterThanOrEqual(ms - 5);
      }
      expect(short[1]).toBeLessThan(mid[1]);
      expect(mid[1]).toBeLessThan(long[1]);
      expect(sock.pendingCount).toBe(0);
    } finally {
      sock.close();
    }
  });
});
