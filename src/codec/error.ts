/**
 * NLMSG_ERROR payloads: struct nlmsgerr (error code + the request's header,
 * or the whole request when not capped) and the extended-ack TLVs after it.
 */
import { forEachAttribute, readAttr } from './attributes.js';
import { viewOf } from './bytes.js';
import {
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from './constants.js';
import { type NetlinkHeader, readHeader } from './header.js';
import { NetlinkParseError } from './parse-error.js';

/** The kernel's extended acknowledgement, when it attached one. */
export interface ExtendedAck {
  /** NLMSGERR_ATTR_MSG: a human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset in the request of the attribute at fault. */
  offset?: number;
  /** NLMSGERR_ATTR_COOKIE, raw. */
  cookie?: Uint8Array;
  /** NLMSGERR_ATTR_MISS_TYPE: a required attribute that was missing. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest that lacked it. */
  missingNest?: number;
}

/** A decoded NLMSG_ERROR: `errno` 0 is a success ACK. */
export interface NetlinkErrorMessage {
  /** Positive errno (the kernel sends it negated); 0 means success. */
  errno: number;
  /** Header of the request this answers. */
  request: NetlinkHeader;
  /** Extended-ack attributes, present when NLM_F_ACK_TLVS was set. */
  extAck?: ExtendedAck;
}

/**
 * Decode the payload of an NLMSG_ERROR message.
 * @param payload bytes after the outer nlmsghdr
 * @param flags the outer header's flags (NLM_F_CAPPED / NLM_F_ACK_TLVS)
 * @param base offset of `payload` in the whole input, for error offsets (default 16, one header)
 * @throws {@link NetlinkParseError} when the payload is too short, the echoed request or the
 *   extended-ack attributes run past it, or an attribute is malformed
 */
export function decodeErrorPayload(
  payload: Uint8Array,
  flags: number,
  base = NLMSG_HDRLEN,
): NetlinkErrorMessage {
  if (payload.byteLength < 4 + NLMSG_HDRLEN) {
    throw new NetlinkParseError(`NLMSG_ERROR payload of ${payload.byteLength} bytes is too short`, base);
  }
  const view = viewOf(payload);
  const code = view.getInt32(0, true);
  const request = readHeader(view, 4);
  const out: NetlinkErrorMessage = { errno: code < 0 ? -code : code, request };
  if ((flags & NLM_F_ACK_TLVS) === 0) return out;

  // Without NLM_F_CAPPED the whole request is echoed; the TLVs follow it.
  let tlvStart = 4 + NLMSG_HDRLEN;
  if ((flags & NLM_F_CAPPED) === 0) {
    if (request.length < NLMSG_HDRLEN || 4 + request.length > payload.byteLength) {
      throw new NetlinkParseError(`echoed request length ${request.length} does not fit the error`, base + 4);
    }
    tlvStart = 4 + ((request.length + 3) & ~3);
  }
  if (tlvStart > payload.byteLength) {
    throw new NetlinkParseError('extended-ack attributes start past the message end', base + tlvStart);
  }
  const ack: ExtendedAck = {};
  forEachAttribute(
    payload,
    tlvStart,
    payload.byteLength,
    (type, vs, ve) => {
      const value = payload.subarray(vs, ve);
      switch (type) {
        case NLMSGERR_ATTR_MSG:
          ack.message = readAttr.string(value);
          break;
        case NLMSGERR_ATTR_OFFS:
          ack.offset = readAttr.u32(value, 'NLMSGERR_ATTR_OFFS', base + vs);
          break;
        case NLMSGERR_ATTR_COOKIE:
          ack.cookie = value.slice();
          break;
        case NLMSGERR_ATTR_MISS_TYPE:
          ack.missingType = readAttr.u32(value, 'NLMSGERR_ATTR_MISS_TYPE', base + vs);
          break;
        case NLMSGERR_ATTR_MISS_NEST:
          ack.missingNest = readAttr.u32(value, 'NLMSGERR_ATTR_MISS_NEST', base + vs);
          break;
      }
    },
    base,
  );
  out.extAck = ack;
  return out;
}
