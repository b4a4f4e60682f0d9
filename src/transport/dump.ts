/**
 * Link dumps: assembly into LinkMessages, retry when the kernel flags the
 * dump as interrupted, and the kind filter with its user-space fallback.
 */
import { release } from 'node:os';
import {
  IFINFOMSG_LEN,
  NLM_F_DUMP_FILTERED,
  NLMSG_HDRLEN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_NEWLINK,
} from '../codec/constants.js';
import type { NetlinkHeader } from '../codec/header.js';
import { decodeLinkBody, peekLinkKind } from '../codec/link.js';
import { buildDumpLinksRequest } from '../codec/requests.js';
import type { LinkMessage } from '../codec/types.js';
import { checkFields, checkTransport, DUMP_LINKS_REQUEST } from './check.js';
import { asKernelError, DumpInterruptedError } from './errors.js';
import type { DumpSummary, NetlinkTransport, RequestOptions } from './socket.js';

/** Options of {@link dumpLinks}. */
export interface DumpLinksRequest extends RequestOptions {
  /** Only links of exactly this kind (the kernel filters when it can; otherwise we do). */
  kind?: string;
  /** Only ports of this master ifindex (kernel filter). */
  master?: number;
  /** Include counters (IFLA_STATS64). Default true; false makes large dumps much cheaper. */
  stats?: boolean;
  /** Dump the namespace with this id (IFLA_TARGET_NETNSID). */
  targetNsid?: number;
  /** Attempts when the kernel reports NLM_F_DUMP_INTR (default 5). */
  maxAttempts?: number;
}

/**
 * Whether this kernel filters link dumps by kind and marks filtered dumps with
 * NLM_F_DUMP_FILTERED. Link dump filtering by master and kind arrived in the
 * 4.x series; 5.0 is used as a safe floor. On such a kernel a kind-filtered
 * dump answered *without* the flag means the kind is not registered, and a
 * kind that is not registered has no links.
 */
export function kernelFiltersLinkKinds(osRelease: string = release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(osRelease);
  if (!m) return false;
  const major = Number(m[1]);
  return major >= 5;
}

let filterSupport: boolean | undefined;

/** For tests and benchmarks: force the kernel-filter assumption (undefined = detect). */
export function setKernelFilterSupport(v: boolean | undefined): void {
  filterSupport = v;
}

function kernelFilters(): boolean {
  if (filterSupport === undefined) filterSupport = kernelFiltersLinkKinds();
  return filterSupport;
}

/**
 * Dump links and decode them. With `kind`, links of other kinds are never
 * decoded: the kernel filters when it can, and otherwise each message's kind
 * is peeked at before decoding.
 * @param sock - the socket to dump on: a {@link NetlinkSocket} or any {@link NetlinkTransport}
 * @param req - filters (`kind`, `master`), `stats` (default true), `targetNsid`, `maxAttempts`
 *   (default 5), `timeout` in ms (default 10 000, 0 = none) and `signal` (default: every link, with counters)
 * @throws {@link DumpInterruptedError} when every attempt was interrupted by concurrent changes
 * @throws {@link KernelError} when the kernel refuses the dump (e.g. EINVAL for an unknown `targetNsid`)
 * @throws {@link NetlinkParseError} when a message of the answer is malformed
 * @throws {@link TimeoutError} when the dump did not finish within `req.timeout`
 * @throws {@link AbortedError} when `req.signal` aborts first
 * @throws {@link SocketClosedError} when the socket is closed first
 * @throws {@link SocketError} when the socket fails (e.g. sendmsg)
 */
export async function dumpLinks(sock: NetlinkTransport, req: DumpLinksRequest = {}): Promise<LinkMessage[]> {
  checkTransport('sock', sock);
  const checked = checkFields<DumpLinksRequest>('request', req, DUMP_LINKS_REQUEST, { optional: true });
  return (await dumpFiltered(sock, checked, checked.kind !== undefined ? [checked.kind] : undefined)).links;
}

/**
 * Links of any of `kinds`, receiving as little as the kernel allows. On a
 * kernel that filters by kind, one filtered dump per kind: a kind that is not
 * registered is recognised at the first (unflagged) message and the dump is
 * cut short. On older kernels, a dump's unfiltered answer already holds every
 * link, so the other kinds are picked from it instead of dumping again.
 */
export async function dumpLinksOfKinds(
  sock: NetlinkTransport,
  kinds: readonly string[],
  req: Omit<DumpLinksRequest, 'kind'> = {},
): Promise<LinkMessage[]> {
  const out: LinkMessage[] = [];
  if (kernelFilters()) {
    // Each kind alone: a registered one comes back filtered (small); one that
    // is not registered is known from the first message and cut short.
    for (const kind of kinds) out.push(...(await dumpFiltered(sock, { ...req, kind }, [kind])).links);
    return out;
  }
  for (let i = 0; i < kinds.length; i++) {
    const r = await dumpFiltered(sock, { ...req, kind: kinds[i]! }, kinds.slice(i));
    out.push(...r.links);
    if (!r.filtered) break;
  }
  return out;
}

/**
 * One dump (retried while interrupted). `keep`: the kinds to decode when the
 * kernel did not filter (undefined = every link). Reports whether the kernel
 * applied the filter: an unfiltered answer always has a message without
 * NLM_F_DUMP_FILTERED (lo exists in every namespace); a filtered one may be empty.
 */
async function dumpFiltered(
  sock: NetlinkTransport,
  req: DumpLinksRequest,
  keep: readonly string[] | undefined,
): Promise<{ links: LinkMessage[]; filtered: boolean }> {
  const attempts = req.maxAttempts ?? 5;
  // On a kernel that filters, an unfiltered answer means the kind is not
  // registered, so none of its links exist: nothing to decode when only it was asked for.
  const noneIfUnfiltered = keep !== undefined && keep.length === 1 && kernelFilters();
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const out: LinkMessage[] = [];
    let unfiltered = false;
    const visit = (h: NetlinkHeader, buf: Uint8Array, start: number, end: number): boolean | undefined => {
      if (h.type !== RTM_NEWLINK || end - start < NLMSG_HDRLEN + IFINFOMSG_LEN) return undefined;
      if (req.kind !== undefined && (h.flags & NLM_F_DUMP_FILTERED) === 0) {
        unfiltered = true;
        // The first unflagged message is the whole answer: stop the dump, so
        // that the kernel never builds the rest (on a host with 10,000
        // links, ~11 MB it would send).
        if (noneIfUnfiltered) return false;
        const kind = peekLinkKind(buf, start, end);
        if (kind === undefined || !keep?.includes(kind)) return undefined;
      }
      out.push(decodeLinkBody(buf, undefined, start, end, h.type, h.flags, h.seq));
      return undefined;
    };
    let summary: DumpSummary;
    try {
      summary = await sock.dump(
        (seq) =>
          buildDumpLinksRequest(seq, {
            ...(req.kind !== undefined ? { kind: req.kind } : {}),
            ...(req.master !== undefined ? { master: req.master } : {}),
            ...(req.targetNsid !== undefined ? { targetNsid: req.targetNsid } : {}),
            // With IFLA_EXT_MASK the kernel first walks every device to size its
            // buffers (rtnl_calcit); a kind-filtered answer is small anyway, so
            // skip the mask there unless the kernel cannot filter.
            ...(req.stats === false && (req.kind === undefined || !kernelFilters())
              ? { extMask: RTEXT_FILTER_SKIP_STATS }
              : {}),
          }),
        visit,
        // Stoppable: the socket runs it where a stop makes the kernel drop the rest.
        { ...req, operation: req.operation ?? 'list', stoppable: noneIfUnfiltered },
      );
    } catch (e) {
      throw asKernelError(e, 'list');
    }
    // The kind is not registered, so it has no links (whether or not the dump was stopped).
    if (noneIfUnfiltered && unfiltered) return { links: [], filtered: false };
    if (!summary.interrupted) return { links: out, filtered: !unfiltered };
    if (attempt === attempts) throw new DumpInterruptedError(attempts);
  }
  throw new DumpInterruptedError(attempts);
}

/**
 * Receive a whole link dump and throw it away undecoded: the floor any
 * listing pays (kernel + socket). Returns the message count. For benchmarks.
 */
export async function dumpLinksRaw(sock: NetlinkTransport, req: DumpLinksRequest = {}): Promise<number> {
  const s = await sock.dump(
    (seq) =>
      buildDumpLinksRequest(seq, {
        ...(req.kind !== undefined ? { kind: req.kind } : {}),
        ...(req.stats === false ? { extMask: RTEXT_FILTER_SKIP_STATS } : {}),
      }),
    () => {},
    req,
  );
  return s.messages;
}
