/**
 * struct nlmsghdr, and splitting a datagram into the messages it holds.
 */
import { viewOf } from './bytes.js';
import { NLMSG_HDRLEN } from './constants.js';
import { checkMessageLength } from './encode-error.js';
import { NetlinkParseError } from './parse-error.js';

/** The 16-byte netlink message header. */
export interface NetlinkHeader {
  /** nlmsg_len: length of the whole message, header included. */
  length: number;
  /** nlmsg_type, e.g. RTM_NEWLINK or NLMSG_ERROR. */
  type: number;
  /** nlmsg_flags (NLM_F_*). */
  flags: number;
  /** nlmsg_seq: matches an answer to its request. */
  seq: number;
  /** nlmsg_pid: the sender's port (0 = the kernel). */
  pid: number;
}

/** One message cut out of a datagram: its header and its payload (after the header). */
export interface NetlinkMessage {
  /** The message's header. */
  header: NetlinkHeader;
  /** The whole message, header included (a view, not a copy). */
  bytes: Uint8Array;
  /** The bytes after the header (a view, not a copy). */
  payload: Uint8Array;
}

/** Read the header at `offset` of `view`. The caller checks that 16 bytes are there. */
export function readHeader(view: DataView, offset: number): NetlinkHeader {
  return {
    length: view.getUint32(offset, true),
    type: view.getUint16(offset + 4, true),
    flags: view.getUint16(offset + 6, true),
    seq: view.getUint32(offset + 8, true),
    pid: view.getUint32(offset + 12, true),
  };
}

/**
 * Write a header at `offset` of `view`.
 * @throws NetlinkEncodeError when `h.length` does not fit the 32-bit length field
 */
export function writeHeader(view: DataView, offset: number, h: NetlinkHeader): void {
  checkMessageLength(h.length);
  view.setUint32(offset, h.length, true);
  view.setUint16(offset + 4, h.type, true);
  view.setUint16(offset + 6, h.flags, true);
  view.setUint32(offset + 8, h.seq >>> 0, true);
  view.setUint32(offset + 12, h.pid >>> 0, true);
}

/**
 * Visit each message of a datagram without copying. Lengths are checked:
 * a message shorter than its header or longer than what is left throws
 * {@link NetlinkParseError}, so a zero length can never loop forever.
 */
export function forEachMessage(
  datagram: Uint8Array,
  visit: (header: NetlinkHeader, start: number, end: number) => void,
): void {
  const view = viewOf(datagram);
  let off = 0;
  const total = datagram.byteLength;
  while (off < total) {
    if (total - off < NLMSG_HDRLEN) {
      throw new NetlinkParseError(`truncated netlink header: ${total - off} of ${NLMSG_HDRLEN} bytes`, off);
    }
    const header = readHeader(view, off);
    if (header.length < NLMSG_HDRLEN) {
      throw new NetlinkParseError(`netlink message length ${header.length} is below the header size`, off);
    }
    if (header.length > total - off) {
      throw new NetlinkParseError(
        `netlink message length ${header.length} runs past the ${total - off} bytes left`,
        off,
      );
    }
    visit(header, off, off + header.length);
    // NLMSG_ALIGN: the next message starts on a 4-byte boundary.
    off += (header.length + 3) & ~3;
  }
}

/**
 * Split a datagram into its messages (views into `datagram`, no copies).
 * @param datagram - one datagram as received from a netlink socket
 * @throws {@link NetlinkParseError} when a header is truncated or a length runs past the datagram
 */
export function splitMessages(datagram: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  forEachMessage(datagram, (header, start, end) => {
    out.push({
      header,
      bytes: datagram.subarray(start, end),
      payload: datagram.subarray(start + NLMSG_HDRLEN, end),
    });
  });
  return out;
}
