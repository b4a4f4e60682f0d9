/**
 * Deleting many links at once. The kernel waits for an RCU grace period after
 * every RTM_DELLINK (tens of milliseconds, no CPU), one request after the
 * other, so 1,000 single deletes take ~16 s however many are in flight. One
 * RTM_DELLINK naming a link group unregisters the whole group behind a single
 * wait (what `ip link del group N` does). So: move the targets into a group no
 * link uses, delete that group, then find out link by link what happened.
 *
 * The group delete's ACK only says that the group's members *at that moment*
 * are gone; another process may have moved a link in or out meanwhile. So a
 * link is reported deleted only on the kernel's word about that very link,
 * and each move carries a record (bulk-recovery.ts) that lets a later run put
 * the link back if this process is killed halfway.
 */
import { Errno } from '../codec/errno.js';
import { buildDeleteGroupRequest } from '../codec/link-requests.js';
import { buildDeleteLinkRequest, type LinkSelector } from '../codec/requests.js';
import {
  beginRun,
  buildGroupAliasRequest,
  encodeRecord,
  endRun,
  type FoundLink,
  heldByLiveRun,
  parseRecord,
  pickBorrowedGroup,
  type Run,
  restoreStranded,
  summarizeLinks,
} from './bulk-recovery.js';
import { checkFields, checkLinkSelectors, checkTransport, DELETE_LINKS_OPTIONS } from './check.js';
import { asKernelError, NetlinkErrorAnswer } from './errors.js';
import type { LinkOptions } from './links.js';
import type { NetlinkTransport, RequestOptions } from './socket.js';

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
type Target = { link: FoundLink; slots: number[] };

/** Puts one result in every place of a target. */
type Settle = (t: Target, r: PromiseSettledResult<void>) => void;

/** Options of {@link deleteLinks}. */
export interface DeleteLinksOptions extends LinkOptions {
  /**
   * Called for each link found before anything changes: return an error to
   * leave that link alone and report the error as its result (e.g. refuse
   * links of the wrong kind).
   * @param link - the link as found: its ifindex, name, kind and group
   * @returns the error to report for that link, or `undefined` to delete it
   */
  check?: (link: LinkSummary) => Error | undefined;
  /** Dump attempts while the kernel reports the link list changed mid-dump (default 5). */
  maxAttempts?: number;
}

/**
 * Delete many links, each with its own result in the order given (like
 * `Promise.allSettled`). Two or more links in the caller's namespace go
 * together through one group delete; a link that does not exist (or that
 * `check` refuses) is rejected without touching the others.
 *
 * A link is reported deleted only when the kernel says that link is gone:
 * its ifindex is missing from a complete dump taken after the group delete,
 * or the kernel answers "no such device" when it is put back. A link still
 * there (the kernel refused the group delete, another process moved it out
 * of the group, an abort or a timeout came first) is put back as it was
 * (unless someone else changed it since), then deleted on its own, and gets
 * that answer. With `targetNsid` (the group move cannot reach
 * another namespace) the links are deleted one by one. Rejects, with nothing
 * changed, only when the link list cannot be read (or the signal was aborted
 * before).
 *
 * Crash safety: each link moves into a borrowed group (0xEE000000–0xEEFFFFFF)
 * in the same message that writes its group and alias before the move, and
 * who moved it, into its alias. If the process is killed halfway, the next
 * `deleteLinks` in that namespace (whatever it is asked to delete), or
 * `recoverLinkGroups`, puts every such link back exactly as it was,
 * once the process that moved it is gone. A link whose alias is too long to
 * keep beside that record (over ~190 bytes) is deleted on its own.
 *
 * Watchers see an RTM_NEWLINK (the group and alias change) before each
 * link's RTM_DELLINK.
 *
 * Each link's own failure is its result, never a rejection:
 * {@link LinkNotFoundError} for a link that does not exist, the error
 * `check` returned, or the kernel's refusal, timeout or abort of its delete.
 *
 * @param sock - the socket to send on: a {@link NetlinkSocket} or any {@link NetlinkTransport}
 * @param selectors - the links, each `{ index }` or `{ name }`; a link named twice is deleted once
 * @param opts - `timeout` in ms per request (default 10 000, 0 = none), `signal`, `targetNsid`,
 *   `check` (refuse links before anything changes), `maxAttempts` of the link dump (1..1000, default 5)
 * @returns one settled result per selector, in the order given
 * @throws {@link InvalidArgumentError} before anything is read or sent, for a bad selector or option,
 *   or a `sock` that is not a transport
 * @throws {@link DumpInterruptedError} when the link list kept changing while it was read
 * @throws {@link KernelError} when the kernel refuses to list the links (e.g. EINVAL for an unknown `targetNsid`)
 * @throws {@link TimeoutError} when reading the link list took longer than `opts.timeout`
 * @throws {@link AbortedError} when `opts.signal` aborted before the link list was read
 * @throws {@link SocketClosedError} when the socket is closed before the link list was read
 */
export async function deleteLinks(
  sock: NetlinkTransport,
  selectors: readonly LinkSelector[],
  opts: DeleteLinksOptions = {},
): Promise<PromiseSettledResult<void>[]> {
  // Every selector and option is checked before anything is read or sent.
  checkTransport('sock', sock);
  selectors = checkLinkSelectors<LinkSelector>('selectors', selectors);
  opts = checkFields<DeleteLinksOptions>('options', opts, DELETE_LINKS_OPTIONS, { optional: true });
  const results: PromiseSettledResult<void>[] = new Array(selectors.length);
  if (selectors.length === 0) return results;
  const req: RequestOptions = Object.assign({}, opts, { operation: opts.operation ?? 'delete' });
  const inOwnNamespace = opts.targetNsid === undefined;
  const links = await summarizeLinks(
    sock,
    opts.maxAttempts ?? 5,
    req,
    opts.targetNsid,
    opts.check !== undefined,
    'delete',
  );
  // Links a killed run left in its borrowed group go back first (not
  // cancellable: a repair half done is still a repair).
  if (inOwnNamespace) await restoreStranded(sock, links, withoutSignal(req));
  const targets = resolveTargets(links, selectors, opts.check, results);
  const settle: Settle = (t, r) => {
    for (const slot of t.slots) results[slot] = r;
  };
  if (!inOwnNamespace || targets.length < 2) {
    await deleteOneByOne(sock, targets, settle, req, opts.targetNsid);
    return results;
  }
  const run = beginRun();
  try {
    await deleteTogether(sock, run, targets, links, settle, req);
  } finally {
    endRun(run);
  }
  return results;
}

/**
 * The links the selectors name, each once with every place it was named
 * at; the results of missing and refused ones are filled in.
 */
function resolveTargets(
  links: readonly FoundLink[],
  selectors: readonly LinkSelector[],
  check: DeleteLinksOptions['check'],
  results: PromiseSettledResult<void>[],
): Target[] {
  const byIndex = new Map<number, FoundLink>();
  const byName = new Map<string, FoundLink>();
  for (const l of links) {
    byIndex.set(l.index, l);
    byName.set(l.name, l);
  }
  const wanted = new Map<number, Target>();
  selectors.forEach((sel, slot) => {
    const link = sel.index !== undefined ? byIndex.get(sel.index) : byName.get(sel.name);
    const refused = link ? check?.(link) : notFound(sel);
    if (refused || !link) {
      results[slot] = { status: 'rejected', reason: refused };
      return;
    }
    const w = wanted.get(link.index);
    if (w) w.slots.push(slot);
    else wanted.set(link.index, { link, slots: [slot] });
  });
  return [...wanted.values()];
}

/**
 * Move the targets into a borrowed group (each with its record), delete the
 * group, then settle each from the kernel's answer about that link alone.
 */
async function deleteTogether(
  sock: NetlinkTransport,
  run: Run,
  targets: Target[],
  links: readonly FoundLink[],
  settle: Settle,
  req: RequestOptions,
): Promise<void> {
  // Links another live run holds, and links whose alias leaves no room for
  // the record, are deleted on their own: never moved, never stranded.
  const alone: Target[] = [];
  const movable: Array<{ t: Target; record: Uint8Array }> = [];
  for (const t of targets) {
    const record = heldByLiveRun(t.link) ? undefined : encodeRecord(run, t.link);
    if (record) movable.push({ t, record });
    else alone.push(t);
  }
  const group = pickBorrowedGroup(new Set(links.map((l) => l.group)));
  // Moved for sure, and moved perhaps: a move given up on (abort, timeout)
  // after it was sent, or refused for a reason that may come after the
  // group was set, may still have been applied.
  const moved: Target[] = [];
  const unsure: Target[] = [];
  await Promise.all(
    movable.map(({ t, record }) =>
      sock
        .ack((seq) => buildGroupAliasRequest(seq, t.link.index, group, record), req)
        .then(
          () => void moved.push(t),
          (e) => {
            if (untouched(e)) {
              settle(t, { status: 'rejected', reason: asKernelError(e, 'delete', t.link.name, t.link.kind) });
            } else unsure.push(t);
          },
        ),
    ),
  );
  let ours = [...moved, ...unsure];
  if (moved.length > 0 && unsure.length === 0) {
    // Its answer proves nothing about a given link: whatever it says, the
    // kernel is asked about each one.
    await sock.ack((seq) => buildDeleteGroupRequest(seq, group), req).catch(() => undefined);
    const listed = await stillListed(sock, run, ours, settle, req);
    ours = listed.ours;
    alone.push(...listed.changed);
  }
  const left = await putBack(sock, ours, settle, req);
  await deleteOneByOne(sock, [...left, ...alone], settle, req, undefined);
}

/**
 * After the group delete: one dump of what is left (small when it worked).
 * A link whose ifindex a complete dump no longer lists is gone, and settled
 * as deleted. Of the links still listed, `ours` still carry this run's
 * record (to put back), `changed` were changed by someone else since (left
 * as they are). When the dump fails, all are `ours`: putting them back asks
 * the kernel about each one.
 */
async function stillListed(
  sock: NetlinkTransport,
  run: Run,
  back: Target[],
  settle: Settle,
  req: RequestOptions,
): Promise<{ ours: Target[]; changed: Target[] }> {
  let listed: Map<number, FoundLink>;
  try {
    const links = await summarizeLinks(sock, 5, withoutSignal(req), undefined, false, 'delete');
    listed = new Map(links.map((l) => [l.index, l]));
  } catch {
    return { ours: back, changed: [] };
  }
  const ours: Target[] = [];
  const changed: Target[] = [];
  for (const t of back) {
    const now = listed.get(t.link.index);
    if (!now) settle(t, FULFILLED);
    else if (recordedBy(run, now)) ours.push(t);
    else changed.push(t);
  }
  return { ours, changed };
}

/**
 * Put every moved link back in its group with its alias, without the
 * caller's signal (an abort must not leave links in the borrowed group). The
 * kernel's "no such device" for an ifindex proves that link gone: it is
 * settled as deleted. Resolves with the links still there.
 */
async function putBack(
  sock: NetlinkTransport,
  back: Target[],
  settle: Settle,
  req: RequestOptions,
): Promise<Target[]> {
  const undo = withoutSignal(req);
  const answers = await Promise.allSettled(
    back.map((t) =>
      sock.ack((seq) => buildGroupAliasRequest(seq, t.link.index, t.link.group, t.link.alias), undo),
    ),
  );
  const left: Target[] = [];
  for (const [i, t] of back.entries()) {
    const a = answers[i]!;
    if (
      a.status === 'rejected' &&
      a.reason instanceof NetlinkErrorAnswer &&
      a.reason.errno === Errno.ENODEV
    ) {
      settle(t, FULFILLED);
    } else left.push(t);
  }
  return left;
}

/** Whether `link` carries the record `run` wrote. */
function recordedBy(run: Run, link: FoundLink): boolean {
  const o = parseRecord(link.alias)?.owner;
  const me = run.owner;
  return (
    o !== undefined &&
    o.run === me.run &&
    o.pid === me.pid &&
    o.thread === me.thread &&
    o.start === me.start &&
    o.pidns === me.pidns
  );
}

/** A move the kernel refused before changing anything: the link is gone, or we may not. */
function untouched(e: unknown): boolean {
  return (
    e instanceof NetlinkErrorAnswer &&
    (e.errno === Errno.ENODEV || e.errno === Errno.EPERM || e.errno === Errno.EACCES)
  );
}

/** The options of `req` without its signal (its timeout stays). */
function withoutSignal(req: RequestOptions): RequestOptions {
  const out: RequestOptions = { operation: req.operation ?? 'delete' };
  if (req.timeout !== undefined) out.timeout = req.timeout;
  return out;
}

async function deleteOneByOne(
  sock: NetlinkTransport,
  targets: Target[],
  settle: Settle,
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
