/**
 * Link events: a socket joined to the RTNLGRP_LINK multicast group, handing
 * each RTM_NEWLINK / RTM_DELLINK notification to a callback in kernel order.
 */
import { RTM_DELLINK, RTM_NEWLINK, RTNLGRP_LINK } from '../codec/constants.js';
import { decodeLinkBody, peekLinkKind } from '../codec/link.js';
import type { LinkMessage } from '../codec/types.js';
import type { SocketError } from './errors.js';
import { NetlinkSocket } from './socket.js';

/** Options of {@link subscribeLinks}. */
export interface LinkSubscription {
  /** Only links whose IFLA_INFO_KIND is one of these (checked before decoding). */
  kinds?: readonly string[];
  /** Each link notification, decoded. */
  onLink: (msg: LinkMessage) => void;
  /** Events were lost (receive buffer overflow) or the socket failed: the caller must resync. */
  onLost: (error: SocketError) => void;
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
      if (kinds) {
        const kind = peekLinkKind(buf, start, end);
        if (kind === undefined || !kinds.has(kind)) return;
      }
      try {
        sub.onLink(
          decodeLinkBody(buf, new DataView(buf.buffer, buf.byteOffset), start, end, h.type, h.flags, h.seq),
        );
      } catch {
        // A notification we cannot decode is skipped; the next resync corrects the state.
      }
    },
    onEventError: sub.onLost,
  });
}
