/**
 * Error classes users catch. Every failure the library reports is an
 * {@link EoipError}; the codec's {@link NetlinkParseError} is the one exception.
 */
import { EoipError } from '../transport/errors.js';

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

/**
 * Bad input, caught before anything was sent to the kernel.
 *
 * @example
 * ```ts
 * try { await createTunnel({ tunnelId: 70000, remote: '192.0.2.1' }); }
 * catch (e) { if (e instanceof InvalidArgumentError) console.log(e.field, e.allowed); }
 * // e.field === 'tunnelId', e.allowed === '0..65535 for eoip'
 * ```
 */
export class InvalidArgumentError extends EoipError {
  /** The field at fault, e.g. `tunnelId`, `remote`, `keepalive.interval`. */
  readonly field: string;
  /** The value given. */
  readonly value: unknown;
  /** What is allowed, e.g. `0..65535`. */
  readonly allowed: string;

  /**
   * @param field the field at fault
   * @param value the value given
   * @param allowed what is allowed
   */
  constructor(field: string, value: unknown, allowed: string) {
    super(`invalid ${field}: ${describeValue(value)} (allowed: ${allowed})`, 'INVALID_ARGUMENT');
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

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
