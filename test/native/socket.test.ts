/**
 * The native socket on the real kernel: the options it sets, surviving a
 * receive-buffer overrun (ENOBUFS is reported and the socket reads on), and
 * sockets opened inside another network namespace.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NLMSG_DONE, RTM_NEWLINK } from '../../src/codec/constants.js';
import { forEachMessage } from '../../src/codec/header.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import { buildDumpLinksRequest } from '../../src/codec/requests.js';
import type { SocketError } from '../../src/transport/errors.js';
import { getLink } from '../../src/transport/links.js';
import { NativeNetlinkSocket, type NativeSocketError } from '../../src/transport/native.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel, ip, uniqueName } from '../kernel/helpers.js';
import { until } from './helpers.js';

const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SOL_NETLINK = 270;
const NETLINK_EXT_ACK = 11;

/** Names of the links a dump on `sock` returns. */
async function dumpNames(sock: NativeNetlinkSocket): Promise<string[]> {
  const names: string[] = [];
  let done = false;
  sock.on('message', (d) => {
    forEachMessage(d, (h, start, end) => {
      if (h.type === NLMSG_DONE) done = true;
      else if (h.type === RTM_NEWLINK) names.push(decodeLinkMessage(d.subarray(start, end)).name ?? '');
    });
  });
  sock.send(buildDumpLinksRequest(1, {}));
  await until(() => done);
  return names.sort();
}

describe.skipIf(!canUseKernel)('native socket options', () => {
  it('asks for extended acks unless told not to', () => {
    const on = NativeNetlinkSocket.open(0);
    const off = NativeNetlinkSocket.open(0, { extAck: false });
    try {
      expect(on.getOption(SOL_NETLINK, NETLINK_EXT_ACK)).toBe(1);
      expect(off.getOption(SOL_NETLINK, NETLINK_EXT_ACK)).toBe(0);
    } finally {
      on.close();
      off.close();
    }
  });

  it('rcvbufForce sets the receive buffer past net.core.rmem_max', () => {
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const size = Math.max(8 * 1024 * 1024, rmemMax * 2);
    const forced = NativeNetlinkSocket.open(0, { recvBufferSize: size, rcvbufForce: true });
    const plain = NativeNetlinkSocket.open(0, { recvBufferSize: size });
    try {
      // The kernel doubles the value (bookkeeping overhead).
      expect(forced.getOption(SOL_SOCKET, SO_RCVBUF)).toBe(size * 2);
      expect(plain.getOption(SOL_SOCKET, SO_RCVBUF)).toBe(rmemMax * 2);
    } finally {
      forced.close();
      plain.close();
    }
  });
});

describe.skipIf(!canUseKernel)('receive-buffer overrun', () => {
  it('reports ENOBUFS as lost events, and the socket keeps answering and receiving', async () => {
    const prefix = `ob${process.pid % 1000}`;
    const errors: SocketError[] = [];
    let events = 0;
    const sock = NetlinkSocket.open({
      groups: [1 /* RTNLGRP_LINK */],
      recvBufferSize: 1, // the kernel's minimum: a few events overflow it
      onEvent: () => events++,
      onEventError: (e) => errors.push(e),
    });
    const names = Array.from({ length: 60 }, (_, i) => `${prefix}x${i}`);
    try {
      // ip runs while this process does not read (execFileSync blocks): its events overflow the buffer.
      execFileSync('ip', ['-batch', '-'], {
        input: `${names.map((n) => `link add ${n} type bridge`).join('\n')}\n`,
      });
      await until(() => errors.length > 0);
      expect(errors[0]!.errno).toBe(105);
      expect(errors[0]!.code).toBe('ENOBUFS');
      expect(sock.isClosed).toBe(false);
      // The same socket still serves requests...
      expect((await getLink(sock, { index: 1 }))?.name).toBe('lo');
      // ...and events.
      const before = events;
      const one = uniqueName('obn');
      ip('link', 'add', one, 'type', 'bridge');
      names.push(one);
      await until(() => events > before);
    } finally {
      execFileSync('ip', ['-batch', '-'], { input: `${names.map((n) => `link del ${n}`).join('\n')}\n` });
      sock.close();
    }
  });
});

describe.skipIf(!canUseKernel)('sockets in another network namespace', () => {
  let child: ChildProcess;
  let nsPath: string;
  const bridge = uniqueName('nsb');

  beforeAll(async () => {
    // A namespace held by a sleeping process: only lo (down) inside.
    child = spawn('unshare', ['-n', 'sleep', '600'], { stdio: 'ignore' });
    nsPath = `/proc/${child.pid}/ns/net`;
    const mine = readlinkSync('/proc/self/ns/net');
    await until(() => {
      try {
        return readlinkSync(nsPath) !== mine && readlinkSync(`/proc/${child.pid}/exe`).endsWith('sleep');
      } catch {
        return false;
      }
    });
    ip('link', 'add', bridge, 'type', 'bridge');
  });

  afterAll(() => {
    ip('link', 'del', bridge);
    child.kill();
  });

  it('opens by path and by fd inside it; this thread stays in its own namespace', async () => {
    const home = readlinkSync('/proc/thread-self/ns/net');
    const byPath = NativeNetlinkSocket.open(0, { netnsPath: nsPath });
    const fd = openSync(nsPath, 'r');
    const byFd = NativeNetlinkSocket.open(0, { netnsFd: fd });
    closeSync(fd);
    const here = NativeNetlinkSocket.open(0);
    try {
      expect(readlinkSync('/proc/thread-self/ns/net')).toBe(home);
      expect(await dumpNames(byPath)).toEqual(['lo']);
      expect(await dumpNames(byFd)).toEqual(['lo']);
      expect(await dumpNames(here)).toContain(bridge);
    } finally {
      byPath.close();
      byFd.close();
      here.close();
    }
  });

  it('returns failures as errors with errno, and leaves the thread where it was', () => {
    const home = readlinkSync('/proc/thread-self/ns/net');
    const fail = (o: object) => {
      try {
        NativeNetlinkSocket.open(0, o).close();
      } catch (e) {
        return e as NativeSocketError;
      }
      throw new Error('opened');
    };
    expect(fail({ netnsPath: '/nonexistent/ns' })).toMatchObject({ errno: 2, code: 'ENOENT' });
    // A file that is not a namespace: setns refuses it.
    expect(fail({ netnsPath: '/proc/self/status' })).toMatchObject({ errno: 22, code: 'EINVAL' });
    const notNs = openSync('/proc/self/status', 'r');
    try {
      expect(fail({ netnsFd: notNs })).toMatchObject({ errno: 22 });
    } finally {
      closeSync(notNs);
    }
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(home);
  });
});
