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
import { DumpInterruptedError, kernelError } from './errors.js';
import {
  type DumpSummary,
  NetlinkErrorAnswer,
  type NetlinkTransport,
  type RequestOptions,
} from './socket.js';

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

/** Turn a NetlinkErrorAnswer into a typed kernel error; pass anything else through. */
export function asKernelError(
  e: unknown,
  operation: Parameters<typeof kernelError>[0]['operation'],
  iface?: string,
  kind?: string,
): unknown {
  if (!(e instanceof NetlinkErrorAnswer)) return e;
  const d: Parameters<typeof kernelError>[0] = { errno: e.errno, operation };
  if (iface !== undefined) d.interface = iface;
  if (e.extAck) {
    d.extAck = e.extAck;
    if (e.extAck.message) d.kernelMessage = e.extAck.message;
  }
  return kernelError(d, kind);
}

/**
 * Dump links and decode them. With `kind`, links of other kinds are never
 * decoded: the kernel filters when it can, and otherwise each message's kind
 * is peeked at before decoding.
 */
export async function dumpLinks(sock: NetlinkTransport, req: DumpLinksRequest = {}): Promise<LinkMessage[]> {
  const attempts = req.maxAttempts ?? 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const out: LinkMessage[] = [];
    let first = true;
    let skipAll = false;
    const visit = (h: NetlinkHeader, buf: Uint8Array, start: number, end: number) => {
      if (h.type !== RTM_NEWLINK || skipAll) return;
      const filtered = (h.flags & NLM_F_DUMP_FILTERED) !== 0;
      if (req.kind !== undefined && !filtered) {
        if (first && kernelFilters()) {
          // The kernel ignored the kind filter although it supports it: the kind is not registered.
          skipAll = true;
          return;
        }
        first = false;
        if (peekLinkKind(buf, start, end) !== req.kind) return;
      }
      first = false;
      if (end - start < NLMSG_HDRLEN + IFINFOMSG_LEN) return;
      out.push(
        decodeLinkBody(buf, new DataView(buf.buffer, buf.byteOffset), start, end, h.type, h.flags, h.seq),
      );
    };
    let summary: DumpSummary;
    try {
      summary = await sock.dump(
        (seq) =>
          buildDumpLinksRequest(seq, {
            ...(req.kind !== undefined ? { kind: req.kind } : {}),
            ...(req.master !== undefined ? { master: req.master } : {}),
            ...(req.targetNsid !== undefined ? { targetNsid: req.targetNsid } : {}),
            ...(req.stats === false ? { extMask: RTEXT_FILTER_SKIP_STATS } : {}),
          }),
        visit,
        { ...req, operation: req.operation ?? 'list' },
      );
    } catch (e) {
      throw asKernelError(e, 'list');
    }
    if (!summary.interrupted) return out;
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
