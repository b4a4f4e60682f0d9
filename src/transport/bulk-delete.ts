/**
 * Deleting many links at once. The kernel waits for an RCU grace period after
 * every RTM_DELLINK (tens of milliseconds, no CPU), one request after the
 * other, so 1,000 single deletes take ~16 s however many are in flight. One
 * RTM_DELLINK naming a link group unregisters the whole group behind a single
 * wait (what `ip link del group N` does). So: move the targets into a group no
 * link uses, delete that group, and undo the moves if the kernel refuses.
 */
import { forEachAttribute } from '../codec/attributes.js';
import { readCString, u32le } from '../codec/bytes.js';
import {
  IFINFOMSG_LEN,
  IFLA_GROUP,
  IFLA_IFNAME,
  NLMSG_HDRLEN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_NEWLINK,
} from '../codec/constants.js';
import { Errno } from '../codec/errno.js';
import { peekLinkKind } from '../codec/link.js';
import { buildDeleteGroupRequest, buildSetGroupRequest } from '../codec/link-requests.js';
import { buildDeleteLinkRequest, buildDumpLinksRequest, type LinkSelector } from '../codec/requests.js';
import { asKernelError } from './dump.js';
import { DumpInterruptedError } from './errors.js';
import type { LinkOptions } from './links.js';
import { NetlinkErrorAnswer, type NetlinkTransport, type RequestOptions } from './socket.js';

/** One shared, frozen result for every link deleted (there may be thousands). */
const FULFILLED: PromiseFulfilledResult<void> = Object.freeze({ status: 'fulfilled', value: undefined });

/** What {@link deleteLinks} knows of a link before deleting it. */
export interface LinkSummary {
  /** The ifindex. */
  index: number;
  /** The interface name. */
  name: string;
  /** IFLA_INFO_KIND, when the link has one (read only when a `check` is given). */
  kind: string | undefined;
  /** The link group. */
  group: number;
}

/** A link to delete, and the places of its selectors in the results. */
type Target = { link: LinkSummary; slots: number[] };

/** Options of {@link deleteLinks}. */
export interface DeleteLinksOptions extends LinkOptions {
  /**
   * Called for each link found before anything changes: return an error to
   * leave that link alone and report the error as its result (e.g. refuse
   * links of the wrong kind).
   */
  check?: (link: LinkSummary) => Error | undefined;
  /** Dump attempts while the kernel reports the link list changed mid-dump (default 5). */
  maxAttempts?: number;
}

/**
 * Delete many links, each with its own result in the order given (like
 * `Promise.allSettled`). Two or more links in the caller's namespace go
 * together through one group delete; a link that does not exist (or that
 * `check` refuses) is rejected without touching the others. If the kernel
 * refuses the group delete (e.g. a device it cannot delete), every link is
 * put back in its own group and deleted on its own, so each gets its own
 * answer; so does an abort or a timeout while links are being moved. With
 * `targetNsid` (the group move cannot reach another namespace) the links
 * are deleted one by one. Rejects, with nothing changed, only when the link
 * list cannot be read (or the signal was aborted before).
 *
 * Watchers see an RTM_NEWLINK (the group move) before each link's RTM_DELLINK.
 */
export async function deleteLinks(
  sock: NetlinkTransport,
  selectors: readonly LinkSelector[],
  opts: DeleteLinksOptions = {},
): Promise<PromiseSettledResult<void>[]> {
  const results: PromiseSettledResult<void>[] = new Array(selectors.length);
  if (selectors.length === 0) return results;
  const req: RequestOptions = Object.assign({}, opts, { operation: opts.operation ?? 'delete' });
  const links = await summarizeLinks(
    sock,
    opts.maxAttempts ?? 5,
    req,
    opts.targetNsid,
    opts.check !== undefined,
  );
  const byIndex = new Map<number, LinkSummary>();
  const byName = new Map<string, LinkSummary>();
  for (const l of links) {
    byIndex.set(l.index, l);
    byName.set(l.name, l);
  }
  // Which selectors point at which link (two selectors may name the same one).
  const wanted = new Map<number, Target>();
  selectors.forEach((sel, slot) => {
    const link = sel.index !== undefined ? byIndex.get(sel.index) : byName.get(sel.name);
    const refused = link ? opts.check?.(link) : notFound(sel);
    if (refused || !link) {
      results[slot] = { status: 'rejected', reason: refused };
      return;
    }
    const w = wanted.get(link.index);
    if (w) w.slots.push(slot);
    else wanted.set(link.index, { link, slots: [slot] });
  });
  const targets = [...wanted.values()];
  const settle = (t: Target, r: PromiseSettledResult<void>) => {
    for (const slot of t.slots) results[slot] = r;
  };
  if (opts.targetNsid !== undefined || targets.length < 2) {
    await deleteOneByOne(sock, targets, settle, req, opts.targetNsid);
    return results;
  }

  const group = unusedGroup(links);
  // Moved for sure, and moved perhaps: a move given up on (abort, timeout)
  // after it was sent may still have been applied.
  const moved: Target[] = [];
  const unsure: Target[] = [];
  await Promise.all(
    targets.map((t) =>
      sock
        .ack((seq) => buildSetGroupRequest(seq, t.link.index, group), req)
        .then(
          () => void moved.push(t),
          (e) => {
            if (e instanceof NetlinkErrorAnswer) {
              settle(t, { status: 'rejected', reason: asKernelError(e, 'delete', t.link.name, t.link.kind) });
            } else unsure.push(t);
          },
        ),
    ),
  );
  if (moved.length === 0 && unsure.length === 0) return results;
  if (unsure.length === 0) {
    try {
      await sock.ack((seq) => buildDeleteGroupRequest(seq, group), req);
      for (const t of moved) settle(t, FULFILLED);
      return results;
    } catch {
      // Nothing was deleted: the kernel checks every member first.
    }
  }
  // Undo every move that may have happened, without the caller's signal (an
  // abort must not leave links in the borrowed group), then let each link
  // get its own answer: deleted alone, or the abort's error.
  const undo: RequestOptions = { operation: req.operation ?? 'delete' };
  const back = [...moved, ...unsure];
  const undone = await Promise.allSettled(
    back.map((t) => sock.ack((seq) => buildSetGroupRequest(seq, t.link.index, t.link.group), undo)),
  );
  // A link already gone was deleted by the group delete (given up on after it was sent).
  const gone = (r: PromiseSettledResult<unknown>) =>
    r.status === 'rejected' && r.reason instanceof NetlinkErrorAnswer && r.reason.errno === Errno.ENODEV;
  const left: Target[] = [];
  for (const [i, t] of back.entries()) {
    if (gone(undone[i]!)) settle(t, FULFILLED);
    else left.push(t);
  }
  await deleteOneByOne(sock, left, settle, req, opts.targetNsid);
  return results;
}

async function deleteOneByOne(
  sock: NetlinkTransport,
  targets: Target[],
  settle: (t: Target, r: PromiseSettledResult<void>) => void,
  req: RequestOptions,
  targetNsid: number | undefined,
): Promise<void> {
  const where = targetNsid !== undefined ? { targetNsid } : {};
  await Promise.all(
    targets.map((t) =>
      sock
        .ack((seq) => buildDeleteLinkRequest(seq, { index: t.link.index }, where), req)
        .then(
          () => settle(t, FULFILLED),
          (e) =>
            settle(t, { status: 'rejected', reason: asKernelError(e, 'delete', t.link.name, t.link.kind) }),
        ),
    ),
  );
}

function notFound(sel: LinkSelector): Error {
  const label = sel.index !== undefined ? String(sel.index) : sel.name;
  return asKernelError(new NetlinkErrorAnswer(Errno.ENODEV), 'delete', label) as Error;
}

/** A random group in the upper half of the u32 range that no link of the namespace is in. */
function unusedGroup(links: readonly LinkSummary[]): number {
  const used = new Set(links.map((l) => l.group));
  for (;;) {
    const g = (0x80000000 + Math.floor(Math.random() * 0x7fffffff)) >>> 0;
    if (!used.has(g)) return g;
  }
}

/** Index, name, kind and group of every link, from one dump without counters. */
async function summarizeLinks(
  sock: NetlinkTransport,
  attempts: number,
  req: RequestOptions,
  targetNsid: number | undefined,
  withKind: boolean,
): Promise<LinkSummary[]> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const out: LinkSummary[] = [];
    const summary = await sock
      .dump(
        (seq) =>
          buildDumpLinksRequest(seq, {
            extMask: RTEXT_FILTER_SKIP_STATS,
            ...(targetNsid !== undefined ? { targetNsid } : {}),
          }),
        (h, buf, start, end) => {
          if (h.type !== RTM_NEWLINK || end - start < NLMSG_HDRLEN + IFINFOMSG_LEN) return;
          out.push(summarize(buf, start, end, withKind));
        },
        req,
      )
      .catch((e) => {
        throw asKernelError(e, 'delete');
      });
    if (!summary.interrupted) return out;
  }
  throw new DumpInterruptedError(attempts);
}

/** `withKind`: only `check` looks at the kind, so it is read only for one. */
function summarize(buf: Uint8Array, start: number, end: number, withKind: boolean): LinkSummary {
  const index = u32le(buf, start + NLMSG_HDRLEN + 4) | 0;
  let name = '';
  let group = 0;
  forEachAttribute(buf, start + NLMSG_HDRLEN + IFINFOMSG_LEN, end, (type, vs, ve) => {
    if (type === IFLA_IFNAME) name = readCString(buf, vs, ve);
    else if (type === IFLA_GROUP && ve - vs >= 4) group = u32le(buf, vs);
  });
  return { index, name, kind: withKind ? peekLinkKind(buf, start, end) : undefined, group };
}
