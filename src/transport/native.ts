/**
 * The native netlink socket (native/netlink.c, on Node-API only) and the
 * small class over it that {@link NetlinkSocket} uses. The binding returns
 * every kernel failure as a negative errno; this module turns them into
 * {@link NativeSocketError}s, owns the receive memory and reads datagrams
 * when the socket is readable.
 *
 * Received datagrams are views into slabs of 64 KiB that are never written
 * twice: a view the caller keeps (a decoded message holds views into its
 * datagram) stays valid, and no memory is allocated per datagram.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errno, errnoName } from '../codec/errno.js';
import { runsOnMusl } from './libc.js';

/** The file name of the compiled binding. */
export const BINDING_FILE = 'eoip_netlink.node';

/** Environment variable naming a binding file to load instead of the bundled ones. */
export const BINDING_ENV = 'EOIP_NETLINK_NATIVE';

/** An open socket inside the binding (opaque). */
type Handle = { readonly __nativeSocket: unique symbol };

/** What native/netlink.c exports. Numbers below 0 are negated errno values. */
interface Binding {
  open(
    protocol: number,
    onReadable: (status: number) => void,
    netnsPath?: string,
    netnsFd?: number,
  ): Handle | number;
  adopt(fd: number, onReadable: (status: number) => void): Handle | number;
  socketPair(): [number, number] | number;
  port(h: Handle): number;
  setOption(h: Handle, level: number, name: number, value: number): number;
  getOption(h: Handle, level: number, name: number): number;
  send(h: Handle, data: Uint8Array | readonly Uint8Array[]): number;
  recv(h: Handle, buf: Uint8Array, offset: number, limit: number, flags: number): number;
  ref(h: Handle, want: boolean): void;
  close(h: Handle): void;
  fd(h: Handle): number;
}

const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;
const NETLINK_DROP_MEMBERSHIP = 2;
const NETLINK_EXT_ACK = 11;
const NETLINK_GET_STRICT_CHK = 12;
/** recv flag: peek first, consume only when the datagram fits. */
const RECV_PEEK = 1;

/** Bytes of one receive slab. */
const SLAB_BYTES = 64 * 1024;
/** Room below which a fresh slab is taken before reading (a dump datagram is up to 32 KiB). */
const MIN_ROOM = 8 * 1024;
/** Datagrams read per readiness callback, so that a flood cannot starve the event loop. */
const READS_PER_WAKE = 32;

/** A failure of the native socket: errno, its name and the system call. */
export class NativeSocketError extends Error {
  /** Positive errno. */
  readonly errno: number;
  /** Its symbolic name, e.g. `ENOBUFS`. */
  readonly code: string;
  /** The call that failed. */
  readonly syscall: string;
  /** @param syscall the call that failed @param errno positive errno @param detail extra text */
  constructor(syscall: string, errno: number, detail?: string) {
    super(`${syscall} failed: ${errnoName(errno)}${detail ? ` (${detail})` : ''}`);
    this.name = 'NativeSocketError';
    this.errno = errno;
    this.code = errnoName(errno);
    this.syscall = syscall;
  }
}

let binding: Binding | undefined;

/** The platform directory of the prebuilt binaries, e.g. `linux-x64` and, for musl, `linux-x64-musl`. */
function prebuildDirs(): string[] {
  const base = `${process.platform}-${process.arch}`;
  // musl's loader may accept a glibc build too: a musl process prefers its own.
  return runsOnMusl() ? [`${base}-musl`, base] : [base, `${base}-musl`];
}

/**
 * The files the loader tries, in order: `$EOIP_NETLINK_NATIVE` when set, then
 * in each directory from this module's up to the package root (the first one
 * holding a package.json): `prebuilds/<platform>-<arch>[-musl]/eoip_netlink.node`,
 * then `build/Release/eoip_netlink.node`.
 */
export function bindingCandidates(from: string = moduleDir()): string[] {
  const out: string[] = [];
  const override = process.env[BINDING_ENV];
  if (override) out.push(override);
  let dir = from;
  for (let depth = 0; depth < 6; depth++) {
    for (const p of prebuildDirs()) out.push(join(dir, 'prebuilds', p, BINDING_FILE));
    out.push(join(dir, 'build', 'Release', BINDING_FILE));
    if (existsSync(join(dir, 'package.json'))) break;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}

function moduleDir(): string {
  // import.meta.url also works in the CJS builds (tsup shims it).
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * Load the binding (once), from the first of {@link bindingCandidates} that
 * loads. Throws an Error naming every file tried when none does.
 */
export function loadBinding(): Binding {
  binding ??= loadFirst(bindingCandidates());
  return binding;
}

/**
 * Load the first of `files` that loads as the binding. Throws an Error
 * naming each file tried and why it failed (absent, or the loader's error).
 * @internal
 */
export function loadFirst(files: readonly string[]): Binding {
  const tried: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) {
      tried.push(`${file} (absent)`);
      continue;
    }
    try {
      const mod = { exports: {} as Binding };
      // process.dlopen instead of require: the same code in the ESM and the CJS builds.
      process.dlopen(mod, file);
      if (typeof mod.exports.open !== 'function') throw new Error('not the eoip-netlink binding');
      return mod.exports;
    } catch (e) {
      tried.push(`${file} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  throw new Error(
    `eoip-netlink: no native netlink binding loads on ${process.platform}-${process.arch}; ` +
      `build one with \`npm run build:native\` (needs node-gyp and a C compiler). Tried: ${tried.join('; ')}`,
  );
}

/** Options of {@link NativeNetlinkSocket.open}. */
export interface NativeSocketOptions {
  /** Open the socket inside this network namespace (a file such as /run/netns/NAME or /proc/PID/ns/net). */
  netnsPath?: string;
  /** Open the socket inside the network namespace of this open file descriptor. */
  netnsFd?: number;
  /** SO_RCVBUF in bytes (the kernel doubles it); unset keeps the system default. */
  recvBufferSize?: number;
  /**
   * Set the receive buffer with SO_RCVBUFFORCE, past net.core.rmem_max
   * (needs CAP_NET_ADMIN; without it, falls back to SO_RCVBUF). Default false.
   */
  rcvbufForce?: boolean;
  /** SO_SNDBUF in bytes; unset keeps the system default. */
  sendBufferSize?: number;
  /** NETLINK_EXT_ACK: the kernel explains refusals in text. Default true. */
  extAck?: boolean;
  /** NETLINK_GET_STRICT_CHK: strict checking of dump requests. Default false. */
  strictCheck?: boolean;
  /** Multicast groups to join. */
  groups?: readonly number[];
  /**
   * Bytes read per datagram. 0 (the default) peeks at each datagram's size
   * first and never cuts one; a positive size reads once and reports a
   * longer datagram as truncated.
   */
  datagramSize?: number;
}

/** Details of a datagram that did not fit. */
export interface TruncatedInfo {
  /** Its real length in bytes. */
  truncated: number;
}

/** Listeners of a {@link NativeNetlinkSocket}, one per event. */
interface Listeners {
  message: (datagram: Uint8Array) => void;
  truncatedMessage: (datagram: Uint8Array, info: TruncatedInfo) => void;
  error: (error: NativeSocketError) => void;
}

function checkSize(field: string, value: number | undefined, max = 0x7fffffff): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`invalid ${field}: ${String(value)} (allowed: an integer 0..${max})`);
  }
}

function checkOptions(o: NativeSocketOptions): void {
  checkSize('recvBufferSize', o.recvBufferSize);
  checkSize('sendBufferSize', o.sendBufferSize);
  checkSize('datagramSize', o.datagramSize, 16 * 1024 * 1024);
  checkSize('netnsFd', o.netnsFd);
  if (o.netnsPath !== undefined && (typeof o.netnsPath !== 'string' || o.netnsPath.includes('\0'))) {
    throw new TypeError('invalid netnsPath (allowed: a file path without NUL bytes)');
  }
  for (const g of o.groups ?? []) checkSize('group', g, 0xffffffff);
}

/** Netlink's message alignment; each datagram starts at such an offset in its slab. */
const alignUp = (n: number) => (n + 7) & ~7;

/**
 * A netlink socket on the native binding: bound to a port the kernel picks,
 * read whenever readable. Mirrors the subset of `dgram.Socket` the transport
 * uses: `on('message' | 'truncatedMessage' | 'error')`, `send`, `address`,
 * `addMembership`, `ref`/`unref`, `close`.
 */
export class NativeNetlinkSocket {
  private readonly native: Binding;
  private readonly handle: Handle;
  private readonly fixedSize: number;
  private slab = new Uint8Array(0);
  private used = 0;
  private closed = false;
  private readonly listeners: { [E in keyof Listeners]: Listeners[E][] } = {
    message: [],
    truncatedMessage: [],
    error: [],
  };

  private constructor(
    native: Binding,
    open: (onReadable: (status: number) => void) => Handle | number,
    fixedSize: number,
  ) {
    this.native = native;
    this.fixedSize = fixedSize;
    const h = open((status) => this.readable(status));
    if (typeof h === 'number') throw new NativeSocketError('socket', -h);
    this.handle = h;
  }

  /** Open a netlink socket of `protocol` (0 = NETLINK_ROUTE). Throws {@link NativeSocketError}. */
  static open(protocol: number, opts: NativeSocketOptions = {}): NativeNetlinkSocket {
    checkOptions(opts);
    checkSize('protocol', protocol, 31);
    const native = loadBinding();
    const sock = new NativeNetlinkSocket(
      native,
      (cb) => native.open(protocol, cb, opts.netnsPath, opts.netnsFd ?? -1),
      opts.datagramSize ?? 0,
    );
    try {
      sock.configure(opts);
    } catch (e) {
      sock.close();
      throw e;
    }
    return sock;
  }

  /**
   * Poll and read an fd opened elsewhere, e.g. one end of
   * {@link nativeSocketPair}: tests feed crafted datagrams through it.
   * @internal
   */
  static adopt(fd: number, opts: Pick<NativeSocketOptions, 'datagramSize'> = {}): NativeNetlinkSocket {
    checkOptions(opts);
    const native = loadBinding();
    return new NativeNetlinkSocket(native, (cb) => native.adopt(fd, cb), opts.datagramSize ?? 0);
  }

  private configure(o: NativeSocketOptions): void {
    if (o.extAck ?? true) this.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1, [Errno.ENOPROTOOPT]);
    if (o.strictCheck) this.setOption(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    if (o.recvBufferSize) {
      const forced =
        o.rcvbufForce && this.setOption(SOL_SOCKET, SO_RCVBUFFORCE, o.recvBufferSize, [Errno.EPERM]);
      if (!forced) this.setOption(SOL_SOCKET, SO_RCVBUF, o.recvBufferSize);
    }
    if (o.sendBufferSize) {
      const forced =
        o.rcvbufForce && this.setOption(SOL_SOCKET, SO_SNDBUFFORCE, o.sendBufferSize, [Errno.EPERM]);
      if (!forced) this.setOption(SOL_SOCKET, SO_SNDBUF, o.sendBufferSize);
    }
    for (const g of o.groups ?? []) this.addMembership(g);
  }

  /** setsockopt; false when it failed with one of `tolerated`, throws on any other failure. */
  private setOption(level: number, name: number, value: number, tolerated: number[] = []): boolean {
    const r = this.native.setOption(this.handle, level, name, value);
    if (r === 0) return true;
    if (tolerated.includes(-r)) return false;
    throw new NativeSocketError('setsockopt', -r, `level ${level}, option ${name}`);
  }

  /**
   * Read an int socket option (SO_RCVBUF, NETLINK_EXT_ACK, ...). Throws
   * {@link NativeSocketError}.
   */
  getOption(level: number, name: number): number {
    const r = this.native.getOption(this.handle, level, name);
    if (r < 0) throw new NativeSocketError('getsockopt', -r, `level ${level}, option ${name}`);
    return r;
  }

  /** Listen to an event; listeners run in the order they were added. */
  on<E extends keyof Listeners>(event: E, listener: Listeners[E]): this {
    (this.listeners[event] as Listeners[E][]).push(listener);
    return this;
  }

  /** The port id the kernel knows this socket by. */
  address(): { port: number } {
    const r = this.native.port(this.handle);
    if (r < 0) throw new NativeSocketError('getsockname', -r);
    return { port: r };
  }

  /** Join a multicast group. Throws {@link NativeSocketError}. */
  addMembership(group: number): void {
    checkSize('group', group, 0xffffffff);
    this.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group | 0);
  }

  /** Leave a multicast group. Throws {@link NativeSocketError}. */
  dropMembership(group: number): void {
    checkSize('group', group, 0xffffffff);
    this.setOption(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group | 0);
  }

  /** Let the socket keep the process alive. */
  ref(): void {
    if (!this.closed) this.native.ref(this.handle, true);
  }

  /** Stop the socket from keeping the process alive. */
  unref(): void {
    if (!this.closed) this.native.ref(this.handle, false);
  }

  /**
   * Send one datagram to the kernel: a message, or several in one sendmsg.
   * `callback` gets the failure, if any, in a microtask (never synchronously).
   */
  send(
    data: Uint8Array | readonly Uint8Array[],
    _to?: { port?: number },
    callback?: (error?: NativeSocketError) => void,
  ): void {
    const r = this.closed ? -Errno.EBADF : this.native.send(this.handle, data);
    const error = r < 0 ? new NativeSocketError('sendmsg', -r) : undefined;
    if (callback) queueMicrotask(() => callback(error));
    else if (error) queueMicrotask(() => this.emitError(error));
  }

  /** Stop reading and close the fd. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close(this.handle);
    this.slab = new Uint8Array(0);
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private emitError(error: NativeSocketError): void {
    for (const f of this.listeners.error) f(error);
  }

  /** Readiness callback: a pending socket error first, then the queued datagrams. */
  private readable(status: number): void {
    if (this.closed) return;
    if (status < 0) this.emitError(new NativeSocketError('poll', -status));
    for (let i = 0; i < READS_PER_WAKE && !this.closed; i++) {
      if (!this.readOne()) break;
    }
  }

  /** Take a fresh slab when the current one has less than `need` bytes left. */
  private ensureRoom(need: number): void {
    if (this.slab.byteLength - this.used >= need) return;
    this.slab = new Uint8Array(Math.max(SLAB_BYTES, alignUp(need)));
    this.used = 0;
  }

  /** Read one datagram; false when there is nothing more to read now. */
  private readOne(): boolean {
    const fixed = this.fixedSize;
    this.ensureRoom(fixed || MIN_ROOM);
    const start = this.used;
    const limit = fixed || this.slab.byteLength - start;
    const n = this.native.recv(this.handle, this.slab, start, limit, fixed ? 0 : RECV_PEEK);
    if (n < 0) {
      if (n === -Errno.EAGAIN) return false;
      this.emitError(new NativeSocketError('recvmsg', -n));
      // After ENOBUFS (an overrun, now reported) the socket reads on; any other error ends the batch.
      return n === -Errno.ENOBUFS;
    }
    if (n > limit && !fixed) {
      // Peeked and too big: still queued. Read it again into a slab of its size.
      this.ensureRoom(n);
      return true;
    }
    const length = Math.min(n, limit);
    const datagram = new Uint8Array(this.slab.buffer, start, length);
    this.used = start + alignUp(length);
    if (n > limit) {
      for (const f of this.listeners.truncatedMessage) f(datagram, { truncated: n });
    } else {
      for (const f of this.listeners.message) f(datagram);
    }
    return true;
  }
}

/**
 * A connected pair of AF_UNIX datagram sockets, as two fds: tests write
 * crafted datagrams into one and read them from the other through
 * {@link NativeNetlinkSocket.adopt}.
 * @internal
 */
export function nativeSocketPair(): [number, number] {
  const r = loadBinding().socketPair();
  if (typeof r === 'number') throw new NativeSocketError('socketpair', -r);
  return r;
}
