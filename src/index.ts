/**
 * eoip-netlink: create, change, list, watch and delete MikroTik-compatible
 * EoIP / EoIPv6 tunnels on Linux over rtnetlink.
 *
 * @document ../docs/getting-started.md
 * @document ../docs/cli.md
 * @document ../docs/errors.md
 * @document ../docs/keepalive-mtu.md
 * @document ../docs/bridging.md
 * @document ../docs/namespaces.md
 * @document ../docs/watching.md
 * @document ../docs/apply.md
 * @document ../docs/many-tunnels.md
 * @document ../docs/internals.md
 * @packageDocumentation
 */

// Declarative apply
export {
  ApplyError,
  type ApplyFileFormat,
  type ApplyOptions,
  type ApplyResult,
  type ApplyRunOptions,
  type ApplyStep,
  applyTunnels,
  applyTunnelsWith,
  type DesiredTunnel,
  formatPlan,
  type ParseApplyFileOptions,
  parseApplyFile,
  readApplyFile,
} from './api/apply.js';
export {
  APPLY_FILE_MAX_BYTES,
  APPLY_FILE_MAX_DEPTH,
  APPLY_FILE_MAX_TUNNELS,
  ApplyFileError,
  type ApplyFileErrorDetails,
  type FilePosition,
} from './api/apply-file.js';
export { type ClientOptions, EoipClient, type PlannedRequest, type TunnelTarget } from './api/client.js';
// Diagnostics
export { type DoctorCheck, hasNetAdmin, probeKind, runDoctor, tunnelChecks } from './api/doctor.js';
// Errors
export {
  AbortedError,
  DumpInterruptedError,
  EoipError,
  InvalidArgumentError,
  KernelError,
  type KernelErrorDetails,
  KindNotAvailableError,
  LinkExistsError,
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
export { formatTunnelLine, type TunnelLineInput } from './api/format.js';
// Kind-agnostic reconcile engine (what applyTunnels runs on)
export {
  type DeclaredField,
  type Difference,
  executeSteps,
  type FieldDiff,
  type PlanFunctions,
  type PlanOptions,
  type PlanStep,
  planSteps,
  type ReconcileAdapter,
  type ReconcileOptions,
  type ReconcileResult,
  reconcile,
  type StepAction,
  type StepStatus,
} from './api/reconcile.js';
// Tunnel API
export {
  changeTunnel,
  createTunnel,
  deleteTunnel,
  deleteTunnels,
  getTunnel,
  listTunnels,
  type OneShotOptions,
  planChangeTunnel,
  planCreateTunnel,
  planDeleteTunnel,
} from './api/tunnels.js';
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
  TunnelParamInputs,
  TunnelParams,
  TunnelPatch,
  TunnelSpec,
} from './api/types.js';
export { deriveTunnelMac } from './api/validate.js';
// Watching
export {
  type LinkEvent,
  type TunnelChange,
  type TunnelEvent,
  type WatchChange,
  type WatchOptions,
  type WatchResync,
  watchLinks,
  watchTunnels,
} from './api/watch.js';
export type { RawAttribute } from './codec/attributes.js';
export { AttributeWriter, NetlinkEncodeError } from './codec/attributes.js';
export {
  type DescribedAttribute,
  type DescribedErrorCode,
  type DescribedExtAckTlv,
  type DescribedHeader,
  type DescribedIfInfoMsg,
  type DescribedMessage,
  type DescribedNlmsgErr,
  type DescribedRtgenmsg,
  describeMessage,
  MAX_DESCRIBE_DEPTH,
} from './codec/describe.js';
export { decodeErrorPayload, type ExtendedAck, type NetlinkErrorMessage } from './codec/error.js';
export { type NetlinkHeader, type NetlinkMessage, splitMessages } from './codec/header.js';
// Codec: bytes <-> values, no I/O
export { decodeLinkMessage } from './codec/link.js';
export {
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
  type LinkRequestBody,
  type LinkSelector,
  type TunnelLinkExtras,
} from './codec/requests.js';
export type { LinkInfo, LinkMessage } from './codec/types.js';
export { type DeleteLinksOptions, deleteLinks, type LinkSummary } from './transport/bulk-delete.js';
export {
  type RecoveredLink,
  type RecoverLinkGroupsOptions,
  recoverLinkGroups,
} from './transport/bulk-recovery.js';
export type { DumpLinksRequest } from './transport/dump.js';
export { NetlinkErrorAnswer } from './transport/errors.js';
// Generic link layer (bridges, underlay devices, …) and the socket under it
export {
  changeLink,
  createLink,
  deleteLink,
  dumpLinks,
  getLink,
  type LinkOptions,
} from './transport/links.js';
export type { NetnsTarget } from './transport/netns.js';
export {
  DEFAULT_TIMEOUT,
  type DumpOptions,
  type DumpSummary,
  type DumpVisitor,
  NetlinkSocket,
  type NetlinkTransport,
  type RequestOptions,
  type SocketOptions,
} from './transport/socket.js';
