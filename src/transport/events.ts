/**
 * Link events: a socket joined to the RTNLGRP_LINK multicast group, handing
 * each RTM_NEWLINK / RTM_DELLINK notification to a callback in kernel order.
 */

import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { NLMSG_HDRLEN, RTM_DELLINK, RTM_NEWLINK, RTNLGRP_LINK } from '../codec/constants.js';
import { type NetlinkHeader, readHeader } from '../codec/header.js';
import { decodeLinkBody, peekLinkKind } from '../codec/link.js';
import type { LinkMessage } from '../codec/types.js';
import { childScriptArgs } from './child-script.js';
import { SocketError } from './errors.js';
import { NetlinkSocket } from './socket.js';

/** Options of {@link subscribeLinks}. */
export interface LinkSubscription {
  /** Only links whose IFLA_INFO_KIND is one of these (checked before decoding). */
  kinds?: readonly string[];
  /** Each link notification, decoded. */
  onLink: (msg: LinkMessage) => void;
  /** Events were lost (receive buffer overflow) or the socket failed: the caller must resync. */
  onLost: (error: SocketError) => void;
  /**
   * A notification of a watched kind could not be decoded and was skipped:
   * the caller should read the state again. Without it, the skip is silent.
   */
  onUndecodable?: (error: unknown) => void;
  /** SO_RCVBUF for the event socket (default 4 MiB: bursts of thousands of events fit). */
  recvBufferSize?: number;
}

/**
 * Open an event socket. The returned socket also serves requests (e.g. the
 * dump a watcher needs to start from, or to resync), and keeps the process
 * alive until closed.
 */
export function subscribeLinks(sub: LinkSubscription): NetlinkSocket {
  const kinds = sub.kinds ? new Set(sub.kinds) : undefined;
  return NetlinkSocket.open({
    groups: [RTNLGRP_LINK],
    keepAlive: true,
    recvBufferSize: sub.recvBufferSize ?? 4 * 1024 * 1024,
    onEvent: (h, buf, start, end) => {
      if (h.type !== RTM_NEWLINK && h.type !== RTM_DELLINK) return;
      deliverLink(sub, kinds, buf, start, end, h);
    },
    onEventError: sub.onLost,
  });
}

/**
 * Hand one link notification to `sub` when its kind is watched. One that
 * cannot be read, its kind included, goes to `onUndecodable` instead: it
 * may have been of a watched kind, so the caller must not just skip it.
 */
function deliverLink(
  sub: LinkSubscription,
  kinds: ReadonlySet<string> | undefined,
  buf: Uint8Array,
  start: number,
  end: number,
  h: NetlinkHeader,
): void {
  let msg: LinkMessage;
  try {
    if (kinds) {
      const kind = peekLinkKind(buf, start, end);
      if (kind === undefined || !kinds.has(kind)) return;
    }
    msg = decodeLinkBody(buf, undefined, start, end, h.type, h.flags, h.seq);
  } catch (e) {
    sub.onUndecodable?.(e);
    return;
  }
  sub.onLink(msg);
}

/** Options of {@link subscribeLinksIsolated}. */
export interface IsolatedSubscription extends LinkSubscription {
  /** Read events inside this network namespace (its file), via nsenter. */
  netnsPath?: string;
  /** Called each time the reader process is (re)started and subscribed. */
  onReady?: () => void;
}

/** A running isolated subscription. */
export interface IsolatedHandle {
  /** Stop the reader process. */
  close(): void;
  /** Resolves once the first reader process has subscribed. */
  ready: Promise<void>;
}

/**
 * Read link events in a separate process that forwards them over IPC. The
 * `netlink` package's native layer aborts its process when the kernel reports
 * a receive-buffer overrun; isolated, such an abort costs only the reader,
 * which is restarted, and the loss is reported through `onLost` so the
 * caller resyncs. It also lets events be read inside another namespace.
 */
export function subscribeLinksIsolated(sub: IsolatedSubscription): IsolatedHandle {
  const kinds = sub.kinds ? new Set(sub.kinds) : undefined;
  let closed = false;
  let child: ChildProcess | undefined;
  let resolveReady: () => void;
  let rejectReady: (e: unknown) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  let everReady = false;
  let quickFailures = 0;

  // Loaded on use, not at start-up: only isolated watchers start processes.
  const { spawn } = createRequire(import.meta.url)(
    'node:child_process',
  ) as typeof import('node:child_process');
  const start = () => {
    const node = [process.execPath, ...childScriptArgs(import.meta.url, 'events-child')];
    const [cmd, ...args] = sub.netnsPath ? ['nsenter', `--net=${sub.netnsPath}`, '--', ...node] : node;
    const env = { ...process.env, EOIP_EVENTS_RCVBUF: String(sub.recvBufferSize ?? 4 * 1024 * 1024) };
    const c = spawn(cmd!, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env,
    });
    child = c;
    let stderr = '';
    c.stderr?.on('data', (d) => {
      stderr += d;
    });
    const startedAt = Date.now();
    c.on('message', (msg: { m?: Uint8Array; lost?: number; ready?: boolean }) => {
      if (msg.m) {
        const buf = new Uint8Array(msg.m.buffer, msg.m.byteOffset, msg.m.byteLength);
        if (buf.byteLength < NLMSG_HDRLEN) return;
        const header = readHeader(new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0);
        if (header.type !== RTM_NEWLINK && header.type !== RTM_DELLINK) return;
        deliverLink(sub, kinds, buf, 0, buf.byteLength, header);
      } else if (msg.lost !== undefined) {
        sub.onLost(new SocketError('link events were lost', 105));
      } else if (msg.ready) {
        quickFailures = 0;
        if (!everReady) {
          everReady = true;
          resolveReady();
        } else {
          // A restarted reader: whatever happened in between is unknown.
          sub.onLost(new SocketError('the event reader restarted: link events were lost', 105));
        }
        sub.onReady?.();
      }
    });
    c.on('error', (e) => {
      if (!everReady)
        rejectReady(new SocketError(`cannot start the event reader: ${e.message}`, undefined, e));
    });
    c.on('exit', (code, signal) => {
      if (closed) return;
      const why = `the event reader exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`;
      if (!everReady) {
        rejectReady(new SocketError(why));
        closed = true;
        return;
      }
      // Restart at once, but stop trying if it keeps dying on start.
      if (Date.now() - startedAt < 1000 && ++quickFailures >= 3) {
        closed = true;
        sub.onLost(new SocketError(`${why}; giving up after 3 quick failures`));
        return;
      }
      start();
    });
  };
  start();
  return {
    ready,
    close() {
      closed = true;
      child?.kill();
    },
  };
}
