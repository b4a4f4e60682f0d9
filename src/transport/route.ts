/**
 * Route lookup (RTM_GETROUTE): which source address the kernel would use to
 * reach a destination. Used for `local: 'auto'`.
 */

import { formatIp, parseIp } from '../codec/addresses.js';
import { forEachAttribute } from '../codec/attributes.js';
import { NLMSG_HDRLEN, RTA_OIF, RTA_PREFSRC, RTM_NEWROUTE, RTMSG_LEN } from '../codec/constants.js';
import { readHeader } from '../codec/header.js';
import { NetlinkParseError } from '../codec/parse-error.js';
import { buildGetRouteRequest } from '../codec/requests.js';
import { asKernelError } from './errors.js';
import type { NetlinkTransport, RequestOptions } from './socket.js';

/** What the kernel answered for a route lookup. */
export interface RouteAnswer {
  /** RTA_PREFSRC: the source address it would use, when it named one. */
  source?: string;
  /** RTA_OIF: the output interface index. */
  outputIndex?: number;
}

/** Ask the kernel how it would reach `destination` (an IPv4 or IPv6 literal). */
export async function lookupRoute(
  sock: NetlinkTransport,
  destination: string,
  opts: RequestOptions = {},
): Promise<RouteAnswer> {
  const dst = parseIp(destination);
  if (!dst) throw new TypeError(`not an IP address: ${destination}`);
  let bytes: Uint8Array;
  try {
    bytes = await sock.reply((seq) => buildGetRouteRequest(seq, dst.bytes), {
      ...opts,
      operation: opts.operation ?? 'route',
    });
  } catch (e) {
    throw asKernelError(e, 'route', destination);
  }
  const h = readHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  if (h.type !== RTM_NEWROUTE || bytes.byteLength < NLMSG_HDRLEN + RTMSG_LEN) {
    throw new NetlinkParseError(`route answer of type ${h.type} is not RTM_NEWROUTE`, 4);
  }
  const out: RouteAnswer = {};
  forEachAttribute(bytes, NLMSG_HDRLEN + RTMSG_LEN, bytes.byteLength, (type, vs, ve) => {
    if (type === RTA_PREFSRC && (ve - vs === 4 || ve - vs === 16))
      out.source = formatIp(bytes.subarray(vs, ve));
    else if (type === RTA_OIF && ve - vs >= 4) {
      out.outputIndex = new DataView(bytes.buffer, bytes.byteOffset + vs, 4).getUint32(0, true);
    }
  });
  return out;
}
