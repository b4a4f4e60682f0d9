/**
 * Any kind of link (bridges, veth, vxlan, the tunnels' underlay), and the rtnetlink socket under every operation.
 *
 * @module Links
 */
export {
  changeLink,
  createLink,
  deleteLink,
  deleteLinks,
  dumpLinks,
  getLink,
  type LinkOptions,
  type DeleteLinksOptions,
  type LinkSummary,
  type DumpLinksRequest,
  type LinkMessage,
  type LinkInfo,
  DEFAULT_TIMEOUT,
  type DumpSummary,
  type DumpVisitor,
  NetlinkSocket,
  type NetlinkTransport,
  type RequestOptions,
  type SocketOptions,
} from '../src/index.js';
