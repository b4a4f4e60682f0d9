/**
 * Bytes to values and back, with no I/O: request builders, the link and error decoders, and {@link describeMessage} for a readable tree of any message.
 *
 * @module Codec
 */
export {
  type RawAttribute,
  AttributeWriter,
  type DescribedAttribute,
  type DescribedErrorCode,
  type DescribedExtAckTlv,
  type DescribedHeader,
  type DescribedIfInfoMsg,
  type DescribedMessage,
  type DescribedNlmsgErr,
  type DescribedRtgenmsg,
  describeMessage,
  decodeErrorPayload,
  type ExtendedAck,
  type NetlinkErrorMessage,
  type NetlinkHeader,
  type NetlinkMessage,
  splitMessages,
  decodeLinkMessage,
  type LinkRequestBody,
  type ByIndex,
  type ByName,
  buildChangeTunnelRequest,
  buildCreateTunnelRequest,
  buildDeleteLinkRequest,
  buildDumpLinksRequest,
  buildGetLinkRequest,
  buildNewLinkRequest,
  CHANGE_FLAGS,
  CREATE_FLAGS,
  type DumpLinksOptions,
  type LinkSelector,
  type TunnelLinkExtras,
} from '../src/index.js';
