/**
 * Helpers of the native binding tests: a datagram pair whose reading end the
 * binding polls (so tests can feed it any bytes), and a wait that counts
 * event-loop turns instead of time.
 */
import { closeSync, writeSync } from 'node:fs';
import { NativeNetlinkSocket, nativeSocketPair } from '../../src/transport/native.js';

/** Run the event loop until `done()` holds; fails after `turns` turns (never on a clock). */
export async function until(done: () => boolean, turns = 200_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (done()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition never held');
}

/** A socket reading an AF_UNIX datagram pair, and the means to write into it. */
export interface Feed {
  sock: NativeNetlinkSocket;
  /** The writing end. */
  writeFd: number;
  received: Uint8Array[];
  truncated: Array<{ datagram: Uint8Array; length: number }>;
  /** Write datagrams, waiting for them to be read after every few (the peer queue holds 10). */
  send(datagrams: readonly Uint8Array[]): Promise<void>;
  close(): void;
}

/** Write one datagram into a feed without waiting for it to be read (at most 10 may wait). */
export function writeDatagram(feed: Feed, datagram: Uint8Array): void {
  writeSync(feed.writeFd, datagram);
}

/** Open a {@link Feed}; `datagramSize` as in NativeSocketOptions. */
export function openFeed(datagramSize = 0): Feed {
  const [readFd, writeFd] = nativeSocketPair();
  const sock = NativeNetlinkSocket.adopt(readFd, { datagramSize });
  const received: Uint8Array[] = [];
  const truncated: Feed['truncated'] = [];
  sock.on('message', (d) => received.push(d));
  sock.on('truncatedMessage', (datagram, info) => truncated.push({ datagram, length: info.truncated }));
  sock.unref();
  const count = () => received.length + truncated.length;
  return {
    sock,
    writeFd,
    received,
    truncated,
    async send(datagrams) {
      let round = 0;
      let bytes = 0;
      for (const d of datagrams) {
        // Stay well inside the peer's queue (10 datagrams) and send buffer (~208 KiB): writes block otherwise.
        if (round === 8 || bytes + d.byteLength > 150 * 1024) {
          const want = count() + round;
          await until(() => count() >= want);
          round = 0;
          bytes = 0;
        }
        writeSync(writeFd, d);
        round++;
        bytes += d.byteLength;
      }
      const want = count() + round;
      await until(() => count() >= want);
    },
    close() {
      sock.close();
      closeSync(writeFd);
    },
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` pseudo-random bytes. */
export function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 256) | 0;
  return out;
}
