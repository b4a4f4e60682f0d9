/**
 * Errors of the socket and of the kernel's answers. The api layer re-exports
 * them beside its own (bad input, not a tunnel). Kernel refusals are
 * {@link KernelError}s carrying errno, the operation and the interface, with a
 * hint where one helps: the socket rejects a refused request with a bare
 * {@link NetlinkErrorAnswer}, and {@link asKernelError} gives it its meaning.
 */
import { Errno, errnoName } from '../codec/errno.js';
import type { ExtendedAck } from '../codec/error.js';

/** Base class of every error this library throws (except {@link NetlinkParseError} from the codec). */
export class EoipError extends Error {
  /** A stable machine-readable code, e.g. `EEXIST` or `INVALID_ARGUMENT`. */
  readonly code: string;

  /**
   * @param message human-readable text
   * @param code stable machine-readable code
   * @param options `cause`: the underlying error, kept as the error's `cause`
   */
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The operations named in errors. */
export type Operation =
  | 'create'
  | 'change'
  | 'get'
  | 'list'
  | 'delete'
  | 'watch'
  | 'netns'
  | 'route'
  | 'request';

/** Details every kernel error carries. */
export interface KernelErrorDetails {
  /** Positive errno from the kernel's NLMSG_ERROR. */
  errno: number;
  /** What the library was doing. */
  operation: Operation;
  /** The interface concerned (name, or ifindex as text), when there is one. */
  interface?: string;
  /** The kernel's extended-ack text, when it sent one. */
  kernelMessage?: string;
  /** The kernel's extended ack, raw. */
  extAck?: ExtendedAck;
  /** What to do about it. */
  hint?: string;
}

/** The kernel refused a request. Subclasses name the common cases. */
export class KernelError extends EoipError {
  /** Positive errno, e.g. 17. */
  readonly errno: number;
  /** What the library was doing. */
  readonly operation: Operation;
  /** The interface concerned, when there is one. */
  readonly interface?: string;
  /** The kernel's extended-ack text, when it sent one. */
  readonly kernelMessage?: string;
  /** The kernel's extended ack, raw. */
  readonly extAck?: ExtendedAck;
  /** What to do about it. */
  readonly hint?: string;

  /**
   * @param d the error's details
   * @param summary what went wrong in a few words, e.g. `already exists` (default `kernel refused`)
   */
  constructor(d: KernelErrorDetails, summary?: string) {
    const code = errnoName(d.errno);
    const what = d.interface !== undefined ? `${d.operation} ${d.interface}` : d.operation;
    const parts = [
      `${what}: ${summary ?? 'kernel refused'} (${code}${d.kernelMessage ? `: ${d.kernelMessage}` : ''})`,
    ];
    if (d.hint) parts.push(d.hint);
    super(parts.join('; '), code);
    this.errno = d.errno;
    this.operation = d.operation;
    if (d.interface !== undefined) this.interface = d.interface;
    if (d.kernelMessage !== undefined) this.kernelMessage = d.kernelMessage;
    if (d.extAck !== undefined) this.extAck = d.extAck;
    if (d.hint !== undefined) this.hint = d.hint;
  }
}

/** EEXIST on a link of any kind: an interface with that name (or identity) exists. */
export class LinkExistsError extends KernelError {}

/**
 * EEXIST on a tunnel: the name is taken, or another tunnel of the kind has the
 * same (local, remote, tunnel id, link).
 */
export class TunnelExistsError extends LinkExistsError {}

/** ENODEV / not found: no interface with that name or index. */
export class LinkNotFoundError extends KernelError {}

/** EPERM / EACCES: the operation needs CAP_NET_ADMIN in the namespace. */
export class PermissionError extends KernelError {}

/** EOPNOTSUPP on create: the kernel has no `eoip` / `eoipv6` link kind (module not loaded). */
export class KindNotAvailableError extends KernelError {}

/** The operation did not finish within its timeout. */
export class TimeoutError extends EoipError {
  /** The timeout that ran out, in milliseconds. */
  readonly timeout: number;
  /** What timed out. */
  readonly operation: string;
  /** @param operation what timed out @param timeout milliseconds */
  constructor(operation: string, timeout: number) {
    super(`${operation}: no answer from the kernel within ${timeout} ms`, 'ETIMEDOUT');
    this.timeout = timeout;
    this.operation = operation;
  }
}

/** The operation was aborted through its AbortSignal. */
export class AbortedError extends EoipError {
  /** What was aborted. */
  readonly operation: string;
  /** @param operation what was aborted @param reason the signal's reason */
  constructor(operation: string, reason?: unknown) {
    super(`${operation}: aborted`, 'ABORTED', { cause: reason });
    this.operation = operation;
  }
}

/** What errors say of a request that was sent but whose answer never came. */
export const MAYBE_APPLIED = 'the request may or may not have been applied';

/** The socket was closed (by `close()` or a socket error) while the operation was pending. */
export class SocketClosedError extends EoipError {
  /** What was pending. */
  readonly operation: string;
  /**
   * True when the request (a create, change or delete) had been sent: the
   * kernel may have applied it before the socket closed. Read the state back
   * to know.
   */
  readonly maybeApplied: boolean;
  /**
   * @param operation what was pending
   * @param cause the underlying error, if any
   * @param maybeApplied the request had been sent (see {@link SocketClosedError.maybeApplied})
   */
  constructor(operation: string, cause?: unknown, maybeApplied = false) {
    super(
      `${operation}: the netlink socket was closed${maybeApplied ? ` before the answer came; ${MAYBE_APPLIED}` : ''}`,
      'SOCKET_CLOSED',
      { cause },
    );
    this.operation = operation;
    this.maybeApplied = maybeApplied;
  }
}

/** A dump kept being interrupted by concurrent changes (NLM_F_DUMP_INTR) after every retry. */
export class DumpInterruptedError extends EoipError {
  /** How many attempts were made. */
  readonly attempts: number;
  /** @param attempts attempts made */
  constructor(attempts: number) {
    super(`link dump was interrupted by concurrent changes ${attempts} times in a row`, 'EINTR');
    this.attempts = attempts;
  }
}

/** A socket-level failure (e.g. ENOBUFS on an event socket, or sendmsg failing). */
export class SocketError extends EoipError {
  /** Positive errno, when known. */
  readonly errno?: number;
  /**
   * @param message text
   * @param errno the positive errno, when known (it gives the code, e.g. `ENOBUFS`)
   * @param cause the underlying error, kept as the error's `cause`
   */
  constructor(message: string, errno?: number, cause?: unknown) {
    super(message, errno !== undefined ? errnoName(errno) : 'SOCKET_ERROR', { cause });
    if (errno !== undefined) this.errno = errno;
  }
}

/**
 * A kernel NLMSG_ERROR answer with a non-zero errno, before it is given a
 * meaning by the caller: what {@link NetlinkSocket}'s `ack`, `reply` and
 * `dump` reject with when the kernel refuses a request. The link and tunnel
 * functions turn it into a {@link KernelError}. Not an {@link EoipError}.
 *
 * @example
 * ```ts
 * try {
 *   await sock.ack(build);
 * } catch (e) {
 *   if (e instanceof NetlinkErrorAnswer && e.errno === 17) console.error('exists:', e.extAck?.message);
 * }
 * ```
 */
export class NetlinkErrorAnswer extends Error {
  /** Positive errno. */
  readonly errno: number;
  /** Extended ack, when present: the kernel's message and the offset of the attribute at fault. */
  readonly extAck?: ExtendedAck;
  /**
   * @param errno - positive errno
   * @param extAck - the extended ack, when the kernel sent one
   */
  constructor(errno: number, extAck?: ExtendedAck) {
    super(`netlink error ${errno}${extAck?.message ? `: ${extAck.message}` : ''}`);
    this.name = 'NetlinkErrorAnswer';
    this.errno = errno;
    if (extAck) this.extAck = extAck;
  }
}

/** A hint for the common errno values of link requests. */
function linkHint(errno: number, d: KernelErrorDetails, kind: string | undefined): string | undefined {
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      return 'this needs CAP_NET_ADMIN in the network namespace: run as root (or inside `unshare -rn`)';
    case Errno.EEXIST:
      return kind === 'eoip' || kind === 'eoipv6'
        ? 'an interface with this name exists, or another tunnel has the same local, remote, tunnel id and link'
        : 'an interface with this name exists (or, for kinds with an identity such as a vxlan VNI, one with the same identity)';
    case Errno.ENODEV:
      return d.interface !== undefined ? `no interface ${d.interface}` : undefined;
    case Errno.EOPNOTSUPP:
      if (d.operation === 'create' && kind !== undefined) {
        return `the ${kind} link kind is not available: load its kernel module (modprobe ${kind})`;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Turn a kernel errno into the matching {@link KernelError} subclass, with a hint.
 * @param kind the link kind the request was about, when known (used for hints)
 */
export function kernelError(d: KernelErrorDetails, kind?: string): KernelError {
  const hint = d.hint ?? linkHint(d.errno, d, kind);
  const full: KernelErrorDetails = hint !== undefined ? { ...d, hint } : d;
  switch (d.errno) {
    case Errno.EEXIST:
      return kind === 'eoip' || kind === 'eoipv6'
        ? new TunnelExistsError(full, 'already exists')
        : new LinkExistsError(full, 'already exists');
    case Errno.ENODEV:
      return new LinkNotFoundError(full, 'no such interface');
    case Errno.EPERM:
    case Errno.EACCES:
      return new PermissionError(full, 'permission denied');
    case Errno.EOPNOTSUPP:
      if (d.operation === 'create' && kind !== undefined) {
        return new KindNotAvailableError(full, `${kind} kind not available`);
      }
      return new KernelError(full, 'operation not supported');
    default:
      return new KernelError(full);
  }
}

/** Turn a {@link NetlinkErrorAnswer} into a typed kernel error; pass anything else through. */
export function asKernelError(e: unknown, operation: Operation, iface?: string, kind?: string): unknown {
  if (!(e instanceof NetlinkErrorAnswer)) return e;
  const d: KernelErrorDetails = { errno: e.errno, operation };
  if (iface !== undefined) d.interface = iface;
  if (e.extAck) {
    d.extAck = e.extAck;
    if (e.extAck.message) d.kernelMessage = e.extAck.message;
  }
  return kernelError(d, kind);
}
