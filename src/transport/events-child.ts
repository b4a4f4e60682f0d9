/**
 * The event reader process: joins RTNLGRP_LINK and forwards each link
 * notification to its parent over IPC, doing nothing else, so it drains the
 * kernel's queue even while the parent is busy. Started by
 * `subscribeLinksIsolated` (possibly inside another namespace via nsenter).
 *
 * What the parent has not taken yet waits in this process: past
 * EOIP_EVENTS_BACKLOG notifications (default 20,000) the reader drops them
 * instead, and once half the backlog is written out it tells the parent that
 * events were lost, so that a parent busy through a storm resyncs rather
 * than this process growing without bound.
 */
import { RTNLGRP_LINK } from '../codec/constants.js';
import { NetlinkSocket } from './socket.js';

const send = process.send?.bind(process);
if (!send) {
  console.error('events-child: must be started with an IPC channel');
  process.exit(2);
}

/** Most notifications handed to the IPC channel and not yet written to it. */
const maxBacklog = Math.max(1, Number(process.env['EOIP_EVENTS_BACKLOG']) || 20_000);
let backlog = 0;
/** Notifications are being dropped: the parent must be told, and resync. */
let dropping = false;

function written(): void {
  backlog--;
  if (dropping && backlog <= maxBacklog / 2) {
    dropping = false;
    // After every notification forwarded before the gap (IPC keeps the order).
    send!({ lost: 105 });
  }
}

const sock = NetlinkSocket.open({
  groups: [RTNLGRP_LINK],
  keepAlive: true,
  recvBufferSize: Number(process.env['EOIP_EVENTS_RCVBUF'] ?? 4 * 1024 * 1024),
  onEvent: (_h, buf, start, end) => {
    if (dropping) return;
    if (backlog >= maxBacklog) {
      dropping = true;
      return;
    }
    backlog++;
    send({ m: Buffer.from(buf.buffer, buf.byteOffset + start, end - start) }, undefined, undefined, written);
  },
  onEventError: (e) => {
    // Events were dropped (or the socket failed): tell the parent, which resyncs.
    send({ lost: e.errno ?? 0 });
  },
});

process.on('disconnect', () => {
  sock.close();
  process.exit(0);
});
send({ ready: true });
