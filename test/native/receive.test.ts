/**
 * The receive path of the native binding, fed through an AF_UNIX datagram
 * pair: every datagram arrives whole and unchanged whatever its size, views
 * handed out are never overwritten by later datagrams, a fixed read size
 * reports truncation with the real length, and malformed netlink datagrams
 * never escape the socket's dispatch.
 */
import { describe, expect, it } from 'vitest';
import { NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../../src/codec/constants.js';
import { buildNewLinkRequest } from '../../src/codec/requests.js';
import { getLink } from '../../src/transport/links.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel } from '../kernel/helpers.js';
import { openFeed, prng, randomBytes, until, writeDatagram } from './helpers.js';

/** Sizes around every boundary of the reader: empty, tiny, the 8 KiB minimum room, the 64 KiB slab, past it. */
const EDGE_SIZES = [0, 1, 16, 8191, 8192, 8193, 32768, 65535, 65536, 65537, 100_000, 150_000];

describe('native receive path', () => {
  it('delivers each datagram whole, in order, and never overwrites one already delivered', async () => {
    const feed = openFeed();
    try {
      const rand = prng(0x5eed);
      const sizes = [...EDGE_SIZES];
      for (let i = 0; i < 300; i++) sizes.push(rand() < 0.9 ? (rand() * 2048) | 0 : (rand() * 120_000) | 0);
      const sent = sizes.map((n) => randomBytes(rand, n));
      await feed.send(sent);
      expect(feed.truncated).toEqual([]);
      expect(feed.received.length).toBe(sent.length);
      // Compared only now, after every later datagram was read: views stay valid.
      for (let i = 0; i < sent.length; i++) {
        expect(feed.received[i]!.byteLength).toBe(sent[i]!.byteLength);
        expect(Buffer.compare(Buffer.from(feed.received[i]!), Buffer.from(sent[i]!))).toBe(0);
      }
      // No allocation per datagram: small datagrams share slabs.
      const buffers = new Set(feed.received.map((d) => d.buffer));
      expect(buffers.size).toBeLessThan(sent.length / 4);
    } finally {
      feed.close();
    }
  });

  it('with a fixed read size, a longer datagram is reported truncated with its real length', async () => {
    const feed = openFeed(4096);
    try {
      const rand = prng(7);
      const small = randomBytes(rand, 100);
      const big = randomBytes(rand, 10_000);
      const exact = randomBytes(rand, 4096);
      await feed.send([small, big, exact]);
      expect(feed.received.map((d) => d.byteLength)).toEqual([100, 4096]);
      expect(Buffer.from(feed.received[0]!).equals(Buffer.from(small))).toBe(true);
      expect(Buffer.from(feed.received[1]!).equals(Buffer.from(exact))).toBe(true);
      expect(feed.truncated).toHaveLength(1);
      expect(feed.truncated[0]!.length).toBe(10_000);
      expect(Buffer.from(feed.truncated[0]!.datagram).equals(Buffer.from(big.subarray(0, 4096)))).toBe(true);
    } finally {
      feed.close();
    }
  });

  it('a socket closed from inside its message listener reads nothing more', async () => {
    const feed = openFeed();
    try {
      const seen: number[] = [];
      feed.sock.on('message', (d) => {
        seen.push(d[0]!);
        feed.sock.close();
      });
      const rand = prng(3);
      // Queued together: all are readable in one wake-up, and the first read closes the socket.
      for (let i = 0; i < 5; i++) writeDatagram(feed, Uint8Array.of(i + 1, ...randomBytes(rand, 10)));
      await until(() => feed.sock.isClosed);
      for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
      expect(seen).toEqual([1]);
      expect(feed.received.map((d) => d[0])).toEqual([1]);
    } finally {
      feed.close();
    }
  });

  it('a worker ended with its socket open does not take the process down', async () => {
    const { Worker } = await import('node:worker_threads');
    const url = new URL('../../src/transport/native.ts', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); }).then(({ NativeNetlinkSocket, nativeSocketPair }) => {
        const [a] = nativeSocketPair();
        const sock = NativeNetlinkSocket.adopt(a);
        sock.on('message', () => {});
        parentPort.postMessage(sock.isClosed ? 'closed' : 'open');
        setInterval(() => {}, 1000);
      });`;
    const worker = new Worker(code, { eval: true });
    const state = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(state).toBe('open');
    // Terminated while its socket is polled: the binding's cleanup hook closes it.
    expect(await worker.terminate()).toBe(1);
    // This process and its own sockets carry on.
    const feed = openFeed();
    try {
      await feed.send([Uint8Array.of(9, 8, 7)]);
      expect([...feed.received[0]!]).toEqual([9, 8, 7]);
    } finally {
      feed.close();
    }
  });

  it('a closed socket reads nothing more and closes once', async () => {
    const feed = openFeed();
    await feed.send([new Uint8Array([1, 2, 3])]);
    feed.sock.close();
    feed.sock.close();
    expect(feed.sock.isClosed).toBe(true);
    expect(feed.received).toHaveLength(1);
    feed.close();
  });
});

/** A netlink header: length, type, flags, seq, port. */
function header(len: number, type: number, flags: number, seq: number, pid: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, len, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq, true);
  v.setUint32(12, pid, true);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Malformed datagrams aimed at request `seq` of socket `port`. */
function malformed(rand: () => number, seq: number, port: number): Uint8Array[] {
  const out: Uint8Array[] = [
    new Uint8Array(0),
    new Uint8Array(3),
    header(0, NLMSG_ERROR, 0, seq, port),
    header(15, NLMSG_ERROR, 0, seq, port),
    header(0xffffffff, NLMSG_ERROR, 0, seq, port),
    // NLMSG_ERROR whose payload is cut, then one claiming extended-ack TLVs that are garbage.
    concat(header(20, NLMSG_ERROR, 0, seq, port), new Uint8Array([0xea, 0xff, 0xff, 0xff])),
    concat(header(52, NLMSG_ERROR, 0x200, seq, port), randomBytes(rand, 36)),
    concat(header(18, NLMSG_DONE, 2, seq, port), new Uint8Array(2)),
  ];
  for (let i = 0; i < 200; i++) {
    const body = randomBytes(rand, (rand() * 300) | 0);
    const h = header(
      16 + body.byteLength + (((rand() * 9) | 0) - 4),
      (rand() * 0x20) | 0,
      (rand() * 0xffff) | 0,
      rand() < 0.5 ? seq : 0,
      rand() < 0.8 ? port : 0,
    );
    out.push(concat(h, body));
  }
  return out;
}

describe.skipIf(!canUseKernel)('malformed datagrams into the socket dispatch', () => {
  it('never throw out of the socket; requests they name fail or stay pending; the socket keeps working', async () => {
    const sock = NetlinkSocket.open();
    const feed = openFeed();
    const escaped: unknown[] = [];
    const dispatch = (d: Uint8Array) => {
      try {
        (sock as unknown as { receive: (d: Uint8Array) => void }).receive(d);
      } catch (e) {
        escaped.push(e);
      }
    };
    try {
      const rand = prng(0xbad);
      for (let round = 0; round < 5; round++) {
        // A request the kernel never answers (lo's MTU set to its value, no ACK asked), so that its
        // seq is pending while garbage arrives for it.
        const silent = sock.ack((seq) => buildNewLinkRequest(seq, NLM_F_REQUEST, { index: 1, mtu: 65536 }), {
          timeout: 0,
        });
        silent.catch(() => undefined);
        const seq = (sock as unknown as { nextSeq: number }).nextSeq;
        feed.received.length = 0;
        await feed.send(malformed(rand, seq, sock.port));
        for (const d of feed.received) dispatch(d);
      }
      expect(escaped).toEqual([]);
      const lo = await getLink(sock, { index: 1 });
      expect(lo?.name).toBe('lo');
    } finally {
      feed.close();
      sock.close();
    }
  });
});
