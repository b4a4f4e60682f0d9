/**
 * eoip-netlink: create, change, list, watch and delete MikroTik-compatible
 * EoIP / EoIPv6 tunnels on Linux over rtnetlink.
 *
 * @packageDocumentation
 */

// Tunnel API
export {
  createTunnel,
  changeTunnel,
  getTunnel,
  listTunnels,
  deleteTunnel,
  planCreateTunnel,
  planChangeTunnel,
  planDeleteTunnel,
  type OneShotOptions,
} from './api/tunnels.js';
export { EoipClient, type ClientOptions, type PlannedRequest, type TunnelTarget } from './api/client.js';
export type {
  Keepalive,
  KeepaliveInput,
  LinkRef,
  LinkStats,
  ListTunnelsOptions,
  NetnsRef,
  OperationOptions,
  OperState,
  Tunnel,
  TunnelKind,
  TunnelParams,
  TunnelPatch,
  TunnelSpec,
} from './api/types.js';
export { formatTunnelLine, type TunnelLineInput } from './api/format.js';
export { deriveTunnelMac } from './api/validate.js';

// Errors
export {
  AbortedError,
  DumpInterruptedError,
  EoipError,
  InvalidArgumentError,
  KernelError,
  type KernelErrorDetails,
  KindNotAvailableError,
  LinkNotFoundError,
  NetlinkParseError,
  NotATunnelError,
  type Operation,
  PermissionError,
  SocketClosedError,
  SocketError,
  TimeoutError,
  TunnelExistsError,
} from './api/errors.js';

// Codec: bytes <-> values, no I/O
export { decodeLinkMessage, type LinkRequestBody } from './codec/link.js';
export type { LinkInfo, LinkMessage } from './codec/types.js';
export type { RawAttribute } from './codec/attributes.js';
export { AttributeWriter } from './codec/attributes.js';
export { decodeErrorPayload, type ExtendedAck, type NetlinkErrorMessage } from './codec/error.js';
export { splitMessages, type NetlinkHeader, type NetlinkMessage } from './codec/header.js';
export {
  buildCreateTunnelRequest,
  buildChangeTunnelRequest,
  buildGetLinkRequest,
  buildDeleteLinkRequest,
  buildDumpLinksRequest,
  buildNewLinkRequest,
  CREATE_FLAGS,
  CHANGE_FLAGS,
  type DumpLinksOptions,
  type LinkSelector,
  type TunnelLinkExtras,
} from './codec/requests.js';
