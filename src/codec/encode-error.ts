/**
 * The error the codec throws for values it cannot write.
 *
 * An attribute's length field holds 16 bits and a message's 32: a longer
 * value would wrap the field, and the kernel would read the rest as further
 * attributes (a name could carry an MTU of its own). Text must be well-formed
 * (a lone surrogate has no UTF-8 form). The builders refuse such input with
 * this error before any byte leaves.
 *
 * @example
 * ```ts
 * try { buildNewLinkRequest(0, CREATE_FLAGS, { name: 'x'.repeat(70_000), kind: 'bridge' }); }
 * catch (e) { if (e instanceof NetlinkEncodeError) console.error(e.what, e.length, e.max); }
 * ```
 */
export class NetlinkEncodeError extends Error {
  /** A stable machine-readable code, like the library's other errors: `ENCODE`. */
  readonly code = 'ENCODE';
  /** What could not be written, e.g. `attribute 3` or `message`. */
  readonly what: string;
  /** Its length in bytes, when the length is what is wrong. */
  readonly length: number | undefined;
  /** The most its length field holds, when the length is what is wrong. */
  readonly max: number | undefined;

  /**
   * @param what what could not be written
   * @param problem what is wrong with it
   * @param length its length in bytes
   * @param max the most its length field holds
   */
  constructor(what: string, problem: string, length?: number, max?: number) {
    super(`cannot encode ${what}: ${problem}`);
    this.name = 'NetlinkEncodeError';
    this.what = what;
    this.length = length;
    this.max = max;
  }
}

/** Largest nlattr length (a u16, header included). */
export const NLA_LEN_MAX = 0xffff;
/** Largest nlmsghdr length (a u32, header included). */
export const NLMSG_LEN_MAX = 0xffffffff;

/** Throws unless an attribute of `len` bytes (header included) fits its 16-bit length field. */
export function checkAttributeLength(type: number, len: number): void {
  if (len > NLA_LEN_MAX) {
    throw new NetlinkEncodeError(
      `attribute ${type}`,
      `${len} bytes, its length field holds at most ${NLA_LEN_MAX}`,
      len,
      NLA_LEN_MAX,
    );
  }
}

/** Throws unless a message of `len` bytes fits its 32-bit length field. */
export function checkMessageLength(len: number): void {
  if (len > NLMSG_LEN_MAX || !Number.isInteger(len) || len < 0) {
    throw new NetlinkEncodeError(
      'message',
      `${len} bytes, its length field holds at most ${NLMSG_LEN_MAX}`,
      len,
      NLMSG_LEN_MAX,
    );
  }
}

/** A lone surrogate: half of a UTF-16 pair, with no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Throws when text for attribute `type` holds a lone surrogate (the encoder would write U+FFFD instead). */
export function checkWellFormed(type: number, s: string): void {
  if (LONE_SURROGATE.test(s)) {
    throw new NetlinkEncodeError(`attribute ${type}`, 'the text holds a lone surrogate (no UTF-8 form)');
  }
}
