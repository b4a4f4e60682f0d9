/**
 * What makes a bulk delete crash-safe. Before a link is moved into a borrowed
 * group, the same RTM_NEWLINK writes a record into its alias (IFLA_IFALIAS):
 * who moved it (pid namespace, pid, process start time, thread, run), its
 * original group and its original alias. The record lives in the kernel, on
 * the link itself, so a killed process or a full disk cannot lose it. A link
 * in a borrowed group (0xEE000000–0xEEFFFFFF) whose record names a run that
 * no longer exists is stranded: {@link recoverLinkGroups} (and every bulk
 * delete, before anything else) puts its group and alias back exactly.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { forEachAttribute } from '../codec/attributes.js';
import { readCString, u32le } from '../codec/bytes.js';
import {
  IFINFOMSG_LEN,
  IFLA_GROUP,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_NEWLINK,
} from '../codec/constants.js';
import { writeHeader } from '../codec/header.js';
import { peekLinkKind } from '../codec/link.js';
import { buildDumpLinksRequest } from '../codec/requests.js';
import { carve } from '../codec/slab.js';
import { checkFields, fieldTable, int, REQUEST_OPTIONS } from './check.js';
import { asKernelError, DumpInterruptedError, type Operation } from './errors.js';
import type { NetlinkTransport, RequestOptions } from './socket.js';

/** Longest alias the kernel keeps (IFALIASZ - 1 bytes, no NUL). */
export const MAX_ALIAS_BYTES = 255;
/** The top byte of every borrowed group. */
const BORROWED_TAG = 0xee;
/** What every record starts with. */
const RECORD_PREFIX = 'eoipnl-del1:';

/** Whether `group` is one a bulk delete borrows (0xEE000000–0xEEFFFFFF). */
export function isBorrowedGroup(group: number): boolean {
  return group >>> 24 === BORROWED_TAG;
}

/** A random borrowed group that none of `used` is. */
export function pickBorrowedGroup(used: ReadonlySet<number>): number {
  for (;;) {
    const g = ((BORROWED_TAG << 24) | Math.floor(Math.random() * 0x1000000)) >>> 0;
    if (!used.has(g)) return g;
  }
}

/** A link as a bulk delete or a recovery sees it in the dump. */
export interface FoundLink {
  /** The ifindex. */
  index: number;
  /** The interface name. */
  name: string;
  /** IFLA_INFO_KIND, when read and present. */
  kind: string | undefined;
  /** The link group. */
  group: number;
  /** The alias bytes as the kernel holds them (no NUL); undefined when the link has none. */
  alias: Uint8Array | undefined;
}

/** The process that wrote a record, and its run. */
interface Owner {
  /** Inode of its pid namespace ("" when /proc could not tell). */
  pidns: string;
  pid: number;
  /** Start time in clock ticks after boot (field 22 of /proc/PID/stat): tells a reused pid apart. */
  start: string;
  /** Its worker thread (0: the main thread). */
  thread: number;
  /** Run number inside that process. */
  run: number;
}

/** A parsed record: its owner, and the link's group and alias before the move. */
interface LinkRecord {
  owner: Owner;
  group: number;
  alias: Uint8Array | undefined;
}

const ascii = new TextEncoder();

function pidNamespace(pid: number | 'self'): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1] ?? '';
  } catch {
    return '';
  }
}

/** State letter and start time of a process, or undefined when it does not exist. */
function processStat(pid: number | 'self'): { state: string; start: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}

/**
 * This thread's id. node:worker_threads is loaded here, on the first bulk
 * delete: loading it brings some 25 of Node's stream modules, a millisecond
 * of every start of every program that imports the library.
 */
function workerThreadId(): number {
  const { threadId } = createRequire(import.meta.url)(
    'node:worker_threads',
  ) as typeof import('node:worker_threads');
  return threadId;
}

let self: Omit<Owner, 'run'> | undefined;
function thisProcess(): Omit<Owner, 'run'> {
  self ??= {
    pidns: pidNamespace('self'),
    pid: process.pid,
    start: processStat('self')?.start ?? '',
    thread: workerThreadId(),
  };
  return self;
}

/**
 * The runs of this thread that have not finished (their records are not
 * stranded), shared through the global object: a program that loads both the
 * ESM and the CommonJS build must not take one's live runs for dead ones.
 */
const runs = sharedRuns();

function sharedRuns(): { last: number; live: Set<number> } {
  const key = Symbol.for('eoip-netlink.bulk-delete.runs');
  const global = globalThis as Record<symbol, { last: number; live: Set<number> } | undefined>;
  const existing = global[key];
  if (existing) return existing;
  const created = { last: 0, live: new Set<number>() };
  global[key] = created;
  return created;
}

/** A bulk-delete run: the records it writes name it until {@link endRun}. */
export interface Run {
  /** The owner written into each record. */
  readonly owner: Owner;
}

/** Start a run of this process. */
export function beginRun(): Run {
  const run = ++runs.last;
  runs.live.add(run);
  return { owner: { ...thisProcess(), run } };
}

/** End a run: from now on, a link still carrying its record is stranded. */
export function endRun(r: Run): void {
  runs.live.delete(r.owner.run);
}

/**
 * The alias bytes recording `link`'s group and alias for `run`, or undefined
 * when the original alias is too long to fit beside the record.
 */
export function encodeRecord(run: Run, link: FoundLink): Uint8Array | undefined {
  const o = run.owner;
  const head = ascii.encode(
    `${RECORD_PREFIX}${o.pidns}:${o.pid}:${o.start}:${o.thread}:${o.run}:${link.group >>> 0}:`,
  );
  const alias = link.alias ?? new Uint8Array(0);
  if (head.length + alias.length > MAX_ALIAS_BYTES) return undefined;
  const out = new Uint8Array(head.length + alias.length);
  out.set(head);
  out.set(alias, head.length);
  return out;
}

const DIGITS = /^\d+$/;
const HEAD_FIELDS = 6;

/** The record in `alias`, or undefined when it holds none. */
export function parseRecord(alias: Uint8Array | undefined): LinkRecord | undefined {
  if (alias === undefined || alias.length <= RECORD_PREFIX.length) return undefined;
  for (let i = 0; i < RECORD_PREFIX.length; i++) {
    if (alias[i] !== RECORD_PREFIX.charCodeAt(i)) return undefined;
  }
  // Six ':'-terminated ASCII fields after the prefix, then the original alias bytes.
  const fields: string[] = [];
  let from = RECORD_PREFIX.length;
  for (let at = from; at < alias.length && fields.length < HEAD_FIELDS; at++) {
    if (alias[at] !== 0x3a) continue;
    fields.push(String.fromCharCode(...alias.subarray(from, at)));
    from = at + 1;
  }
  if (fields.length < HEAD_FIELDS) return undefined;
  const [pidns, pid, start, thread, run, group] = fields as [string, string, string, string, string, string];
  if (
    ![pid, thread, run, group].every((f) => DIGITS.test(f)) ||
    !/^\d*$/.test(pidns) ||
    !/^\d*$/.test(start)
  ) {
    return undefined;
  }
  const groupNumber = Number(group);
  if (groupNumber > 0xffffffff) return undefined;
  const rest = alias.slice(from);
  return {
    owner: { pidns, pid: Number(pid), start, thread: Number(thread), run: Number(run) },
    group: groupNumber,
    alias: rest.length > 0 ? rest : undefined,
  };
}

/**
 * Whether the run that wrote a record is over: a run of this thread that has
 * ended, or a process of this pid namespace that no longer exists (or is a
 * zombie, or is another process under a reused pid). What cannot be seen
 * from here counts as alive: a process of another pid namespace, another
 * worker thread of this process, any process when /proc cannot be read.
 */
export function ownerIsGone(owner: Owner): boolean {
  const me = thisProcess();
  if (owner.pidns !== me.pidns || me.start === '') return false;
  if (owner.pid === me.pid && owner.start === me.start) {
    return owner.thread === me.thread && !runs.live.has(owner.run);
  }
  const stat = processStat(owner.pid);
  return stat === undefined || stat.state === 'Z' || stat.state === 'X' || stat.start !== owner.start;
}

/** The record of a stranded link (borrowed group, record of a finished run), if it is one. */
export function strandedRecord(link: FoundLink): LinkRecord | undefined {
  if (!isBorrowedGroup(link.group)) return undefined;
  const record = parseRecord(link.alias);
  return record && ownerIsGone(record.owner) ? record : undefined;
}

/** Whether `link` sits in a borrowed group under the record of a run still going on. */
export function heldByLiveRun(link: FoundLink): boolean {
  if (!isBorrowedGroup(link.group)) return false;
  const record = parseRecord(link.alias);
  return record !== undefined && !ownerIsGone(record.owner);
}

/**
 * RTM_NEWLINK setting link `index`'s group and alias in one message (an
 * empty alias removes it). Nothing else of the link changes.
 */
export function buildGroupAliasRequest(
  seq: number,
  index: number,
  group: number,
  alias: Uint8Array | undefined,
): Uint8Array {
  const aliasLen = alias?.length ?? 0;
  const length = NLMSG_HDRLEN + IFINFOMSG_LEN + 8 + ((4 + aliasLen + 3) & ~3);
  const m = carve(length); // zero-filled: ifinfomsg fields and padding stay 0
  const v = new DataView(m.buffer, m.byteOffset, length);
  writeHeader(v, 0, { length, type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0 });
  v.setInt32(NLMSG_HDRLEN + 4, index, true);
  let at = NLMSG_HDRLEN + IFINFOMSG_LEN;
  v.setUint16(at, 8, true);
  v.setUint16(at + 2, IFLA_GROUP, true);
  v.setUint32(at + 4, group >>> 0, true);
  at += 8;
  v.setUint16(at, 4 + aliasLen, true);
  v.setUint16(at + 2, IFLA_IFALIAS, true);
  if (alias) m.set(alias, at + 4);
  return m;
}

/** The request putting `link` back as `record` says it was. */
function restoreRequest(link: FoundLink, record: LinkRecord): (seq: number) => Uint8Array {
  return (seq) => buildGroupAliasRequest(seq, link.index, record.group, record.alias);
}

/**
 * Put every stranded link of `links` back (group and alias, in one message
 * each, all in flight together) and update those entries to match. Resolves
 * with the links put back; a link that could not be (e.g. deleted meanwhile)
 * is left out and left as it is.
 */
export async function restoreStranded(
  sock: NetlinkTransport,
  links: readonly FoundLink[],
  req: RequestOptions,
): Promise<FoundLink[]> {
  const stranded: Array<[FoundLink, LinkRecord]> = [];
  for (const link of links) {
    const record = strandedRecord(link);
    if (record) stranded.push([link, record]);
  }
  const restored: FoundLink[] = [];
  await Promise.all(
    stranded.map(([link, record]) =>
      sock.ack(restoreRequest(link, record), req).then(
        () => {
          link.group = record.group;
          link.alias = record.alias;
          restored.push(link);
        },
        () => undefined,
      ),
    ),
  );
  return restored.sort((a, b) => a.index - b.index);
}

/** Options of {@link recoverLinkGroups}. */
export interface RecoverLinkGroupsOptions extends RequestOptions {
  /** Dump attempts while the kernel reports the link list changed mid-dump (default 5). */
  maxAttempts?: number;
}

const RECOVER_OPTIONS = fieldTable(REQUEST_OPTIONS, { maxAttempts: int(1, 1000) });

/** A link that {@link recoverLinkGroups} put back. */
export interface RecoveredLink {
  /** The ifindex. */
  index: number;
  /** The interface name. */
  name: string;
  /** The link group it is back in. */
  group: number;
  /** The alias it has again (undefined: none), as text. */
  alias: string | undefined;
}

/**
 * Put back every link that a killed bulk delete (`deleteLinks`,
 * `deleteTunnels`, `eoip del` with several names) left in its borrowed
 * group: each gets its own group and alias again, exactly as before that
 * call, and nothing else changes; deleting them again then works as usual.
 * Every bulk delete does this first by itself, in its own namespace, so
 * calling it is only needed to repair a namespace without deleting anything.
 * Links of a bulk delete still running are left alone, and so are those of
 * a run whose end cannot be seen from here (another pid namespace).
 * Acts in the socket's own namespace. Resolves with the links put back, by
 * ifindex; rejects only when the link list cannot be read.
 *
 * @param sock - the socket to act on: a {@link NetlinkSocket} or any {@link NetlinkTransport}
 * @param opts - `timeout` in ms per request (default 10 000, 0 = none), `signal`,
 *   `maxAttempts` of the link dump (1..1000, default 5)
 * @returns the links put back, by ifindex
 * @throws {@link InvalidArgumentError} before anything is read or sent, for a bad option
 * @throws {@link DumpInterruptedError} when the link list kept changing while it was read
 * @throws {@link KernelError} when the kernel refuses to list the links
 * @throws {@link TimeoutError} when reading the link list took longer than `opts.timeout`
 * @throws {@link AbortedError} when `opts.signal` aborted before the link list was read
 * @throws {@link SocketClosedError} when the socket is closed before the link list was read
 *
 * @example
 * ```ts
 * const sock = NetlinkSocket.open();
 * for (const l of await recoverLinkGroups(sock)) console.log(`${l.name}: back in group ${l.group}`);
 * sock.close();
 * ```
 */
export async function recoverLinkGroups(
  sock: NetlinkTransport,
  opts: RecoverLinkGroupsOptions = {},
): Promise<RecoveredLink[]> {
  // Checked before anything is read or sent.
  opts = checkFields<RecoverLinkGroupsOptions>('options', opts, RECOVER_OPTIONS, { optional: true });
  const req: RequestOptions = Object.assign({}, opts, { operation: opts.operation ?? 'change' });
  const links = await summarizeLinks(sock, opts.maxAttempts ?? 5, req, undefined, false, 'change');
  const restored = await restoreStranded(sock, links, req);
  return restored.map((l) => ({
    index: l.index,
    name: l.name,
    group: l.group,
    alias: l.alias === undefined ? undefined : readCString(l.alias, 0, l.alias.length),
  }));
}

/** Index, name, group, alias (and kind, with `withKind`) of every link, from one dump without counters. */
export async function summarizeLinks(
  sock: NetlinkTransport,
  attempts: number,
  req: RequestOptions,
  targetNsid: number | undefined,
  withKind: boolean,
  operation: Operation,
): Promise<FoundLink[]> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const out: FoundLink[] = [];
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
        throw asKernelError(e, operation);
      });
    if (!summary.interrupted) return out;
  }
  throw new DumpInterruptedError(attempts);
}

/** `withKind`: only a caller's check looks at the kind, so it is read only for one. */
function summarize(buf: Uint8Array, start: number, end: number, withKind: boolean): FoundLink {
  const index = u32le(buf, start + NLMSG_HDRLEN + 4) | 0;
  let name = '';
  let group = 0;
  let alias: Uint8Array | undefined;
  forEachAttribute(buf, start + NLMSG_HDRLEN + IFINFOMSG_LEN, end, (type, vs, ve) => {
    if (type === IFLA_IFNAME) name = readCString(buf, vs, ve);
    else if (type === IFLA_GROUP && ve - vs >= 4) group = u32le(buf, vs);
    else if (type === IFLA_IFALIAS) alias = cStringBytes(buf, vs, ve);
  });
  return { index, name, kind: withKind ? peekLinkKind(buf, start, end) : undefined, group, alias };
}

/** A copy of the bytes up to the first NUL; undefined when empty. */
function cStringBytes(buf: Uint8Array, start: number, end: number): Uint8Array | undefined {
  let stop = start;
  while (stop < end && buf[stop] !== 0) stop++;
  return stop > start ? buf.slice(start, stop) : undefined;
}
