/**
 * Every error the library throws: one class per cause, all subclasses of {@link EoipError}.
 *
 * @module Errors
 */
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
} from '../src/index.js';
