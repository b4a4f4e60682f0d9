/**
 * The one error type the codec throws for bytes it cannot read.
 *
 * Every decoder in this library either returns a value or throws a
 * `NetlinkParseError`: never another exception, never a read past the buffer.
 *
 * @example
 * ```ts
 * try { decodeLinkMessage(bytes); }
 * catch (e) { if (e instanceof NetlinkParseError) console.error(e.offset, e.message); }
 * ```
 */
export class NetlinkParseError extends Error {
  /** Byte offset in the input at which the problem was found. */
  readonly offset: number;

  /**
   * @param message what is wrong
   * @param offset byte offset in the input where it was found
   */
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'NetlinkParseError';
    this.offset = offset;
  }
}
