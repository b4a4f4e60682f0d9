/**
 * One rtnetlink socket, many requests in flight, on the library's own
 * native socket (./native.ts): framing, sequence matching, dump assembly
 * and error decoding are done here.
 */

import { put32le, u32le } from '../codec/bytes.js';
import {
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_DUMP_FILTERED,
  NLM_F_DUMP_INTR,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLMSG_SEQ_OFFSET,
} from '../codec/constants.js';
import { Errno } from '../codec/errno.js';
import { decodeErrorPayload } from '../codec/error.js';
import { forEachMessage, type NetlinkHeader } from '../codec/header.js';
import { buildRefusedGetLinkRequest } from '../codec/link-requests.js';
import { checkFields, SOCKET_OPTIONS } from './check.js';
import {
  AbortedError,
  MAYBE_APPLIED,
  NetlinkErrorAnswer,
  SocketClosedError,
  SocketError,
  TimeoutError,
} from './errors.js';
import { NativeNetlinkSocket } from './native.js';
import {
  checkNetnsTarget,
  type NamespaceFile,
  type NetnsTarget,
  namespaceOpenError,
  openNamespaceFile,
} from './netns.js';

// What a refused request rejects with; defined with the other errors.
export { NetlinkErrorAnswer } from './errors.js';

/** Most bytes of requests sent in one sendmsg. */
const MAX_BATCH_BYTES = 32 * 1024;

/** Default time an operation may wait for the kernel, in milliseconds. */
export const DEFAULT_TIMEOUT = 10_000;

/** Options of {@link NetlinkSocket.open}. */
export interface SocketOptions {
  /**
   * SO_RCVBUF in bytes. Event sockets want a large one to survive bursts
   * (default 1 MiB). Set past net.core.rmem_max when the process has
   * CAP_NET_ADMIN (SO_RCVBUFFORCE), else capped by it.
   */
  recvBufferSize?: number;
  /**
   * Bytes read per datagram. 0 (the default) peeks at each datagram's size
   * first, so none is ever cut, whatever its size. A positive size reads
   * once, at most that many bytes, and fails a request whose answer does not
   * fit. Either way datagrams land back to back in shared 64 KiB slabs: no
   * allocation per datagram.
   */
  datagramSize?: number;
  /** Multicast groups to join (e.g. RTNLGRP_LINK for link events). */
  groups?: number[];
  /**
   * Called with every multicast message (seq 0 / not ours).
   * @param header - the message's header
   * @param datagram - the datagram it came in (a view into a shared slab: copy what you keep)
   * @param start - offset of the message's first byte in `datagram` (its header)
   * @param end - offset just past the message's last byte
   */
  onEvent?: (header: NetlinkHeader, datagram: Uint8Array, start: number, end: number) => void;
  /**
   * Called on socket errors that concern events (ENOBUFS: events were lost).
   * @param error - what happened; `errno` 105 (ENOBUFS) means events were lost: read the state again
   */
  onEventError?: (error: SocketError) => void;
  /** Keep the process alive while the socket is open even when idle (watchers). Default false. */
  keepAlive?: boolean;
  /** Most requests handed to the kernel at once (default 64); more wait in order. */
  maxInFlight?: number;
  /**
   * Open the socket inside this network namespace: `{ path }` of a namespace
   * file (/run/netns/NAME, /proc/PID/ns/net) or `{ fd }` of an open one.
   * Everything the socket does then happens there: requests (link changes
   * included), dumps and events. Default: the process's own namespace.
   */
  netns?: NetnsTarget;
}

/** Options of one request. */
export interface RequestOptions {
  /** Rejects with {@link AbortedError} when aborted. */
  signal?: AbortSignal;
  /** Milliseconds before rejecting with {@link TimeoutError}; default {@link DEFAULT_TIMEOUT}; 0 = none. */
  timeout?: number;
  /** Name of the operation, for error messages. */
  operation?: string;
}

/** Options of one dump. */
export interface DumpOptions extends RequestOptions {
  /**
   * The visitor may stop the dump early by returning `false`, and the kernel
   * should then build no more of it. Such a dump runs on a second socket
   * that the socket opens when needed (one at most, closed with the socket)
   * and closes at a stop, before reading another datagram, unless the dump's
   * NLMSG_DONE was already read: closing is the only way to make the kernel
   * drop the rest of a dump (the kernel sends NLMSG_DONE in a datagram of its
   * own, so in practice every stop closes it). Timeouts, aborts, the in-flight window and
   * {@link NetlinkSocket.close} apply to it as to any request of this socket.
   */
  stoppable?: boolean;
}

/**
 * Called for each message of a dump: `datagram[start, end)` is one whole
 * message. Returning `false` stops the dump: it resolves at once (with
 * {@link DumpSummary.stopped} set) and the rest of its messages are dropped.
 * @param header - the message's header
 * @param datagram - the datagram it came in (a view into a shared slab: copy what you keep)
 * @param start - offset of the message's first byte in `datagram` (its header)
 * @param end - offset just past the message's last byte
 * @returns `false` to stop the dump; anything else goes on
 */
export type DumpVisitor = (
  header: NetlinkHeader,
  datagram: Uint8Array,
  start: number,
  end: number,
  // biome-ignore lint/suspicious/noConfusingVoidType: a visitor written as plain statements returns void
) => boolean | undefined | void;

/** The sequence number in the header at the start of `bytes`; 0 (no request's) when they are too short for it. */
function seqOf(bytes: Uint8Array): number {
  return bytes.byteLength >= NLMSG_SEQ_OFFSET + 4 ? u32le(bytes, NLMSG_SEQ_OFFSET) : 0;
}

/**
 * Whether the dump's NLMSG_DONE is among the messages of `datagram` after
 * offset `from`: then the kernel has sent its whole answer already.
 */
function doneFollows(datagram: Uint8Array, from: number): boolean {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  for (let off = from; off + NLMSG_HDRLEN <= datagram.byteLength; ) {
    const len = view.getUint32(off, true);
    if (view.getUint16(off + 4, true) === NLMSG_DONE) return true;
    if (len < NLMSG_HDRLEN) return false;
    off += (len + 3) & ~3;
  }
  return false;
}

/** What a finished dump reports besides its messages. */
export interface DumpSummary {
  /** Messages delivered to the visitor. */
  messages: number;
  /** True when any message carried NLM_F_DUMP_INTR (the dump may be inconsistent). */
  interrupted: boolean;
  /** True when the kernel applied the requested filter (NLM_F_DUMP_FILTERED on the messages). */
  filtered: boolean;
  /** Datagrams the messages arrived in (the kernel packs a dump into datagrams of up to 32 KiB). */
  datagrams: number;
  /** True when the visitor stopped the dump before its end (see {@link DumpVisitor}). */
  stopped?: boolean;
}

type Mode = 'ack' | 'reply' | 'dump';

/** One request. Every field is set at creation, so that all share one object shape. */
interface Pending {
  seq: number;
  mode: Mode;
  operation: string;
  bytes: Uint8Array;
  /** Handed to the kernel (counts against the in-flight window). */
  sent: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  visit: DumpVisitor | undefined;
  summary: DumpSummary | undefined;
  /** For dumps: the number of the datagram that carried the last message. */
  lastDatagram: number;
  /** A dump that was abandoned (abort/timeout): its messages are dropped until NLMSG_DONE. */
  draining: boolean;
  /** For 'ack': the message the kernel echoed (NLM_F_ECHO), if any. */
  echo: Uint8Array | undefined;
  /** Milliseconds the kernel has to answer once the request is sent; 0 = no limit. */
  timeout: number;
  /** When the timeout runs out ({@link monotonicMs} time); set when sent. */
  deadline: number;
  /** Settled or abandoned: skipped by the timeout lists. */
  done: boolean;
  /** Watched for abort until the request settles (see {@link NetlinkSocket.watchSignal}). */
  signal: AbortSignal | undefined;
  /** A dump the visitor may stop: it runs on the side socket. */
  stoppable: boolean;
  /** The side socket a stoppable dump was sent on. */
  side: NetlinkSocket | undefined;
}

/** The requests waiting on one AbortSignal, behind the one listener a socket adds to it. */
interface SignalWatch {
  listener: () => void;
  entries: Set<Pending>;
}

/** Requests of one timeout length, in the order they were sent: so in deadline order. */
interface DeadlineList {
  items: Pending[];
  head: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Milliseconds on a monotonic clock. Not `performance.now()`: the first use
 * of that global loads perf_hooks, ~5 ms of every CLI start.
 */
function monotonicMs(): number {
  return process.uptime() * 1000;
}

/** What a settled request keeps instead of its message. */
const NO_BYTES = new Uint8Array(0);

/**
 * Drop settled requests from the front of a timeout list. Answers come
 * mostly in the order requests were sent, so trimming whenever the oldest
 * settles keeps the list as short as the requests in flight.
 */
function trimDone(list: DeadlineList): void {
  while (list.head < list.items.length && list.items[list.head]!.done) list.head++;
  if (list.head === list.items.length) {
    list.items.length = 0;
    list.head = 0;
  } else if (list.head > 64 && list.head * 2 > list.items.length) {
    list.items = list.items.slice(list.head);
    list.head = 0;
  }
}

/** True when the kernel will answer `e` on success too: NLM_F_ACK set, or a request for data. */
function answered(e: Pending): boolean {
  return e.mode !== 'ack' || (e.bytes[6]! & NLM_F_ACK) !== 0;
}

/** Bytes of the request whose refusal primes the dump size (its NLMSG_ERROR echoes it whole). */
const PRIME_BYTES = 32 * 1024;

/**
 * What the link, route and namespace operations need from a socket. The
 * {@link NetlinkSocket} implements it; tests and simulations may provide their
 * own (e.g. replaying captured kernel answers).
 */
export interface NetlinkTransport {
  /**
   * Send a request; resolve on the kernel's ACK (with the echoed message, if any).
   * @param build - makes the whole message for the sequence number it is given
   * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `operation` (named in errors)
   */
  ack(build: (seq: number) => Uint8Array, opts?: RequestOptions): Promise<Uint8Array | undefined>;
  /**
   * Send a request; resolve with the first answering message.
   * @param build - makes the whole message for the sequence number it is given
   * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `operation` (named in errors)
   */
  reply(build: (seq: number) => Uint8Array, opts?: RequestOptions): Promise<Uint8Array>;
  /**
   * Send a dump request; `visit` sees each message. A transport that cannot
   * stop a dump early may ignore `stoppable` and a visitor's `false`: the
   * caller then sees the remaining messages.
   * @param build - makes the whole dump request for the sequence number it is given
   * @param visit - called with each message of the answer; `false` stops the dump
   * @param opts - `timeout` in ms (default 10 000, 0 = none), `signal`, `operation`, `stoppable`
   */
  dump(build: (seq: number) => Uint8Array, visit: DumpVisitor, opts?: DumpOptions): Promise<DumpSummary>;
  /** Close; pending requests reject. */
  close(): void;
}

/**
 * A NETLINK_ROUTE socket with sequence-number dispatch. Requests of any kind
 * may be in flight together. Two limits keep the kernel and the native layer
 * happy: dumps run one at a time (the kernel answers a second concurrent dump
 * on one socket with EBUSY), and at most `maxInFlight` requests are handed to
 * the kernel at once, so that their answers always fit the receive buffer (an
 * overrun makes the kernel drop answers and report ENOBUFS).
 *
 * Requests that become ready together leave in one sendmsg, and only the
 * last of them asks for an ACK (NLM_F_ACK): the kernel answers a failure
 * whether asked or not, so each failure still reaches its own request, and
 * the last answer proves the others done. Sockets that joined multicast
 * groups keep an ACK on every request.
 */
export class NetlinkSocket implements NetlinkTransport {
  private readonly raw: NativeNetlinkSocket;
  private readonly pending = new Map<number, Pending>();
  /** Requests waiting for a slot in the window, in order. */
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private dumpActive = false;
  private readonly maxInFlight: number;
  private nextSeq: number;
  private closed = false;
  private refd: boolean;
  private readonly keepAlive: boolean;
  private readonly onEvent: SocketOptions['onEvent'];
  private readonly onEventError: SocketOptions['onEventError'];
  /**
   * Requests sent without NLM_F_ACK, by the seq of the later request whose
   * answer proves them done (see quietAcks).
   */
  private readonly barriers = new Map<number, Pending[]>();
  /** Every request asks for its own ACK (sockets that receive multicast events). */
  private ackEach = false;
  /** Datagrams read so far (tells dumps how many datagrams they took). */
  private received = 0;
  /** Reads datagrams at their exact size (see {@link SocketOptions.datagramSize}). */
  private readonly peeking: boolean;
  /** The kernel was shown a 32 KiB read, so that it packs dumps into 32 KiB datagrams. */
  private primed = false;
  /** The port id the kernel knows this socket by. */
  readonly port: number;
  /** Where stoppable dumps run (see {@link DumpOptions.stoppable}); opened when first needed. */
  private side: NetlinkSocket | undefined;
  /**
   * One abort listener per signal, however many requests share it: a
   * listener per request made Node warn (MaxListenersExceededWarning) past
   * ten, and cost a closure each.
   */
  private readonly signals = new Map<AbortSignal, SignalWatch>();
  /** The namespace the socket was opened in, held for its side socket; undefined for the process's own. */
  private readonly ns: NamespaceFile | undefined;

  private constructor(opts: SocketOptions, ns: NamespaceFile | undefined) {
    // The binding loads on first use, so that importing the library costs nothing.
    this.raw = NativeNetlinkSocket.open(NETLINK_ROUTE, {
      ...(ns ? { netnsFd: ns.fd } : {}),
      datagramSize: opts.datagramSize ?? 0,
      recvBufferSize: opts.recvBufferSize ?? 1024 * 1024,
      // The size asked for, past net.core.rmem_max when the process may (CAP_NET_ADMIN).
      rcvbufForce: true,
    });
    this.ns = ns;
    this.port = this.raw.address().port;
    this.peeking = !opts.datagramSize;
    this.onEvent = opts.onEvent;
    this.onEventError = opts.onEventError;
    this.keepAlive = opts.keepAlive ?? false;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 64);
    // Start from a random point so that two sockets of one process never look alike in traces.
    this.nextSeq = (Math.random() * 0x7fffffff) >>> 0 || 1;
    this.raw.on('message', (msg) => this.receive(msg));
    this.raw.on('truncatedMessage', (msg, info) => this.truncated(msg, info.truncated));
    // Always listen: an unhandled 'error' event would crash the process (ENOBUFS arrives this way).
    this.raw.on('error', (err) => this.socketError(err));
    for (const g of opts.groups ?? []) this.join(g);
    this.refd = true;
    this.updateRef();
  }

  /**
   * Open a socket. Throws {@link SocketError} when the kernel refuses one.
   * @param options - receive buffer and datagram sizes, multicast groups and their callbacks,
   *   `keepAlive`, `maxInFlight`, `netns` (default: a 1 MiB buffer, no groups, 64 in flight,
   *   the process's own namespace)
   * @throws {@link InvalidArgumentError} for an unknown option, a value out of range, or a
   *   `netns` that is not `{ path }` or `{ fd }` (nothing is opened)
   * @throws {@link PermissionError} when the process may not enter `netns` (setns needs
   *   CAP_SYS_ADMIN in the namespace's owning user namespace)
   * @throws {@link SocketError} when the kernel refuses a socket (e.g. EMFILE) or a group, or
   *   `netns` cannot be opened or is not a network namespace
   */
  static open(options: SocketOptions = {}): NetlinkSocket {
    const opts = checkFields<SocketOptions>('options', options, SOCKET_OPTIONS, { optional: true });
    const target = opts.netns === undefined ? undefined : checkNetnsTarget(opts.netns);
    const ns = target ? openNamespaceFile(target) : undefined;
    try {
      return new NetlinkSocket(opts, ns);
    } catch (e) {
      ns?.close();
      const errno = (e as { errno?: number }).errno;
      if (ns && errno !== undefined && (e as { syscall?: string }).syscall === 'socket')
        throw namespaceOpenError(ns.path, errno, e);
      throw new SocketError(`cannot open a netlink socket: ${(e as Error).message}`, errno, e);
    }
  }

  /** True once {@link close} was called or the socket failed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests not yet settled (sent or waiting for a slot). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Join a multicast group.
   * @param group - the group's number, e.g. RTNLGRP_LINK (1) for link events
   */
  join(group: number): void {
    this.raw.addMembership(group);
    // A burst of events can overflow the receive buffer and drop a failure
    // answer; a request that asked for no ACK would then pass for done.
    this.ackEach = true;
  }

  private allocSeq(): number {
    // Skip 0 (multicast) and any seq still pending after a wrap-around.
    do {
      this.nextSeq = (this.nextSeq + 1) >>> 0;
    } while (this.nextSeq === 0 || this.pending.has(this.nextSeq));
    return this.nextSeq;
  }

  private updateRef(): void {
    if (this.closed) return;
    // An idle socket must never keep the process alive.
    const want = this.keepAlive || this.pending.size > 0;
    if (want === this.refd) return;
    this.refd = want;
    if (want) this.raw.ref();
    else this.raw.unref();
  }

  /**
   * Send a request and wait for the kernel's ACK (NLMSG_ERROR with errno 0).
   * Resolves with a copy of the message the kernel echoed before the ACK, if
   * any (requests sent with NLM_F_ECHO), else undefined.
   *
   * `build` must return a new message on each call: when several requests
   * leave together, the socket clears NLM_F_ACK in all but the last (see
   * {@link NetlinkSocket}).
   * @param build - makes the whole message for the sequence number it is given (a new one per call)
   * @param opts - `timeout` in ms, counted from sending (default 10 000, 0 = none), `signal`,
   *   `operation` (named in errors, default `request`)
   * @throws {@link NetlinkErrorAnswer} when the kernel refuses
   *   the request; the link functions turn it into a {@link KernelError}
   * @throws {@link TimeoutError} when no answer came within `opts.timeout`
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the socket is closed first (`maybeApplied` when it was sent)
   * @throws {@link SocketError} when sending fails, or the answer did not fit `datagramSize`
   */
  ack(build: (seq: number) => Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array | undefined> {
    return this.start('ack', build, opts) as Promise<Uint8Array | undefined>;
  }

  /**
   * Send a request and resolve with the first answering message, e.g. the
   * RTM_NEWLINK answering an RTM_GETLINK: a view of the received bytes, which
   * the socket never writes over (keep it as long as needed).
   * @param build - makes the whole message for the sequence number it is given
   * @param opts - `timeout` in ms, counted from sending (default 10 000, 0 = none), `signal`,
   *   `operation` (named in errors, default `request`)
   * @throws {@link NetlinkErrorAnswer} when the kernel refuses the request
   * @throws {@link TimeoutError} when no answer came within `opts.timeout`
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the socket is closed first
   * @throws {@link SocketError} when sending fails, or the answer did not fit `datagramSize`
   */
  reply(build: (seq: number) => Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    return this.start('reply', build, opts) as Promise<Uint8Array>;
  }

  /**
   * Send a dump request; `visit` sees each message (views into the datagram:
   * copy what you keep). Dumps on one socket run one after the other, the
   * stoppable ones ({@link DumpOptions.stoppable}) included.
   * @param build - makes the whole dump request for the sequence number it is given
   * @param visit - called with each message of the answer; returning `false` stops the dump
   * @param opts - `timeout` in ms for the whole dump once sent (default 10 000, 0 = none), `signal`,
   *   `operation` (default `dump`), `stoppable`
   * @throws {@link NetlinkErrorAnswer} when the kernel refuses the dump
   * @throws {@link TimeoutError} when the dump did not end within `opts.timeout`
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the socket is closed first
   * @throws {@link SocketError} when sending fails, or a message did not fit `datagramSize`
   * @throws what `build` or `visit` throws (the rest of the dump is then dropped)
   */
  dump(build: (seq: number) => Uint8Array, visit: DumpVisitor, opts: DumpOptions = {}): Promise<DumpSummary> {
    if (!opts.stoppable && this.peeking && !this.primed && !this.closed) this.primeDumpSize();
    return this.start('dump', build, opts, visit) as Promise<DumpSummary>;
  }

  /**
   * The kernel sizes each dump datagram to the largest read the socket has
   * done (up to 32 KiB). Reads sized to each datagram never grow past the
   * first small one, so every dump would come in ~4 KiB datagrams, ten times
   * as many. One read of 32 KiB fixes that for the socket's lifetime: a
   * request the kernel refuses comes back whole inside its NLMSG_ERROR, so a
   * 32 KiB RTM_GETLINK naming no link (EINVAL, nothing looked up) makes one.
   * Queued ahead of the first dump.
   */
  private primeDumpSize(): void {
    this.primed = true;
    this.start('ack', (seq) => buildRefusedGetLinkRequest(seq, PRIME_BYTES), {
      operation: 'prime',
      timeout: 0,
    }).catch(() => {
      // Refused, as intended; a lost answer only means smaller datagrams.
    });
  }

  private start(
    mode: Mode,
    build: (seq: number) => Uint8Array,
    opts: DumpOptions,
    visit?: DumpVisitor,
  ): Promise<unknown> {
    const operation = opts.operation ?? (mode === 'dump' ? 'dump' : 'request');
    if (this.closed) return Promise.reject(new SocketClosedError(operation));
    if (opts.signal?.aborted) return Promise.reject(new AbortedError(operation, opts.signal.reason));
    const seq = this.allocSeq();
    let bytes: Uint8Array;
    try {
      bytes = build(seq);
    } catch (e) {
      return Promise.reject(e);
    }
    const timeout = opts.timeout ?? DEFAULT_TIMEOUT;
    return new Promise((resolve, reject) => {
      const signal = opts.signal;
      const entry: Pending = {
        seq,
        mode,
        operation,
        bytes,
        sent: false,
        resolve,
        reject,
        visit,
        summary: visit ? { messages: 0, interrupted: false, filtered: false, datagrams: 0 } : undefined,
        lastDatagram: 0,
        draining: false,
        echo: undefined,
        timeout,
        deadline: 0,
        done: false,
        signal,
        stoppable: mode === 'dump' && opts.stoppable === true,
        side: undefined,
      };
      if (signal) this.watchSignal(entry, signal);
      this.pending.set(seq, entry);
      this.queue.push(entry);
      this.schedulePump();
      this.updateRef();
    });
  }

  /** Watch `signal` for `e`, through the signal's one listener. */
  private watchSignal(e: Pending, signal: AbortSignal): void {
    let watch = this.signals.get(signal);
    if (!watch) {
      const entries = new Set<Pending>();
      const listener = () => this.signalAborted(signal, entries);
      signal.addEventListener('abort', listener, { once: true });
      watch = { listener, entries };
      this.signals.set(signal, watch);
    }
    watch.entries.add(e);
  }

  /** Stop watching `e`'s signal; the listener goes when no request uses the signal any more. */
  private unwatchSignal(e: Pending): void {
    const signal = e.signal;
    if (!signal) return;
    e.signal = undefined;
    const watch = this.signals.get(signal);
    if (!watch) return;
    watch.entries.delete(e);
    if (watch.entries.size === 0) {
      signal.removeEventListener('abort', watch.listener);
      this.signals.delete(signal);
    }
  }

  private signalAborted(signal: AbortSignal, entries: Set<Pending>): void {
    this.signals.delete(signal);
    for (const e of [...entries]) this.abandon(e, new AbortedError(e.operation, signal.reason));
  }

  /** Give up on a request (abort, timeout): reject it now; a sent dump drains first. */
  private abandon(e: Pending, err: Error): void {
    if (this.pending.get(e.seq) !== e || e.draining) return;
    this.release(e);
    if (e.side) {
      // Closing the side socket ends the dump in the kernel: nothing to drain.
      this.dropSide(e.side);
      this.settle(e);
      e.reject(err);
      return;
    }
    if (e.mode === 'dump' && e.sent) {
      // The kernel keeps sending this dump until its end; drop those
      // messages, and start the next dump only after NLMSG_DONE.
      e.draining = true;
      e.visit = undefined;
      e.reject(err);
      return;
    }
    this.settle(e);
    e.reject(err);
  }

  /** Stop watching a request's timeout and signal. */
  private release(e: Pending): void {
    if (e.done) return;
    e.done = true;
    e.bytes = NO_BYTES; // it may pin a 64 KiB slab
    this.unwatchSignal(e);
    if (e.deadline !== 0) {
      const list = this.deadlines.get(e.timeout);
      if (list && list.items[list.head] === e) trimDone(list);
    }
  }

  /**
   * Timeouts without a timer per request: requests of the same timeout
   * length expire in the order they were sent, so each length keeps one list
   * and one timer for its oldest live entry. (A timer per request cost more
   * than the rest of the request's bookkeeping.) The timers never keep the
   * process alive; a socket with requests pending does.
   */
  private readonly deadlines = new Map<number, DeadlineList>();

  private armTimeout(e: Pending): void {
    if (e.timeout <= 0) return;
    e.deadline = monotonicMs() + e.timeout;
    let list = this.deadlines.get(e.timeout);
    if (!list) {
      list = { items: [], head: 0, timer: undefined };
      this.deadlines.set(e.timeout, list);
    }
    list.items.push(e);
    if (!list.timer) this.scheduleExpiry(e.timeout, list);
  }

  private scheduleExpiry(length: number, list: DeadlineList): void {
    trimDone(list);
    if (list.items.length === 0) {
      this.deadlines.delete(length);
      list.timer = undefined;
      return;
    }
    const wait = Math.max(0, list.items[list.head]!.deadline - monotonicMs());
    list.timer = setTimeout(() => this.expire(length, list), Math.ceil(wait));
    list.timer.unref();
  }

  private expire(length: number, list: DeadlineList): void {
    list.timer = undefined;
    const now = monotonicMs();
    while (list.head < list.items.length) {
      const e = list.items[list.head]!;
      if (!e.done) {
        if (e.deadline > now) break;
        this.abandon(e, new TimeoutError(e.operation, e.timeout));
      }
      list.head++;
    }
    if (!this.closed) this.scheduleExpiry(length, list);
  }

  /** Hand queued requests to the kernel while the window has room (dumps one at a time). */
  private pumpScheduled = false;

  /**
   * Pump once the current I/O callbacks are done (setImmediate): requests
   * started in the same tick, and those freed by a burst of answers (the
   * native layer delivers up to 32 datagrams per poll), leave in one sendmsg.
   */
  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Hand queued requests to the kernel while the window has room (dumps one at a time). */
  private pump(): void {
    const queue = this.queue;
    const batch: Pending[] = [];
    /** Dumps passed over while another runs: they stay queued, in order. */
    const waiting: Pending[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < queue.length && this.inFlight < this.maxInFlight && !this.closed; i++) {
      const e = queue[i]!;
      if (e.mode === 'dump') {
        if (this.dumpActive) {
          waiting.push(e);
          continue;
        }
        // A dump goes alone: the kernel starts it and answers it over many
        // datagrams. Requests queued before it leave first, in order.
        if (batch.length > 0) {
          this.transmit(batch.splice(0));
          bytes = 0;
        }
        this.mark(e);
        if (e.stoppable) this.sendAside(e);
        else this.transmit([e]);
        continue;
      }
      if (bytes + e.bytes.byteLength > MAX_BATCH_BYTES && batch.length > 0) break;
      this.mark(e);
      batch.push(e);
      bytes += e.bytes.byteLength;
    }
    // One cut per pump: taking requests one by one off the front moved the
    // whole queue each time, quadratic in a burst of thousands of requests.
    // (Sent entries are never taken out by settle(), so `i` still counts them.)
    if (i > 0 && !this.closed) queue.splice(0, i, ...waiting);
    if (batch.length > 0) this.transmit(this.quietAcks(batch));
  }

  /**
   * The kernel handles the messages of one sendmsg in order, and answers a
   * failed request even without NLM_F_ACK. So within a batch only the last
   * request that will be answered needs its ACK: the others are sent without
   * NLM_F_ACK, a failure still comes back with its own seq, and the last one's
   * answer proves every earlier one done. One ACK datagram per batch instead
   * of one per request: receiving ACKs was most of the process's CPU.
   */
  private quietAcks(batch: Pending[]): Pending[] {
    if (this.ackEach) return batch;
    let last = batch.length - 1;
    while (last > 0 && !answered(batch[last]!)) last--;
    if (last <= 0) return batch;
    const quiet: Pending[] = [];
    for (let i = 0; i < last; i++) {
      const e = batch[i]!;
      if (e.mode !== 'ack' || !answered(e)) continue;
      e.bytes[6] = e.bytes[6]! & ~NLM_F_ACK;
      quiet.push(e);
    }
    if (quiet.length > 0) this.barriers.set(batch[last]!.seq, quiet);
    return batch;
  }

  private mark(e: Pending): void {
    e.sent = true;
    this.armTimeout(e);
    this.inFlight++;
    if (e.mode === 'dump') this.dumpActive = true;
  }

  /**
   * One sendmsg for several requests: the kernel processes each message of
   * the datagram in turn, acking or answering each one on its own.
   */
  private transmit(batch: Pending[]): void {
    const fail = (err: SocketError) => {
      for (const e of batch) this.fail(e.seq, err);
    };
    try {
      const data = batch.length === 1 ? batch[0]!.bytes : batch.map((e) => e.bytes);
      this.raw.send(data, { port: 0 }, (err) => {
        if (err)
          fail(new SocketError(`${batch[0]!.operation}: sendmsg failed: ${err.message}`, err.errno, err));
      });
    } catch (err) {
      fail(new SocketError(`${batch[0]!.operation}: send failed: ${(err as Error).message}`, undefined, err));
    }
  }

  /**
   * Run a stoppable dump on the side socket (opened now if needed). The
   * request stays this socket's: its window slot, timeout, signal and
   * close are handled here; the side socket only carries the bytes.
   */
  private sendAside(e: Pending): void {
    const side = this.openSide(e);
    if (!side) return;
    e.side = side;
    const bytes = e.bytes;
    const summary = e.summary!;
    let lastDatagram: Uint8Array | undefined;
    /** The side socket's dump ended (its NLMSG_DONE came, or it failed). */
    let ended = false;
    const visit: DumpVisitor = (h, datagram, start, end) => {
      if (this.pending.get(e.seq) !== e || e.draining) return;
      if (h.flags & NLM_F_DUMP_INTR) summary.interrupted = true;
      if (h.flags & NLM_F_DUMP_FILTERED) summary.filtered = true;
      summary.messages++;
      if (datagram !== lastDatagram) {
        lastDatagram = datagram;
        summary.datagrams++;
      }
      if (e.visit?.(h, datagram, start, end) === false) this.stopAside(e, side, datagram, end, () => ended);
    };
    side
      .dump(
        (seq) => {
          put32le(bytes, NLMSG_SEQ_OFFSET, seq);
          return bytes;
        },
        visit,
        { operation: e.operation, timeout: 0 },
      )
      .then(
        () => {
          ended = true;
          if (this.pending.get(e.seq) === e) this.succeed(e, summary);
        },
        (err) => {
          ended = true;
          this.dropSide(side);
          if (this.pending.get(e.seq) === e) this.fail(e.seq, err);
        },
      );
  }

  /** The side socket for stoppable dumps, opened now if needed; undefined (and `e` failed) when it cannot be. */
  private openSide(e: Pending): NetlinkSocket | undefined {
    try {
      // Fixed 32 KiB reads: a socket that may read one datagram has nothing to gain from priming.
      // In this socket's namespace: a dump answers for the namespace of the socket that asks.
      this.side ??= NetlinkSocket.open({
        datagramSize: 32 * 1024,
        ...(this.ns ? { netns: { fd: this.ns.fd } } : {}),
      });
      return this.side;
    } catch (err) {
      this.fail(e.seq, err);
      return undefined;
    }
  }

  /**
   * The visitor stopped a dump on the side socket at `datagram[end]`: the
   * request succeeds now, and the side socket is closed unless the whole
   * answer has already been read.
   */
  private stopAside(
    e: Pending,
    side: NetlinkSocket,
    datagram: Uint8Array,
    end: number,
    ended: () => boolean,
  ): void {
    e.summary!.stopped = true;
    if (!doneFollows(datagram, end)) {
      // The kernel is still sending: closing the side socket now, before
      // the next datagram is read, is what makes it drop the rest.
      this.dropSide(side);
      this.succeed(e, e.summary!);
      return;
    }
    // Detached until its NLMSG_DONE (already read) has been seen.
    if (this.side === side) this.side = undefined;
    setImmediate(() => {
      // The whole answer was in what was read (a small namespace): keep the socket.
      // Otherwise closing it is what makes the kernel drop the rest.
      if (ended() && !side.isClosed && !this.closed && this.side === undefined) this.side = side;
      else if (this.side !== side) side.close();
    });
    this.succeed(e, e.summary!);
  }

  /** Close a side socket; the next stoppable dump opens a new one. */
  private dropSide(side: NetlinkSocket): void {
    if (this.side === side) this.side = undefined;
    side.close();
  }

  /** Forget a request (answered, failed or abandoned) and let the next ones go. */
  private settle(e: Pending): void {
    this.pending.delete(e.seq);
    if (e.sent) {
      this.inFlight--;
      if (e.mode === 'dump') this.dumpActive = false;
    } else {
      const i = this.queue.indexOf(e);
      if (i >= 0) this.queue.splice(i, 1);
    }
    this.schedulePump();
    this.updateRef();
  }

  /** Settle one pending request with an error. */
  private fail(seq: number, err: unknown): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.release(p);
    this.settle(p);
    if (!p.draining) p.reject(err);
  }

  private succeed(p: Pending, value: unknown): void {
    this.release(p);
    this.settle(p);
    if (!p.draining) p.resolve(value);
  }

  private receive(datagram: Uint8Array): void {
    this.received++;
    try {
      forEachMessage(datagram, (h, start, end) => this.dispatch(h, datagram, start, end));
    } catch (e) {
      // A malformed datagram: fail whatever it was for, if we can tell; never throw into the socket.
      const seq = seqOf(datagram);
      if (this.pending.has(seq)) this.fail(seq, e);
    }
  }

  /**
   * Route one received message to the request it answers (or to the event
   * listener). Long on purpose: it runs once per message of every dump and
   * answer, and keeping the cases in one function kept the per-request
   * benchmark's user CPU down.
   */
  private dispatch(h: NetlinkHeader, datagram: Uint8Array, start: number, end: number): void {
    if (this.barriers.size > 0 && h.pid === this.port) this.passBarrier(h.seq);
    const p = h.seq !== 0 && h.pid === this.port ? this.pending.get(h.seq) : undefined;
    if (!p) {
      // Multicast notifications carry seq 0 (or another socket's seq when the kernel echoes a change).
      if (h.type !== NLMSG_ERROR && h.type !== NLMSG_DONE && this.onEvent)
        this.onEvent(h, datagram, start, end);
      return;
    }
    if (h.type === NLMSG_NOOP || h.type === NLMSG_OVERRUN) return;
    if (h.type === NLMSG_ERROR) {
      const e = decodeErrorPayload(
        datagram.subarray(start + NLMSG_HDRLEN, end),
        h.flags,
        start + NLMSG_HDRLEN,
      );
      if (e.errno === 0) {
        // A success ACK. For dumps and replies it only appears with NLM_F_ACK; treat as the end.
        this.succeed(p, p.mode === 'dump' ? p.summary : p.echo);
      } else {
        this.fail(p.seq, new NetlinkErrorAnswer(e.errno, e.extAck));
      }
      return;
    }
    if (p.mode === 'dump') {
      const s = p.summary!;
      if (h.flags & NLM_F_DUMP_INTR) s.interrupted = true;
      if (h.type === NLMSG_DONE) {
        // NLMSG_DONE carries an int error; a negative one means the dump failed.
        if (end - start >= NLMSG_HDRLEN + 4) {
          const code = new DataView(datagram.buffer, datagram.byteOffset + start + NLMSG_HDRLEN, 4).getInt32(
            0,
            true,
          );
          if (code < 0) {
            this.fail(p.seq, new NetlinkErrorAnswer(-code));
            return;
          }
        }
        this.succeed(p, s);
        return;
      }
      if (h.flags & NLM_F_DUMP_FILTERED) s.filtered = true;
      s.messages++;
      if (p.lastDatagram !== this.received) {
        p.lastDatagram = this.received;
        s.datagrams++;
      }
      if (p.visit) {
        try {
          if (p.visit(h, datagram, start, end) === false) {
            // Stopped: resolve now, drop the rest of the dump until its end.
            s.stopped = true;
            const res = p.resolve;
            p.draining = true;
            p.visit = undefined;
            this.release(p);
            res(s);
          }
        } catch (e) {
          // The visitor failed (e.g. a parse error): report it, drain the rest.
          const rej = p.reject;
          p.draining = true;
          p.visit = undefined;
          this.release(p);
          rej(e);
        }
      }
      return;
    }
    if (p.mode === 'reply') {
      // A view, not a copy: the native layer never writes over bytes it has
      // handed out (each datagram gets fresh room in its receive slab), and
      // an ArrayBuffer per answer was a large part of a request's cost.
      this.succeed(p, start === 0 && end === datagram.byteLength ? datagram : datagram.subarray(start, end));
      return;
    }
    // An 'ack' request: anything before the ACK is the kernel's echo (NLM_F_ECHO); keep the first.
    if (!p.echo) p.echo = datagram.slice(start, end);
  }

  /**
   * Any answer to `seq` means the kernel got past it: the requests sent
   * before it without NLM_F_ACK that have not failed by now succeeded (even
   * if `seq` itself was abandoned meanwhile).
   */
  private passBarrier(seq: number): void {
    const quiet = this.barriers.get(seq);
    if (!quiet) return;
    this.barriers.delete(seq);
    for (const e of quiet) if (this.pending.get(e.seq) === e) this.succeed(e, e.echo);
  }

  private truncated(msg: Uint8Array, size: number | undefined): void {
    const seq = seqOf(msg);
    const err = new SocketError(`a ${size ?? '?'}-byte netlink message did not fit the receive buffer`);
    if (this.pending.has(seq)) this.fail(seq, err);
    else this.onEventError?.(err);
  }

  private socketError(err: { errno?: number; message: string }): void {
    const errno = err.errno;
    if (errno === Errno.ENOBUFS) {
      // The kernel dropped messages: the watcher must resync. A request sent
      // without NLM_F_ACK may have lost its failure answer: never report it done.
      this.onEventError?.(new SocketError('netlink receive buffer overflowed: events were lost', errno, err));
      for (const quiet of this.barriers.values()) {
        for (const e of quiet) {
          this.fail(
            e.seq,
            new SocketError(
              `${e.operation}: the receive buffer overflowed before the answer came; ${MAYBE_APPLIED}`,
              errno,
              err,
            ),
          );
        }
      }
      this.barriers.clear();
      return;
    }
    const e = new SocketError(`netlink socket error: ${err.message}`, errno, err);
    this.onEventError?.(e);
    this.closeWith(e);
  }

  private closeWith(cause: SocketError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.pending.values()];
    this.pending.clear();
    this.queue.length = 0;
    this.barriers.clear();
    for (const list of this.deadlines.values()) clearTimeout(list.timer);
    this.deadlines.clear();
    for (const p of all) {
      this.release(p);
      // A change that was sent may have been made: say so rather than imply it was not.
      if (!p.draining)
        p.reject(cause ?? new SocketClosedError(p.operation, undefined, p.sent && p.mode === 'ack'));
    }
    if (this.side) this.dropSide(this.side);
    this.raw.close();
    this.ns?.close();
  }

  /** Close the socket; pending requests reject with {@link SocketClosedError}. Idempotent. */
  close(): void {
    this.closeWith(undefined);
  }
}
