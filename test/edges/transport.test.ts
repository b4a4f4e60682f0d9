/**
 * Every operation of a client goes over the client's socket: kind-filtered
 * listings included. A thousand concurrent listTunnels() use a bounded number
 * of file descriptors, are rejected by close(), obey timeouts and aborts, and
 * one shared AbortSignal gets one listener per socket, not one per call.
 */

import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { NLM_F_REQUEST } from '../../src/codec/constants.js';
import { buildDumpLinksRequest, buildNewLinkRequest } from '../../src/codec/requests.js';
import type { Tunnel } from '../../src/codec/types.js';
import { AbortedError, SocketClosedError, TimeoutError } from '../../src/transport/errors.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel } from '../kernel/helpers.js';

/** A change of lo's MTU to its current value without NLM_F_ACK: the kernel sends nothing back. */
const silent = (seq: number) => buildNewLinkRequest(seq, NLM_F_REQUEST, { index: 1, mtu: 65536 });

/** An RTM_GETLINK dump of every link (lo exists in every namespace). */
const buildDumpRequest = (seq: number) => buildDumpLinksRequest(seq, {});

/** `ip -batch` of `lines`, run to completion. */
function batch(lines: string[]): void {
  execFileSync('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/**
 * Netlink sockets among this process's open descriptors (other descriptors
 * of the test runner come and go; these are the library's).
 */
function openFds(): number {
  const inodes = new Set(
    readFileSync('/proc/net/netlink', 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => row.trim().split(/\s+/).at(-1)),
  );
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode !== undefined && inodes.has(inode)) count++;
    } catch {
      // Closed meanwhile (the directory's own descriptor).
    }
  }
  return count;
}

/** Let the socket's pump (setImmediate) and the kernel's answers run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Settle every promise; count the outcomes by kind. */
async function outcomes(calls: Promise<unknown>[]): Promise<{ values: unknown[]; errors: unknown[] }> {
  const settled = await Promise.allSettled(calls);
  return {
    values: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    errors: settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : [])),
  };
}

/** Keeps the client's socket busy with a dump the kernel never answers: every other dump queues behind it. */
function blockDumps(client: EoipClient): Promise<unknown> {
  return client.transport.dump(silent, () => undefined, { timeout: 0 }).catch((e) => e);
}

describe.skipIf(!canUseKernel)('one client, one socket (plus one side socket at most)', () => {
  let client: EoipClient;
  let baseline: number;
  beforeEach(async () => {
    await turn();
    baseline = openFds();
    client = await EoipClient.open();
  });
  afterEach(() => client.close());

  it('1,000 concurrent listTunnels() keep the open descriptors bounded and all answer []', async () => {
    const withClient = openFds();
    expect(withClient - baseline).toBe(1);
    let settled = false;
    const calls = Array.from({ length: 1000 }, () => client.listTunnels());
    const all = outcomes(calls).finally(() => {
      settled = true;
    });
    let most = openFds();
    while (!settled) {
      most = Math.max(most, openFds());
      await turn();
    }
    const { values, errors } = await all;
    expect(errors).toEqual([]);
    expect(values).toHaveLength(1000);
    expect(values.every((v) => Array.isArray(v) && (v as Tunnel[]).length === 0)).toBe(true);
    // The client's socket and, while a stoppable dump runs, its side socket.
    expect(most - withClient).toBeLessThanOrEqual(1);
  });

  it('close() rejects every pending listTunnels() with SocketClosedError and frees every descriptor', async () => {
    const calls = Array.from({ length: 300 }, () => client.listTunnels());
    await turn();
    client.close();
    const { values, errors } = await outcomes(calls);
    await turn();
    // Those answered before the close are []; every other one is rejected, none resolves after it.
    expect(values.length).toBeLessThan(300);
    expect(errors.length + values.length).toBe(300);
    expect(errors.every((e) => e instanceof SocketClosedError)).toBe(true);
    expect(errors.length).toBeGreaterThan(250);
    expect(openFds()).toBeLessThanOrEqual(baseline);
  });

  it('listTunnels() waits in the client in-flight window like any request, and close() rejects it there', async () => {
    const blocker = blockDumps(client);
    const calls = Array.from({ length: 50 }, () => client.listTunnels());
    for (let i = 0; i < 5; i++) await turn();
    // Queued behind the blocker: none has been answered.
    expect((client.transport as NetlinkSocket).pendingCount).toBe(51);
    client.close();
    const { values, errors } = await outcomes(calls);
    expect(values).toEqual([]);
    expect(errors).toHaveLength(50);
    expect(errors.every((e) => e instanceof SocketClosedError)).toBe(true);
    expect(await blocker).toBeInstanceOf(SocketClosedError);
  });

  it('one signal shared by 1,000 calls: one listener, no MaxListenersExceededWarning, all abort', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const blocker = blockDumps(client);
      const ac = new AbortController();
      const calls = [
        ...Array.from({ length: 1000 }, () => client.listTunnels({ signal: ac.signal })),
        ...Array.from({ length: 100 }, () => client.listLinks({ signal: ac.signal, kind: 'veth' })),
      ];
      await turn();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
      expect(warnings.map((w) => w.name)).toEqual([]);
      ac.abort(new Error('enough'));
      const { values, errors } = await outcomes(calls);
      expect(values).toEqual([]);
      expect(errors).toHaveLength(1100);
      expect(errors.every((e) => e instanceof AbortedError)).toBe(true);
      expect((errors[0] as AbortedError).cause).toEqual(new Error('enough'));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(warnings.map((w) => w.name)).toEqual([]);
      client.close();
      expect(await blocker).toBeInstanceOf(SocketClosedError);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('the signal listener is removed once no request uses the signal', async () => {
    const ac = new AbortController();
    const links = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.getLink(i % 2 ? 1 : 'lo', { signal: ac.signal })),
    );
    expect(links.every((l) => l?.name === 'lo')).toBe(true);
    expect(await client.listTunnels({ signal: ac.signal })).toEqual([]);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});

describe.skipIf(!canUseKernel)('stoppable dumps on the side socket', () => {
  it('time out like any request of the socket, and their side socket is closed', async () => {
    const sock = NetlinkSocket.open();
    await turn(); // sockets closed earlier release their descriptors on the next turn
    const withSocket = openFds();
    try {
      const err = await sock
        .dump(silent, () => undefined, { stoppable: true, timeout: 100, operation: 'list' })
        .catch((e) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ operation: 'list', timeout: 100 });
      await turn();
      expect(openFds()).toBe(withSocket);
      expect(sock.pendingCount).toBe(0);
      // The next stoppable dump opens a new side socket and runs.
      const names: number[] = [];
      const summary = await sock.dump(
        buildDumpRequest,
        (h) => {
          names.push(h.type);
          return false;
        },
        { stoppable: true },
      );
      expect(summary).toMatchObject({ stopped: true, messages: 1, datagrams: 1 });
      expect(names).toEqual([16]);
      // The kernel sends a dump's NLMSG_DONE in a datagram of its own: at a stop it
      // has not been read, so the side socket is closed (the kernel drops the rest)
      // before another datagram is read, and the next stoppable dump opens a new one.
      await turn();
      expect(openFds()).toBe(withSocket);
      expect((await sock.dump(buildDumpRequest, () => false, { stoppable: true })).stopped).toBe(true);
      await turn();
      expect(openFds()).toBe(withSocket);
    } finally {
      sock.close();
    }
    await turn();
    expect(openFds()).toBe(withSocket - 1);
  });

  it('a stop in a dump of many datagrams leaves at most one side socket, and the socket goes on', async () => {
    // Enough links that the answer takes several datagrams.
    batch(Array.from({ length: 200 }, (_, i) => `link add sd${i} type veth peer name se${i}`));
    const sock = NetlinkSocket.open();
    await turn(); // sockets closed earlier release their descriptors on the next turn
    const withSocket = openFds();
    try {
      const summary = await sock.dump(buildDumpRequest, () => false, { stoppable: true });
      expect(summary).toMatchObject({ stopped: true, messages: 1, datagrams: 1 });
      await turn();
      // Closed if the kernel was still sending; kept if the whole answer had already been read.
      expect(openFds() - withSocket).toBeLessThanOrEqual(1);
      // The next dump gets a new side socket and its whole answer.
      let links = 0;
      const all = await sock.dump(buildDumpRequest, () => void links++, { stoppable: true });
      expect(all.stopped).toBeUndefined();
      expect(links).toBe(401);
      expect(all.datagrams).toBeGreaterThan(1);
    } finally {
      sock.close();
      batch(Array.from({ length: 200 }, (_, i) => `link del sd${i}`));
    }
  });

  it('a visitor that returns false on the main socket resolves the dump at once and the socket goes on', async () => {
    const sock = NetlinkSocket.open();
    try {
      let seen = 0;
      const summary = await sock.dump(buildDumpRequest, () => {
        seen++;
        return false;
      });
      expect(summary).toMatchObject({ stopped: true, messages: 1 });
      expect(seen).toBe(1);
      const all = await sock.dump(buildDumpRequest, () => undefined);
      expect(all.stopped).toBeUndefined();
      expect(all.messages).toBeGreaterThanOrEqual(1);
    } finally {
      sock.close();
    }
  });
});

describe.skipIf(!canUseKernel)('close() and requests already sent', () => {
  it('a change sent before close() may or may not have been applied, and says so', async () => {
    const sock = NetlinkSocket.open();
    const change = sock.ack(silent, { timeout: 0, operation: 'change' }).catch((e) => e);
    await turn();
    await turn();
    const read = sock.reply(silent, { timeout: 0, operation: 'get' }).catch((e) => e);
    sock.close();
    const err = await change;
    expect(err).toBeInstanceOf(SocketClosedError);
    expect(err.maybeApplied).toBe(true);
    expect(err.message).toBe(
      'change: the netlink socket was closed before the answer came; the request may or may not have been applied',
    );
    // Never sent: nothing was applied.
    const unsent = await read;
    expect(unsent).toBeInstanceOf(SocketClosedError);
    expect(unsent.maybeApplied).toBe(false);
    expect(unsent.message).toBe('get: the netlink socket was closed');
  });
});
