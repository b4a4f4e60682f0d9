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
import { decodeLinkMessage, type LinkRequestBody } from '../codec/link.js';
import {
  buildDeleteLinkRequest,
  buildGetLinkRequest,
  buildNewLinkRequest,
  type LinkSelector,
} from '../codec/requests.js';
import type { LinkMessage } from '../codec/types.js';
import { asKernelError } from './dump.js';
import type { NetlinkTransport, RequestOptions } from './socket.js';
import { NetlinkErrorAnswer } from './socket.js';

export { type DumpLinksRequest, dumpLinks } from './dump.js';

/** Options of the generic link operations. */
export interface LinkOptions extends RequestOptions {
  /** Act in the namespace with this id (IFLA_TARGET_NETNSID). */
  targetNsid?: number;
}

function label(sel: LinkSelector): string {
  return sel.index !== undefined ? String(sel.index) : sel.name;
}

/** Fetch one link; `undefined` when it does not exist. */
export async function getLink(
  sock: NetlinkTransport,
  sel: LinkSelector,
  opts: LinkOptions & { stats?: boolean } = {},
): Promise<LinkMessage | undefined> {
  try {
    const bytes = await sock.reply(
      (seq) =>
        buildGetLinkRequest(seq, sel, {
          ...(opts.targetNsid !== undefined ? { targetNsid: opts.targetNsid } : {}),
          ...(opts.stats === false ? { extMask: RTEXT_FILTER_SKIP_STATS } : {}),
        }),
      Object.assign({}, opts, { operation: opts.operation ?? 'get' }),
    );
    return decodeLinkMessage(bytes);
  } catch (e) {
    if (e instanceof NetlinkErrorAnswer && e.errno === Errno.ENODEV) return undefined;
    throw asKernelError(e, 'get', label(sel));
  }
}

/**
 * Create a link (NLM_F_CREATE | NLM_F_EXCL: an existing one is EEXIST, never
 * touched). Everything in `body` goes in one message, applied atomically.
 */
export async function createLink(
  sock: NetlinkTransport,
  body: LinkRequestBody,
  opts: LinkOptions = {},
): Promise<void> {
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
 */
export async function changeLink(
  sock: NetlinkTransport,
  body: LinkRequestBody,
  opts: LinkOptions = {},
): Promise<void> {
  try {
    await sock.ack(
      (seq) => buildNewLinkRequest(seq, NLM_F_REQUEST | NLM_F_ACK, body),
      Object.assign({}, opts, { operation: opts.operation ?? 'change' }),
    );
  } catch (e) {
    throw asKernelError(e, 'change', body.index !== undefined ? String(body.index) : body.name, body.kind);
  }
}

/** Delete a link. */
export async function deleteLink(
  sock: NetlinkTransport,
  sel: LinkSelector,
  opts: LinkOptions = {},
): Promise<void> {
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
