/**
 * Error classes users catch, all re-exported from here. Every failure the
 * library reports is an {@link EoipError}; the codec's
 * {@link NetlinkParseError} and {@link NetlinkEncodeError} are the
 * exceptions. Where each class is defined:
 *
 * - src/transport/errors.ts: EoipError (the base); KernelError and its
 *   subclasses LinkExistsError, TunnelExistsError, LinkNotFoundError,
 *   PermissionError and KindNotAvailableError; TimeoutError, AbortedError,
 *   SocketClosedError, DumpInterruptedError and SocketError. The transport
 *   throws them, so they live below the api (with the transport's own
 *   NetlinkErrorAnswer and asKernelError, which turns it into a KernelError).
 * - src/transport/invalid-argument.ts: InvalidArgumentError and the
 *   quoting of values in messages, so that the generic link functions
 *   refuse bad input with the same class as the tunnel api.
 * - src/codec/parse-error.ts and src/codec/encode-error.ts:
 *   NetlinkParseError and NetlinkEncodeError.
 * - this file: NotATunnelError, and what the api adds to a failed request's
 *   message when its fate is unknown.
 */
import { EoipError, KernelError, MAYBE_APPLIED as REQUEST_MAYBE_APPLIED } from '../transport/errors.js';
import { InvalidArgumentError } from '../transport/invalid-argument.js';

export { NetlinkEncodeError } from '../codec/encode-error.js';
export { NetlinkParseError } from '../codec/parse-error.js';
export {
  AbortedError,
  DumpInterruptedError,
  EoipError,
  KernelError,
  type KernelErrorDetails,
  KindNotAvailableError,
  LinkExistsError,
  LinkNotFoundError,
  type Operation,
  PermissionError,
  SocketClosedError,
  SocketError,
  TimeoutError,
  TunnelExistsError,
} from '../transport/errors.js';
export { InvalidArgumentError, QUOTE_MAX_CHARS, quoteValue } from '../transport/invalid-argument.js';

/** The target interface exists but is not an eoip/eoipv6 tunnel. */
export class NotATunnelError extends EoipError {
  /** The interface named. */
  readonly interface: string;
  /** Its actual kind (undefined for links without IFLA_INFO_KIND, e.g. `lo`). */
  readonly kind: string | undefined;

  /**
   * @param iface the interface named
   * @param kind its actual kind
   */
  constructor(iface: string, kind: string | undefined) {
    super(`${iface} is not an eoip/eoipv6 tunnel (its kind is ${kind ?? 'none'})`, 'NOT_A_TUNNEL');
    this.interface = iface;
    this.kind = kind;
  }
}

/**
 * What a request that failed without the kernel's answer (a timeout, an
 * abort or a close after it was sent, a lost answer) may have done.
 * @internal
 */
export const MAYBE_APPLIED = `${REQUEST_MAYBE_APPLIED}: read the state back (getTunnel, listTunnels) before retrying`;

/** Errors that come from the kernel's answer or from the input: the request's fate is known. */
function fateKnown(e: unknown): boolean {
  return e instanceof KernelError || e instanceof InvalidArgumentError || !(e instanceof EoipError);
}

/**
 * `e` with `note` added at the end of its message, once; a
 * {@link KernelError} also gets it at the end of its hint (its message ends
 * with the hint, so the two agree). The class and every other field stay.
 * Anything but an {@link EoipError} is returned as it is.
 * @internal
 */
export function withNote(e: unknown, note: string): unknown {
  if (!(e instanceof EoipError) || e.message.includes(note)) return e;
  if (e instanceof KernelError) {
    (e as { hint?: string }).hint = e.hint !== undefined ? `${e.hint}; ${note}` : note;
  }
  e.message = `${e.message}; ${note}`;
  return e;
}

/**
 * A failure of a request that changes something: when the kernel's answer
 * never came (timeout, abort or close after sending, lost answer), the
 * request may have been carried out anyway, and the error says so.
 * @internal
 */
export function maybeApplied(e: unknown): unknown {
  // Already said (e.g. by the socket on close or overflow): once is enough.
  if (fateKnown(e) || (e as Error).message.includes(REQUEST_MAYBE_APPLIED)) return e;
  return withNote(e, MAYBE_APPLIED);
}

/**
 * The hint of a change the kernel refused with EBUSY: the kernel renames an
 * interface and changes its MAC address only while it is down.
 * @internal
 */
export const DOWN_ONLY_HINT =
  'the kernel changes the name and the MAC address of a tunnel only while it is down: set it down, make the change, then set it up again';
