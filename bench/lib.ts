/**
 * What the benchmarks need from the sources, including internals that the
 * package root does not export. bench/run.mjs bundles this file with esbuild
 * (the compiler tsup uses for dist/, same target) into .bench-tmp/lib.mjs, so
 * the benchmarks run the same code a user of the built package runs.
 */

export { watchLinks } from '../src/api/watch.js';
export { AttributeWriter, forEachAttribute } from '../src/codec/attributes.js';
export { viewOf } from '../src/codec/bytes.js';
export {
  IFINFOMSG_LEN,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  NLMSG_HDRLEN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_NEWLINK,
} from '../src/codec/constants.js';
export { describeMessage } from '../src/codec/describe.js';
export { decodeErrorPayload } from '../src/codec/error.js';
export { readHeader, splitMessages } from '../src/codec/header.js';
export { decodeLinkBody, decodeLinkMessage, peekLinkKind, readIfInfoMsg } from '../src/codec/link.js';
export { NetlinkParseError } from '../src/codec/parse-error.js';
export {
  buildCreateTunnelRequest,
  buildDumpLinksRequest,
  buildGetLinkRequest,
  buildNewLinkRequest,
} from '../src/codec/requests.js';
export { deleteLinks } from '../src/transport/bulk-delete.js';
export { dumpLinks, dumpLinksRaw, setKernelFilterSupport } from '../src/transport/dump.js';
export { subscribeLinks } from '../src/transport/events.js';
export { createLink, deleteLink, getLink } from '../src/transport/links.js';
export { NetlinkSocket } from '../src/transport/socket.js';
