/**
 * Generic link operations for any kind (bridge, veth, vxlan, eoip, …): the
 * layer the tunnel API stands on, also usable directly to manage the bridges
 * and underlay devices a tunnel attaches to.
 */
import {
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTEXT_FILTER_SKIP_STATS,
} from '../codec/constants.js';
import { Errno } from '../codec/errno.js';
import { decodeLinkMessage } from '../codec/link.js';
import type { LinkRequestBody } from '../codec/link-request.js';
import {
  buildDeleteLinkRequest,
  buildGetLinkRequest,
  buildNewLinkRequest,
  type LinkSelector,
} from '../codec/requests.js';
import type { LinkMessage } from '../codec/types.js';
import {
  checkFields,
  checkLinkSelector,
  checkTransport,
  GET_LINK_OPTIONS,
  LINK_BODY,
  LINK_OPTIONS,
} from './check.js';
import { asKernelError, NetlinkErrorAnswer } from './errors.js';
import { InvalidArgumentError } from './invalid-argument.js';
import type { NetlinkTransport, RequestOptions } from './socket.js';

export { type DumpLinksRequest, dumpLinks } from './dump.js';

/**
 * Options of the generic link operations. Like every input of these
 * functions, they are checked before anything is sent: an unknown key or a
 * bad value is an InvalidArgumentError naming it, inherited properties are
 * ignored.
 */
export interface LinkOptions extends RequestOptions {
  /** Act in the namespace with this id (IFLA_TARGET_NETNSID), 0..2147483647. */
  targetNsid?: number;
}

/** Check options against `table` (`undefined` is none). */
function checkOptions<T extends object>(opts: T | undefined, table: typeof LINK_OPTIONS): T {
  return checkFields<T>('options', opts, table, { optional: true });
}

/**
 * Check a link request body: known fields only (own properties), each in
 * range: name as the kernel accepts it (1..15 bytes, no NUL, '/', ':' or
 * whitespace), kind 1..55 visible ASCII characters, mtu 68..2147483647 (the
 * device's own range is the kernel's to enforce), address 1..32 bytes,
 * index/link/master ifindexes, up a boolean, callbacks functions.
 */
function checkBody(body: LinkRequestBody): LinkRequestBody {
  return checkFields<LinkRequestBody>('body', body, LINK_BODY);
}

function label(sel: LinkSelector): string {
  return sel.index !== undefined ? String(sel.index) : sel.name;
}

/**
 * Fetch one link; `undefined` when it does not exist.
 * @param sock - the socket to ask on: a {@link NetlinkSocket} or any {@link NetlinkTransport}
 * @param sel - the link: `{ index }` (1..2147483647) or `{ name }` (1..15 bytes), exactly one
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `targetNsid`
 *   (the namespace id to look in, default the socket's), `stats: false` to skip counters
 * @throws {@link InvalidArgumentError} before sending, unless `sel` is exactly one of
 *   `{ index }` (1..2147483647) or `{ name }` (a valid interface name), for a bad option,
 *   or a `sock` that is not a transport
 * @throws {@link KernelError} when the kernel refuses the request (e.g. EINVAL for an unknown `targetNsid`)
 * @throws {@link TimeoutError} when no answer came within `opts.timeout`
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketClosedError} when the socket is closed first
 * @throws {@link SocketError} when the socket fails (e.g. sendmsg, an answer too big for `datagramSize`)
 */
export function getLink(
  sock: NetlinkTransport,
  sel: LinkSelector,
  opts: LinkOptions & { stats?: boolean } = {},
): Promise<LinkMessage | undefined> {
  // Not an async function: one promise per lookup, not three (this runs for
  // every single-link lookup). A bad argument still rejects, never throws.
  try {
    checkTransport('sock', sock);
    sel = checkLinkSelector<LinkSelector>('selector', sel);
    opts = checkOptions(opts, GET_LINK_OPTIONS);
  } catch (e) {
    return Promise.reject(e);
  }
  const failed = (e: unknown): undefined => {
    if (e instanceof NetlinkErrorAnswer && e.errno === Errno.ENODEV) return undefined;
    throw asKernelError(e, 'get', label(sel));
  };
  const body = {
    targetNsid: opts.targetNsid,
    extMask: opts.stats === false ? RTEXT_FILTER_SKIP_STATS : undefined,
  };
  let answer: Promise<Uint8Array>;
  try {
    answer = sock.reply((seq) => buildGetLinkRequest(seq, sel, body), {
      timeout: opts.timeout,
      signal: opts.signal,
      operation: opts.operation ?? 'get',
    });
  } catch (e) {
    return Promise.reject(e).catch(failed);
  }
  return answer.then((bytes) => {
    try {
      return decodeLinkMessage(bytes);
    } catch (e) {
      return failed(e);
    }
  }, failed);
}

/**
 * Create a link (NLM_F_CREATE | NLM_F_EXCL: an existing one is EEXIST, never
 * touched). Everything in `body` goes in one message, applied atomically.
 * @param sock - the socket to send on: a {@link NetlinkSocket} or any {@link NetlinkTransport}
 * @param body - the new link: `name` and `kind` at least, and its other fields; own properties only
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `targetNsid`
 *   (create in the namespace with this id, default the socket's)
 * @throws {@link InvalidArgumentError} before sending, for a bad field of `body` or `opts`, or a `sock`
 *   that is not a transport
 * @throws {@link LinkExistsError} when an interface with that name (or identity) exists
 *   ({@link TunnelExistsError} for kinds `eoip` and `eoipv6`)
 * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
 * @throws {@link KindNotAvailableError} when the kernel has no such link kind (EOPNOTSUPP)
 * @throws {@link KernelError} for any other refusal, with errno and hint
 * @throws {@link NetlinkEncodeError} when `infoData` or `extra` write more than an attribute holds
 * @throws {@link TimeoutError} when no answer came within `opts.timeout`; the link may have been created
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketClosedError} when the socket is closed first (`maybeApplied` says if it was sent)
 * @throws {@link SocketError} when the socket fails (e.g. sendmsg)
 */
export async function createLink(
  sock: NetlinkTransport,
  body: LinkRequestBody,
  opts: LinkOptions = {},
): Promise<void> {
  checkTransport('sock', sock);
  body = checkBody(body);
  opts = checkOptions(opts, LINK_OPTIONS);
  const b = opts.targetNsid !== undefined ? Object.assign({}, body, { targetNsid: opts.targetNsid }) : body;
  try {
    await sock.ack(
      (seq) => buildNewLinkRequest(seq, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, b),
      // Object.assign, not { ...opts, operation }: on Node 20 that literal costs microseconds per request.
      Object.assign({}, opts, { operation: opts.operation ?? 'create' }),
    );
  } catch (e) {
    throw asKernelError(e, 'create', body.name, body.kind);
  }
}

/**
 * Change an existing link (no NLM_F_CREATE: a missing one is ENODEV).
 * `body.index` (or `body.name` without index) selects it.
 * @param sock - the socket to send on: a {@link NetlinkSocket} or any {@link NetlinkTransport}
 * @param body - the link (`index`, or `name`) and the fields to change; with an index, `name` renames it
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `targetNsid`
 * @throws {@link InvalidArgumentError} before sending, for a bad field, when neither selects the link,
 *   or for a `sock` that is not a transport
 * @throws {@link LinkNotFoundError} when no such link exists (ENODEV)
 * @throws {@link LinkExistsError} when a new name is taken (EEXIST)
 * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
 * @throws {@link KernelError} for any other refusal, e.g. EBUSY renaming a link that is up
 * @throws {@link NetlinkEncodeError} when `infoData` or `extra` write more than an attribute holds
 * @throws {@link TimeoutError} when no answer came within `opts.timeout`; the change may have been applied
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketClosedError} when the socket is closed first (`maybeApplied` says if it was sent)
 * @throws {@link SocketError} when the socket fails (e.g. sendmsg)
 */
export async function changeLink(
  sock: NetlinkTransport,
  body: LinkRequestBody,
  opts: LinkOptions = {},
): Promise<void> {
  checkTransport('sock', sock);
  body = checkBody(body);
  opts = checkOptions(opts, LINK_OPTIONS);
  if (body.index === undefined && body.name === undefined) {
    throw new InvalidArgumentError('body', body, 'an index or a name selecting the link to change');
  }
  try {
    await sock.ack(
      (seq) => buildNewLinkRequest(seq, NLM_F_REQUEST | NLM_F_ACK, body),
      Object.assign({}, opts, { operation: opts.operation ?? 'change' }),
    );
  } catch (e) {
    throw asKernelError(e, 'change', body.index !== undefined ? String(body.index) : body.name, body.kind);
  }
}

/**
 * Delete a link.
 * @param sock - the socket to send on: a {@link NetlinkSocket} or any {@link NetlinkTransport}
 * @param sel - the link: `{ index }` (1..2147483647) or `{ name }` (1..15 bytes), exactly one
 * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `targetNsid`
 *   (delete in the namespace with this id, default the socket's)
 * @throws {@link InvalidArgumentError} before sending, for a bad selector or option, or a `sock`
 *   that is not a transport
 * @throws {@link LinkNotFoundError} when no such link exists (ENODEV)
 * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
 * @throws {@link KernelError} for any other refusal, e.g. EOPNOTSUPP for `lo`
 * @throws {@link TimeoutError} when no answer came within `opts.timeout`; the link may have been deleted
 * @throws {@link AbortedError} when `opts.signal` aborts first
 * @throws {@link SocketClosedError} when the socket is closed first (`maybeApplied` says if it was sent)
 * @throws {@link SocketError} when the socket fails (e.g. sendmsg)
 */
export async function deleteLink(
  sock: NetlinkTransport,
  sel: LinkSelector,
  opts: LinkOptions = {},
): Promise<void> {
  checkTransport('sock', sock);
  sel = checkLinkSelector<LinkSelector>('selector', sel);
  opts = checkOptions(opts, LINK_OPTIONS);
  try {
    await sock.ack(
      (seq) =>
        buildDeleteLinkRequest(
          seq,
          sel,
          opts.targetNsid !== undefined ? { targetNsid: opts.targetNsid } : {},
        ),
      Object.assign({}, opts, { operation: opts.operation ?? 'delete' }),
    );
  } catch (e) {
    throw asKernelError(e, 'delete', label(sel));
  }
}
