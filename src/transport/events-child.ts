/**
 * The event reader process: joins RTNLGRP_LINK and forwards each link
 * notification to its parent over IPC, doing nothing else, so it drains the
 * kernel's queue even while the parent is busy. Started by
 * `subscribeLinksIsolated` (possibly inside another namespace via nsenter).
 */
import { RTNLGRP_LINK } from '../codec/constants.js';
import { NetlinkSocket } from './socket.js';

const send = process.send?.bind(process);
if (!send) {
  console.error('events-child: must be started with an IPC channel');
  process.exit(2);
}

const sock = NetlinkSocket.open({
  groups: [RTNLGRP_LINK],
  keepAlive: true,
  recvBufferSize: Number(process.env['EOIP_EVENTS_RCVBUF'] ?? 4 * 1024 * 1024),
  onEvent: (_h, buf, start, end) => {
    send({ m: Buffer.from(buf.buffer, buf.byteOffset + start, end - start) });
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
