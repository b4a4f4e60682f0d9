/**
 * Link events: a socket joined to the RTNLGRP_LINK multicast group, handing
 * each RTM_NEWLINK / RTM_DELLINK notification to a callback in kernel order.
 * Read in this process, on a socket opened inside the watched namespace when
 * it is another: a receive-buffer overrun is reported (ENOBUFS through
 * `onLost`) and the socket reads on, so no separate reader process is needed.
 */

import { RTM_DELLINK, RTM_NEWLINK, RTNLGRP_LINK } from '../codec/constants.js';
import type { NetlinkHeader } from '../codec/header.js';
import { decodeLinkBody, peekLinkKind } from '../codec/link.js';
import type { LinkMessage } from '../codec/types.js';
import type { SocketError } from './errors.js';
import type { NetnsTarget } from './netns.js';
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
  /** Read the events of this network namespace (the socket is opened inside it). */
  netns?: NetnsTarget;
}

/**
 * Open an event socket (inside `sub.netns` when given). The returned socket
 * also serves requests (e.g. the dump a watcher needs to start from, or to
 * resync), in the same namespace, and keeps the process alive until closed.
 * Throws what {@link NetlinkSocket.open} throws.
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
    ...(sub.netns ? { netns: sub.netns } : {}),
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
    // The message gets bytes of its own: it keeps views into them (its
    // `unknown` attributes), and a watcher keeps a link's last message for as
    // long as the link does not change. A view into the receive slab would
    // keep all 64 KiB of it alive per quiet link.
    const own = new Uint8Array(end - start);
    own.set(buf.subarray(start, end));
    msg = decodeLinkBody(own, undefined, 0, own.length, h.type, h.flags, h.seq);
  } catch (e) {
    sub.onUndecodable?.(e);
    return;
  }
  sub.onLink(msg);
}
