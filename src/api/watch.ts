/**
 * watchTunnels: tunnel events from the kernel's link notifications, with
 * the tunnel's previous state, and a resync when events were lost.
 */

import { RTM_DELLINK } from '../codec/constants.js';
import { Errno } from '../codec/errno.js';
import type { LinkMessage, Tunnel, TunnelKind } from '../codec/types.js';
import { dumpLinks } from '../transport/dump.js';
import { DumpInterruptedError, KernelError, SocketError, TimeoutError } from '../transport/errors.js';
import { type LinkSubscription, subscribeLinks } from '../transport/events.js';
import { netnsPath } from '../transport/netns.js';
import type { NetlinkTransport } from '../transport/socket.js';
import { InvalidArgumentError } from './errors.js';
import { sameParams } from './fields.js';
import type { NetnsRef } from './types.js';
import { checkOptions, WATCH_LINKS_OPTIONS, WATCH_OPTIONS } from './validate.js';

/** An item (tunnel or link) appeared, changed or disappeared. */
export interface WatchChange<T> {
  /** What happened. */
  type: 'added' | 'changed' | 'removed';
  /** The item now (for `removed`: as it was last seen). */
  tunnel: T;
  /** For `changed`: the item before the change. */
  previous?: T;
}

/** Events were lost (the socket overflowed): the differences were emitted, and this closes the resync. */
export interface WatchResync<T> {
  /** Always `resync`. */
  type: 'resync';
  /** Every item after the resync. */
  tunnels: T[];
  /**
   * Reads of the full state this resync took: 1 when the first succeeded.
   * More when a storm of changes kept interrupting the read
   * (DumpInterruptedError) or the kernel was busy; the watcher waits a
   * little longer before each new read (see the watching guide). 0 when
   * nothing was read: events waiting to be taken were too many and were
   * merged into the differences before this event. Always set by the watcher.
   */
  attempts?: number;
}

/** A tunnel appeared, changed or disappeared. */
export type TunnelChange = WatchChange<Tunnel>;
/** What {@link watchTunnels} yields. */
export type TunnelEvent = WatchChange<Tunnel> | WatchResync<Tunnel>;
/** What {@link watchLinks} yields (`tunnel` holds the link). */
export type LinkEvent = WatchChange<LinkMessage> | WatchResync<LinkMessage>;

/** Options of {@link watchTunnels}. */
export interface WatchOptions {
  /** Only this kind; default both. */
  kind?: TunnelKind;
  /** Stop watching: the iteration ends. */
  signal?: AbortSignal;
  /** Emit an `added` event for each tunnel that exists when watching starts. Default false. */
  initial?: boolean;
  /** Receive buffer for events in bytes (default 4 MiB; the kernel caps it at net.core.rmem_max). */
  recvBufferSize?: number;
  /**
   * No effect; still accepted (a boolean) for compatibility. Events are
   * always read in this process: an overrun of the receive buffer is
   * reported and followed by a resync, so no separate reader process is
   * needed.
   */
  isolate?: boolean;
  /**
   * Watch another network namespace (name under /run/netns, path, or pid):
   * the event socket is opened inside it, in this process.
   */
  netns?: NetnsRef;
}

/** First wait before reading the state again after a read failed for a passing reason, in ms. */
const RETRY_FIRST_DELAY = 50;
/** Longest wait between two reads of the state, in ms. */
const RETRY_MAX_DELAY = 5000;
/**
 * Most notifications kept while the state is being read. Past it they are
 * dropped and the state is read once more instead: a storm costs a read,
 * not memory.
 */
const MAX_BUFFERED_EVENTS = 10_000;
/**
 * Most events waiting for the consumer. Past it they are merged: the
 * consumer gets the differences from what it last saw, then a `resync`.
 */
const MAX_QUEUED_EVENTS = 10_000;
/** errno values after which the same read can succeed. */
const PASSING_ERRNOS = new Set<number>([Errno.EINTR, Errno.EAGAIN, Errno.EBUSY, Errno.ENOBUFS]);

/**
 * True when reading the state failed for a passing reason (changes kept
 * interrupting the dump, the kernel was busy or slow): the watcher reads
 * again. Anything else (EPERM, a closed socket, …) ends the watch.
 */
function isPassingFailure(e: unknown): boolean {
  if (e instanceof DumpInterruptedError || e instanceof TimeoutError) return true;
  if (!(e instanceof SocketError) && !(e instanceof KernelError)) return false;
  return e.errno !== undefined && PASSING_ERRNOS.has(e.errno);
}

/** The wait before read number `attempt + 1`: doubling from RETRY_FIRST_DELAY, capped, with jitter (half to all of it). */
function retryDelay(attempt: number): number {
  const full = Math.min(RETRY_MAX_DELAY, RETRY_FIRST_DELAY * 2 ** Math.min(attempt - 1, 16));
  return full / 2 + Math.random() * (full / 2);
}

/** The watchers waiting on one AbortSignal, behind the one listener it gets. */
interface AbortWatch {
  listener: () => void;
  callbacks: Set<() => void>;
}

const abortWatches = new WeakMap<AbortSignal, AbortWatch>();

/**
 * Call `callback` when `signal` aborts; returns the way to stop. However many
 * watchers share a signal, it gets one listener (more than ten made Node warn,
 * MaxListenersExceededWarning), removed when the last watcher stops.
 */
function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let watch = abortWatches.get(signal);
  if (!watch) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      abortWatches.delete(signal);
      for (const cb of [...callbacks]) cb();
    };
    signal.addEventListener('abort', listener, { once: true });
    watch = { listener, callbacks };
    abortWatches.set(signal, watch);
  }
  const mine = watch;
  mine.callbacks.add(callback);
  return () => {
    mine.callbacks.delete(callback);
    if (mine.callbacks.size === 0 && abortWatches.get(signal) === mine) {
      abortWatches.delete(signal);
      signal.removeEventListener('abort', mine.listener);
    }
  };
}

/** Fields compared to decide whether a notification changed anything users see (counters excluded). */
export function sameTunnel(a: Tunnel, b: Tunnel): boolean {
  return (
    a.name === b.name &&
    sameParams(a, b) &&
    a.mtu === b.mtu &&
    a.address === b.address &&
    a.flags === b.flags &&
    a.operState === b.operState &&
    a.master === b.master &&
    a.carrier === b.carrier
  );
}

/** What a watcher needs to know about the items it follows. */
export interface WatchSpec<T extends { index: number }> {
  kinds: string[];
  project: (msg: LinkMessage) => T | undefined;
  same: (a: T, b: T) => boolean;
  signal?: AbortSignal | undefined;
  initial?: boolean | undefined;
  recvBufferSize?: number | undefined;
  isolate?: boolean | undefined;
  netns?: NetnsRef | undefined;
  /** How to subscribe (tests replace the kernel here). */
  subscribe?: (sub: LinkSubscription) => WatchSocket;
}

/**
 * What a watcher needs from its event source: requests (for the initial read
 * and resyncs, answered in the namespace the events come from), close, and
 * optionally a promise of being subscribed.
 */
export type WatchSocket = NetlinkTransport & {
  readonly isClosed: boolean;
  /** Resolves once events flow; the initial read starts after it. */
  readonly ready?: Promise<void>;
};

/** Options of the event source behind a watcher. */
interface SourceOptions {
  netns?: NetnsRef | undefined;
  recvBufferSize?: number | undefined;
}

/**
 * The event source: a socket of this process joined to the link events,
 * opened inside the watched namespace when it is another. A namespace that
 * cannot be entered fails the iteration (like any failure of the watch),
 * not the call.
 */
function openSource(sub: LinkSubscription, o: SourceOptions): WatchSocket {
  const full: LinkSubscription = {
    ...sub,
    ...(o.recvBufferSize !== undefined ? { recvBufferSize: o.recvBufferSize } : {}),
  };
  if (o.netns === undefined) return subscribeLinks(full);
  try {
    return subscribeLinks({ ...full, netns: { path: netnsPath(o.netns) } });
  } catch (e) {
    return failedSource(e);
  }
}

/** A source that never opened: its `ready` rejects with `error`, and so does every request. */
function failedSource(error: unknown): WatchSocket {
  const refused = () => Promise.reject(error);
  const ready = Promise.reject(error);
  // Handled here too: a watcher aborted before it waits on `ready` must not leave an unhandled rejection.
  ready.catch(() => {});
  return { isClosed: true, ready, ack: refused, reply: refused, dump: refused, close() {} };
}

function sameLink(a: LinkMessage, b: LinkMessage): boolean {
  return (
    a.name === b.name &&
    a.mtu === b.mtu &&
    a.address === b.address &&
    a.flags === b.flags &&
    a.operState === b.operState &&
    a.master === b.master &&
    a.carrier === b.carrier &&
    a.link === b.link
  );
}

/**
 * Tunnel events in kernel order, until `signal` aborts or `return()` is
 * called (e.g. `break` out of `for await`). Keepalive liveness shows as a
 * `changed` event whose `running` flipped. When the kernel drops events
 * (socket overflow), the watcher re-reads all tunnels, emits the differences,
 * then a `resync` event: nothing is missed silently. A re-read that a storm
 * of changes keeps interrupting is tried again, waiting a little longer each
 * time (from 50 ms up to 5 s, jittered), until it succeeds; the watch ends
 * only on abort, `return()`, or a failure that retrying cannot cure (e.g.
 * EPERM), which the iteration throws.
 *
 * A change the kernel does not announce is seen only with the tunnel's next
 * event: the eoip driver sends no notification when the parameters of a
 * tunnel that is down change (e.g. its ttl while the interface is down;
 * `ip monitor link` shows nothing either). The new values appear folded
 * into the next `changed` event of that tunnel, such as when it is brought up.
 *
 * @param opts - `kind` (default both), `initial` (an `added` event per existing tunnel, default false),
 *   `signal` (ends the iteration), `recvBufferSize` in bytes (default 4 MiB), `isolate` (no effect,
 *   kept for compatibility), `netns` (default the process's own)
 * @throws {@link InvalidArgumentError} at once, for a bad option
 * @throws {@link SocketError} at once when no netlink socket can be opened; from the iteration
 *   when the namespace cannot be opened or is not one, or the socket fails
 * @throws {@link PermissionError} from the iteration, when the process may not enter `netns` (setns
 *   needs CAP_SYS_ADMIN in the namespace's owning user namespace)
 * @throws {@link KernelError} from the iteration, when reading the tunnels fails for good (e.g. EPERM)
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * for await (const ev of watchTunnels({ signal: ac.signal })) {
 *   if (ev.type === 'changed' && ev.previous?.running !== ev.tunnel.running) {
 *     console.log(`${ev.tunnel.name} is ${ev.tunnel.running ? 'up' : 'down'}`);
 *   }
 * }
 * ```
 */
export function watchTunnels(opts: WatchOptions = {}): AsyncIterableIterator<TunnelEvent> {
  opts = checkOptions(opts, WATCH_OPTIONS);
  if (opts.kind !== undefined && opts.kind !== 'eoip' && opts.kind !== 'eoipv6') {
    throw new InvalidArgumentError('kind', opts.kind, "'eoip' or 'eoipv6'");
  }
  return createWatcher<Tunnel>({
    kinds: opts.kind ? [opts.kind] : ['eoip', 'eoipv6'],
    project: (m) => m.tunnel,
    same: sameTunnel,
    signal: opts.signal,
    initial: opts.initial,
    recvBufferSize: opts.recvBufferSize,
    isolate: opts.isolate,
    netns: opts.netns,
  });
}

/**
 * Events of links of any kind (e.g. the bridge a tunnel is enslaved to), with
 * the same guarantees as {@link watchTunnels}. Counter-only updates are not events.
 *
 * @param opts - `kind` (required: the link kind to watch, e.g. `bridge`), `initial` (an `added`
 *   event per existing link, default false), `signal` (ends the iteration), `recvBufferSize` in
 *   bytes (default 4 MiB), `isolate` (no effect), `netns` (default the process's own)
 * @throws {@link InvalidArgumentError} at once, for a bad or missing option
 * @throws {@link SocketError} at once when no netlink socket can be opened; from the iteration
 *   when the namespace cannot be opened or is not one, or the socket fails
 * @throws {@link PermissionError} from the iteration, when the process may not enter `netns` (setns
 *   needs CAP_SYS_ADMIN in the namespace's owning user namespace)
 * @throws {@link KernelError} from the iteration, when reading the links fails for good (e.g. EPERM)
 */
export function watchLinks(
  opts: { kind: string } & Omit<WatchOptions, 'kind'>,
): AsyncIterableIterator<LinkEvent> {
  opts = checkOptions(opts, WATCH_LINKS_OPTIONS);
  if (typeof opts.kind !== 'string' || opts.kind === '')
    throw new InvalidArgumentError('kind', opts.kind, 'a link kind');
  return createWatcher<LinkMessage>({
    kinds: [opts.kind],
    project: (m) => m,
    same: sameLink,
    signal: opts.signal,
    initial: opts.initial,
    recvBufferSize: opts.recvBufferSize,
    isolate: opts.isolate,
    netns: opts.netns,
  });
}

/** What a watcher yields. */
type WatchEvent<T> = WatchChange<T> | WatchResync<T>;

/**
 * One watcher's state: the items it follows (from reads and notifications),
 * the events waiting for the consumer and what the consumer has seen, and
 * the socket the notifications come from.
 */
class Watcher<T extends { index: number }> {
  private readonly spec: WatchSpec<T>;
  private readonly sock: WatchSocket;
  /** Every item as the kernel last reported it, by ifindex. */
  private readonly state = new Map<number, T>();
  /** Events waiting for the consumer. */
  private readonly queue: WatchEvent<T>[] = [];
  /** Every item as the consumer last saw it (through the events it took). */
  private readonly delivered = new Map<number, T>();
  /** Events were dropped from a full queue: the consumer gets the differences next. */
  private behind = false;
  /** The consumer's pending `next()`, when the queue was empty. */
  private waiter: ((r: IteratorResult<WatchEvent<T>>) => void) | undefined;
  /** What ended the watch, until the consumer is told. */
  private failure: unknown;
  private done = false;
  /** The first read is done: resyncs may run. */
  private ready = false;
  /**
   * Notifications that arrived while the state was being read: applied after
   * the read, so that a read older than them never has the last word.
   */
  private readonly held: LinkMessage[] = [];
  /** The state is being read (first read or a resync): notifications are held. */
  private reading = true;
  /** Events were lost since the last read began: read again. */
  private resyncWanted = false;
  private resyncing = false;
  /** Wakes a wait between two reads early (on finish). */
  private wake: (() => void) | undefined;
  private stopWatchingSignal: (() => void) | undefined;

  /** Subscribe, follow the signal, and start the first read. */
  constructor(spec: WatchSpec<T>) {
    this.spec = spec;
    const sub: LinkSubscription = {
      kinds: spec.kinds,
      ...(spec.recvBufferSize !== undefined ? { recvBufferSize: spec.recvBufferSize } : {}),
      onLink: (msg) => this.receive(msg),
      // A notification that could not be read may have changed anything: read everything.
      onUndecodable: () => void this.resync(),
      onLost: (err) => {
        // ENOBUFS: events were dropped but the socket lives on. Anything else ends the watch.
        if ((err as { errno?: number }).errno === Errno.ENOBUFS && !this.sock.isClosed) void this.resync();
        else this.finish(err);
      },
    };
    this.sock = spec.subscribe
      ? spec.subscribe(sub)
      : openSource(sub, { netns: spec.netns, recvBufferSize: spec.recvBufferSize });
    if (spec.signal?.aborted) this.finish();
    else if (spec.signal) this.stopWatchingSignal = onAbort(spec.signal, () => this.finish());
    if (!this.done) this.start();
  }

  /** The iterator's `next()`: a queued event, the end (or its failure), or a wait for the next event. */
  next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.behind && !this.done) this.catchUp();
    const ev = this.queue.shift();
    if (ev) return Promise.resolve(this.deliver(ev));
    if (this.done) {
      if (this.failure !== undefined) {
        const f = this.failure;
        this.failure = undefined;
        return Promise.reject(f);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = (r) => {
        if (r.done && this.failure !== undefined) {
          const f = this.failure;
          this.failure = undefined;
          reject(f);
        } else resolve(r);
      };
    });
  }

  /** Stop watching; a pending `next()` resolves as done. */
  finish(err?: unknown): void {
    if (this.done) return;
    if (err !== undefined) this.failure = err;
    this.done = true;
    this.held.length = 0;
    this.wake?.();
    this.sock.close();
    this.stopWatchingSignal?.();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  /** Subscribed first, then read: nothing that happens in between is lost. */
  private start(): void {
    void Promise.resolve(this.sock.ready)
      .then(() => this.readUntilDone())
      .then(
        ({ items }) => this.applyFirstRead(items),
        (e) => this.finish(e),
      );
  }

  /** The first read: the state to count from (or `added` events with `initial`), then what was held. */
  private applyFirstRead(items: T[]): void {
    if (this.done) return;
    for (const item of items) {
      this.state.set(item.index, item);
      // Without `initial`, what exists at the start is what later differences count from.
      if (this.spec.initial) this.emit({ type: 'added', tunnel: item });
      else this.delivered.set(item.index, item);
    }
    this.ready = true;
    this.applyHeld();
    // Events lost while the first read ran: read again.
    if (this.resyncWanted) void this.resync();
  }

  /** Hand `ev` to the consumer: what it knows changes accordingly. */
  private deliver(ev: WatchEvent<T>): IteratorResult<WatchEvent<T>> {
    if (ev.type === 'resync') {
      this.delivered.clear();
      for (const item of ev.tunnels) this.delivered.set(item.index, item);
    } else if (ev.type === 'removed') this.delivered.delete(ev.tunnel.index);
    else this.delivered.set(ev.tunnel.index, ev.tunnel);
    return { value: ev, done: false };
  }

  private emit(ev: WatchEvent<T>): void {
    if (this.done || this.behind) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(this.deliver(ev));
    } else if (this.queue.length < MAX_QUEUED_EVENTS) this.queue.push(ev);
    else {
      // A consumer this far behind gets the differences instead (catchUp).
      this.queue.length = 0;
      this.behind = true;
    }
  }

  /** Queue the differences between what the consumer saw and the state now, then a `resync`. */
  private catchUp(): void {
    this.behind = false;
    for (const [index, item] of this.delivered) {
      if (!this.state.has(index)) this.queue.push({ type: 'removed', tunnel: item });
    }
    for (const [index, item] of this.state) {
      const prev = this.delivered.get(index);
      if (prev === undefined) this.queue.push({ type: 'added', tunnel: item });
      else if (prev !== item && !this.spec.same(prev, item))
        this.queue.push({ type: 'changed', tunnel: item, previous: prev });
    }
    this.queue.push({ type: 'resync', tunnels: this.sortedState(), attempts: 0 });
  }

  /** Every item known now, by ifindex. */
  private sortedState(): T[] {
    return [...this.state.values()].sort((a, b) => a.index - b.index);
  }

  private update(item: T): void {
    const prev = this.state.get(item.index);
    this.state.set(item.index, item);
    if (prev === undefined) this.emit({ type: 'added', tunnel: item });
    else if (!this.spec.same(prev, item)) this.emit({ type: 'changed', tunnel: item, previous: prev });
  }

  /** A notification applied to the state, with the event it makes. */
  private apply(msg: LinkMessage): void {
    const item = this.spec.project(msg);
    if (!item) return;
    if (msg.messageType === RTM_DELLINK) {
      const prev = this.state.get(item.index);
      if (this.state.delete(item.index)) this.emit({ type: 'removed', tunnel: prev ?? item });
      return;
    }
    this.update(item);
  }

  /** A notification: applied now, or held while the state is being read. */
  private receive(msg: LinkMessage): void {
    if (this.done) return;
    if (!this.reading) {
      this.apply(msg);
      return;
    }
    if (this.held.length < MAX_BUFFERED_EVENTS) {
      this.held.push(msg);
      return;
    }
    // Too many to hold: drop them and read the state again after this read.
    this.held.length = 0;
    this.resyncWanted = true;
  }

  /** After a read: the notifications held meanwhile, in order. */
  private applyHeld(): void {
    this.reading = false;
    for (const m of this.held.splice(0)) this.apply(m);
  }

  /** Wait `ms`, or less if the watcher finishes meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Every item of the watched kinds, by ifindex. */
  private async readAll(): Promise<T[]> {
    const out: T[] = [];
    for (const kind of this.spec.kinds) {
      for (const l of await dumpLinks(this.sock, { kind, stats: false })) {
        const item = this.spec.project(l);
        if (item) out.push(item);
      }
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** Read the state until a read succeeds; a passing failure waits (see {@link retryDelay}) and reads again. */
  private async readUntilDone(): Promise<{ items: T[]; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { items: await this.readAll(), attempts: attempt };
      } catch (e) {
        if (this.done || !isPassingFailure(e)) throw e;
        await this.pause(retryDelay(attempt));
        if (this.done) throw e;
      }
    }
  }

  /** Apply a full read: the differences from what was known, then the `resync` event. */
  private applyRead(now: T[], attempts: number): void {
    const seen = new Set<number>();
    for (const item of now) {
      seen.add(item.index);
      this.update(item);
    }
    for (const [index, item] of [...this.state]) {
      if (!seen.has(index)) {
        this.state.delete(index);
        this.emit({ type: 'removed', tunnel: item });
      }
    }
    this.applyHeld();
    this.emit({ type: 'resync', tunnels: this.sortedState(), attempts });
  }

  /** Events were lost: read everything again (once more if more are lost meanwhile). */
  private async resync(): Promise<void> {
    this.resyncWanted = true;
    // A resync running will read again; the first read is followed by one.
    if (this.resyncing || this.done || !this.ready) return;
    this.resyncing = true;
    try {
      while (this.resyncWanted && !this.done) {
        this.resyncWanted = false;
        this.reading = true;
        const { items, attempts } = await this.readUntilDone();
        if (this.done) return;
        this.applyRead(items, attempts);
      }
    } catch (e) {
      this.finish(e);
    } finally {
      this.resyncing = false;
    }
  }
}

/** The watcher behind {@link watchTunnels} and {@link watchLinks}. @internal */
export function createWatcher<T extends { index: number }>(
  spec: WatchSpec<T>,
): AsyncIterableIterator<WatchChange<T> | WatchResync<T>> {
  const watcher = new Watcher(spec);
  const iterator: AsyncIterableIterator<WatchEvent<T>> = {
    next(): Promise<IteratorResult<WatchEvent<T>>> {
      return watcher.next();
    },
    return(): Promise<IteratorResult<WatchEvent<T>>> {
      watcher.finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
