/**
 * EoipClient: one socket, every tunnel operation. The top-level functions in
 * tunnels.ts open a client, run one operation and close it.
 */
import { parseIp, parseMac } from '../codec/addresses.js';
import { NLM_F_ECHO, NLMSG_TYPE_OFFSET, RTM_NEWLINK } from '../codec/constants.js';
import { isTunnelKind } from '../codec/eoip.js';
import { Errno } from '../codec/errno.js';
import { decodeLinkMessage } from '../codec/link.js';
import type { LinkRequestBody } from '../codec/link-request.js';
import {
  buildDeleteLinkRequest,
  buildNewLinkRequest,
  CHANGE_FLAGS,
  CREATE_FLAGS,
  type TunnelLinkExtras,
} from '../codec/requests.js';
import type { LinkMessage, Tunnel, TunnelKind, TunnelParams } from '../codec/types.js';
import { deleteLinks } from '../transport/bulk-delete.js';
import { checkTransport } from '../transport/check.js';
import { dumpLinks, dumpLinksOfKinds } from '../transport/dump.js';
import { asKernelError, NetlinkErrorAnswer } from '../transport/errors.js';
import { deleteLink, getLink } from '../transport/links.js';
import { netnsPath } from '../transport/netns.js';
import { lookupRoute } from '../transport/route.js';
import { NetlinkSocket, type NetlinkTransport, type RequestOptions } from '../transport/socket.js';
import {
  AbortedError,
  DOWN_ONLY_HINT,
  EoipError,
  InvalidArgumentError,
  LinkNotFoundError,
  maybeApplied,
  NotATunnelError,
  SocketClosedError,
  withNote,
} from './errors.js';
import {
  carriedParams,
  changedParams,
  differingParams,
  identityKey,
  isTunnelField,
  paramSpec,
  type ResolveContext,
  resolveParams,
  TUNNEL_FIELDS,
} from './fields.js';
import type {
  LinkRef,
  ListTunnelsOptions,
  NetnsRef,
  OperationOptions,
  TunnelPatch,
  TunnelSpec,
} from './types.js';
import {
  CLIENT_OPTIONS,
  checkInterfaceName,
  checkLinkRef,
  checkOptions,
  checkTunnelPatch,
  checkTunnelSpec,
  deriveTunnelMac,
  LIST_LINKS_OPTIONS,
  LIST_TUNNELS_OPTIONS,
  OPERATION_OPTIONS,
  operationOptions,
  TRANSPORT_CLIENT_OPTIONS,
} from './validate.js';

/** Options of {@link EoipClient.open}. */
export interface ClientOptions {
  /** Act in this network namespace instead of the process's own. */
  netns?: NetnsRef;
  /** Default timeout of each operation in milliseconds (default 10 000). */
  timeout?: number;
}

/** A request built and checked but not sent: what a dry run shows. */
export interface PlannedRequest {
  /** What it would do. */
  operation: 'create' | 'change' | 'delete';
  /** The interface concerned (name or ifindex), when known. */
  interface?: string;
  /** The complete netlink message (sequence number 0). */
  bytes: Uint8Array;
}

/** A tunnel or interface target: a name or an ifindex. */
export type TunnelTarget = LinkRef;

function targetLabel(t: TunnelTarget): string {
  return typeof t === 'number' ? String(t) : t;
}

/**
 * A client holding one rtnetlink socket. Cheap to keep open; an idle client
 * never keeps the process alive. Close it with {@link EoipClient.close} or
 * `await using client = await EoipClient.open()` where the runtime supports
 * explicit resource management (Node 22+, or TypeScript 5.2+ lowering it).
 *
 * @example
 * ```ts
 * const client = await EoipClient.open();
 * try {
 *   const t = await client.createTunnel({ tunnelId: 42, local: '192.0.2.1', remote: '198.51.100.7' });
 *   await client.changeTunnel(t.name, { ttl: 64 });
 * } finally {
 *   client.close();
 * }
 * ```
 */
export class EoipClient {
  private readonly sock: NetlinkTransport;
  private readonly defaultTimeout: number | undefined;

  private constructor(sock: NetlinkTransport, timeout: number | undefined) {
    this.sock = sock;
    this.defaultTimeout = timeout;
  }

  /**
   * Open a client. With `netns`, its socket is opened inside that namespace
   * (the calling thread enters it for the socket() call only): every
   * operation, changes included, then runs there, in this process.
   * @param opts - `netns`: act in this namespace (default the process's own); `timeout`:
   *   the default of every operation in ms (default 10 000, 0 = none)
   * @throws {@link InvalidArgumentError} for a bad option (nothing is opened)
   * @throws {@link PermissionError} when the process may not enter `netns` (setns needs
   *   CAP_SYS_ADMIN in the namespace's owning user namespace)
   * @throws {@link SocketError} when no netlink socket can be opened, or the namespace file
   *   cannot be opened or is not a network namespace
   */
  static async open(opts: ClientOptions = {}): Promise<EoipClient> {
    opts = checkOptions(opts, CLIENT_OPTIONS);
    const sock = NetlinkSocket.open(
      opts.netns !== undefined ? { netns: { path: netnsPath(opts.netns) } } : {},
    );
    return new EoipClient(sock, opts.timeout);
  }

  /**
   * A client over a transport of your own (e.g. one that replays recorded
   * kernel answers in tests). The client closes it on {@link close}.
   * @param transport - what the client sends its requests through; closed with the client
   * @param opts - `timeout`: the default of every operation in ms (default 10 000, 0 = none)
   * @throws {@link InvalidArgumentError} for a bad or unknown option, or a `transport` without
   *   `ack`, `reply`, `dump` and `close` functions
   */
  static withTransport(transport: NetlinkTransport, opts: { timeout?: number } = {}): EoipClient {
    checkTransport('transport', transport);
    opts = checkOptions(opts, TRANSPORT_CLIENT_OPTIONS);
    return new EoipClient(transport, opts.timeout);
  }

  private req(opts: OperationOptions | undefined, operation: string): RequestOptions {
    const r: RequestOptions = { operation };
    const timeout = opts?.timeout ?? this.defaultTimeout;
    if (timeout !== undefined) r.timeout = timeout;
    if (opts?.signal) r.signal = opts.signal;
    return r;
  }

  /** The underlying transport, for the generic link functions (advanced use). */
  get transport(): NetlinkTransport {
    return this.sock;
  }

  /** Close the socket; pending operations reject with SocketClosedError. */
  close(): void {
    this.sock.close();
  }

  /** `await using` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // --- lookups -----------------------------------------------------------

  /**
   * Any link by name or ifindex, or undefined.
   * @param target - an interface name (1..15 bytes) or an ifindex (1..2147483647)
   * @param opts - `timeout` in ms (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} before sending, for a bad target or option
   * @throws {@link KernelError} when the kernel refuses the request
   * @throws {@link TimeoutError} when the kernel did not answer within the timeout
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first
   * @throws {@link SocketError} when the socket fails
   */
  async getLink(target: TunnelTarget, opts?: OperationOptions): Promise<LinkMessage | undefined> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    checkLinkRef('target', target);
    const sel = typeof target === 'number' ? { index: target } : { name: target };
    return getLink(this.sock, sel, this.req(opts, 'get'));
  }

  /**
   * All links (any kind), or those of one kind.
   * @param opts - `kind` (default every kind), `stats` (counters, default true),
   *   `timeout` in ms (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} before sending, for a bad option
   * @throws {@link DumpInterruptedError} when the link list kept changing while it was read
   * @throws {@link KernelError} when the kernel refuses the dump
   * @throws {@link TimeoutError} when the dump did not finish within the timeout
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first
   * @throws {@link SocketError} when the socket fails
   */
  async listLinks(opts: OperationOptions & { kind?: string; stats?: boolean } = {}): Promise<LinkMessage[]> {
    opts = checkOptions(opts, LIST_LINKS_OPTIONS);
    return dumpLinks(this.sock, {
      ...this.req(opts, 'list'),
      ...(opts.kind !== undefined ? { kind: opts.kind } : {}),
      ...(opts.stats !== undefined ? { stats: opts.stats } : {}),
    });
  }

  /** Resolve a link reference to an ifindex that exists; InvalidArgumentError naming `field` otherwise. */
  private async resolveIndex(field: string, ref: LinkRef, opts?: OperationOptions): Promise<number> {
    const link = await this.getLink(ref, opts);
    if (!link) {
      throw new InvalidArgumentError(field, ref, 'an existing interface (name or ifindex)');
    }
    return link.index;
  }

  /**
   * The tunnel `target`, or undefined when no interface has that name/index. Throws NotATunnelError for other kinds.
   * @param target - a tunnel's name (1..15 bytes) or ifindex (1..2147483647)
   * @param opts - `timeout` in ms (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} before sending, for a bad target or option
   * @throws {@link NotATunnelError} when the interface is not an eoip/eoipv6 tunnel
   * @throws {@link KernelError} when the kernel refuses the request
   * @throws {@link TimeoutError} when the kernel did not answer within the timeout
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first
   * @throws {@link SocketError} when the socket fails
   */
  async getTunnel(target: TunnelTarget, opts?: OperationOptions): Promise<Tunnel | undefined> {
    checkLinkRef('target', target);
    opts = checkOptions(opts, OPERATION_OPTIONS);
    const link = await this.getLink(target, opts);
    if (!link) return undefined;
    if (!link.tunnel) throw new NotATunnelError(link.name ?? targetLabel(target), link.linkInfo?.kind);
    return link.tunnel;
  }

  /**
   * All eoip and eoipv6 tunnels (or one kind), ordered by ifindex. Uses the
   * kernel's kind filter, so hosts with many other links cost little.
   * @param opts - `kind` (default both), `name` (only that tunnel), `stats` (counters, default true),
   *   `timeout` in ms (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} before sending, for a bad option (`kind` other than eoip or eoipv6)
   * @throws {@link DumpInterruptedError} when the link list kept changing while it was read
   * @throws {@link KernelError} when the kernel refuses the request
   * @throws {@link TimeoutError} when the kernel did not answer within the timeout
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first
   * @throws {@link SocketError} when the socket fails
   */
  async listTunnels(opts: ListTunnelsOptions = {}): Promise<Tunnel[]> {
    opts = checkOptions(opts, LIST_TUNNELS_OPTIONS);
    if (opts.kind !== undefined && !isTunnelKind(opts.kind)) {
      throw new InvalidArgumentError('kind', opts.kind, "'eoip' or 'eoipv6'");
    }
    if (opts.name !== undefined) {
      checkInterfaceName('name', opts.name);
      const link = await this.getLink(opts.name, operationOptions(opts));
      const t = link?.tunnel;
      return t && (opts.kind === undefined || t.kind === opts.kind) ? [t] : [];
    }
    const kinds: TunnelKind[] = opts.kind ? [opts.kind] : ['eoip', 'eoipv6'];
    const out: Tunnel[] = [];
    const links = await dumpLinksOfKinds(this.sock, kinds, {
      ...this.req(opts, 'list'),
      ...(opts.stats !== undefined ? { stats: opts.stats } : {}),
    });
    for (const l of links) if (l.tunnel) out.push(l.tunnel);
    return kinds.length > 1 ? out.sort((a, b) => a.index - b.index) : out;
  }

  // --- create ------------------------------------------------------------

  /**
   * Check `spec`, resolve names, and build the create request without sending it.
   * @param spec - the tunnel to create: `remote` and `tunnelId` at least (see {@link TunnelSpec})
   * @param opts - `timeout` in ms for the lookups (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} for a bad field or option, a `link` or `master` that does not
   *   exist, or `local: 'auto'` with no route to `remote`
   * @throws {@link KernelError} when the kernel refuses a lookup
   * @throws {@link TimeoutError} when a lookup got no answer within the timeout
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first
   */
  async planCreateTunnel(spec: TunnelSpec, opts?: OperationOptions): Promise<PlannedRequest> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    const { params, extras } = await this.prepareCreate(spec, opts);
    const bytes = buildNewLinkRequest(0, CREATE_FLAGS, this.createBody(params, extras));
    const plan: PlannedRequest = { operation: 'create', bytes };
    if (extras.name !== undefined) plan.interface = extras.name;
    return plan;
  }

  private createBody(params: TunnelParams, extras: TunnelLinkExtras): LinkRequestBody {
    return {
      ...extras,
      tunnel: params,
    };
  }

  private async prepareCreate(
    spec: TunnelSpec,
    opts?: OperationOptions,
  ): Promise<{ params: TunnelParams; extras: TunnelLinkExtras }> {
    const c = checkTunnelSpec(spec);
    const params = await resolveParams(c.params, this.resolveContext(c.kind, c.remote, opts));
    const extras: TunnelLinkExtras = {};
    if (c.name !== undefined) extras.name = c.name;
    if (c.mtu !== undefined) extras.mtu = c.mtu;
    if (c.address !== undefined) {
      extras.address =
        c.address === 'auto' ? parseMac(deriveTunnelMac(c.kind, c.tunnelId, c.remote))! : c.address;
    }
    if (c.master !== undefined) extras.master = await this.resolveIndex('master', c.master, opts);
    if (c.up !== undefined) extras.up = c.up;
    return { params, extras };
  }

  /** What resolving checked parameters needs: interface lookups and the route to the remote. */
  private resolveContext(kind: TunnelKind, remote: string, opts?: OperationOptions): ResolveContext {
    return {
      kind,
      remote,
      resolveLink: (field, ref) => this.resolveIndex(field, ref, opts),
      autoLocal: (to) => this.autoLocal(to, opts),
    };
  }

  /** The source address the kernel would use towards `remote` (for `local: 'auto'`). */
  private async autoLocal(remote: string, opts?: OperationOptions): Promise<string> {
    let source: string | undefined;
    try {
      source = (await lookupRoute(this.sock, remote, this.req(opts, 'route'))).source;
    } catch (e) {
      if (e instanceof EoipError && (e as { errno?: number }).errno !== undefined) {
        throw new InvalidArgumentError(
          'local',
          'auto',
          `a route to ${remote} (the kernel has none: ${e.message})`,
        );
      }
      throw e;
    }
    if (!source)
      throw new InvalidArgumentError('local', 'auto', `a route to ${remote} with a source address`);
    return source;
  }

  /**
   * Create a tunnel and return it as the kernel reports it. Everything (MTU,
   * MAC, master, up) goes in one request, so a failure leaves nothing behind.
   *
   * A create that fails without the kernel's answer (a timeout, an abort or
   * a close after it was sent) may still have been carried out: its error
   * says "may or may not have been applied". Read the state back before
   * retrying (`applyTunnels` does: it finds the tunnel on its next run).
   *
   * @param spec - the tunnel to create: `remote` and `tunnelId` at least (see {@link TunnelSpec})
   * @param opts - `timeout` in ms (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} before sending, for bad input, a `link` or `master` that
   *   does not exist, or `local: 'auto'` without a route
   * @throws {@link KindNotAvailableError} when the eoip module is not loaded
   * @throws {@link TunnelExistsError} when the name or the (local, remote, id, link) tuple is taken
   * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
   * @throws {@link KernelError} for any other refusal, with errno and hint
   * @throws {@link TimeoutError} when the kernel did not answer in time (sent: may or may not have been applied)
   * @throws {@link AbortedError} when `opts.signal` aborts (after sending: may or may not have been applied)
   * @throws {@link SocketClosedError} when the client is closed first (`maybeApplied` when it was sent)
   * @throws {@link SocketError} when the socket fails
   * @throws {@link EoipError} with code `READ_BACK` when the tunnel was created but could not be read back
   */
  async createTunnel(spec: TunnelSpec, opts?: OperationOptions): Promise<Tunnel> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    const { params, extras } = await this.prepareCreate(spec, opts);
    const body = this.createBody(params, extras);
    this.checkSendable('create', opts);
    let echo: Uint8Array | undefined;
    try {
      // NLM_F_ECHO: kernels that honour it send the new link back, which
      // names an interface the kernel chose (eoip0, …) without another lookup.
      echo = await this.sock.ack(
        (seq) => buildNewLinkRequest(seq, CREATE_FLAGS | NLM_F_ECHO, body),
        this.req(opts, 'create'),
      );
    } catch (e) {
      throw maybeApplied(asKernelError(e, 'create', extras.name, params.kind));
    }
    let created: Tunnel | undefined;
    try {
      created = await this.readCreated(echo, params, extras, opts);
    } catch (e) {
      // The kernel acknowledged the create: say so, whatever failed after it.
      throw withNote(e, 'the tunnel was created, but reading it back failed');
    }
    if (!created)
      throw new EoipError('create: the tunnel was created but could not be read back', 'READ_BACK');
    return created;
  }

  /** The tunnel a create made, as the kernel reports it once configured; undefined if it is gone. */
  private async readCreated(
    echo: Uint8Array | undefined,
    params: TunnelParams,
    extras: TunnelLinkExtras,
    opts?: OperationOptions,
  ): Promise<Tunnel | undefined> {
    if (
      echo &&
      echo.byteLength >= 20 &&
      new DataView(echo.buffer, echo.byteOffset).getUint16(NLMSG_TYPE_OFFSET, true) === RTM_NEWLINK
    ) {
      const t = decodeLinkMessage(echo).tunnel;
      // The echo is sent before the link is fully configured; read the settled state by index.
      if (t) return (await this.getTunnel(t.index, opts)) ?? t;
    }
    if (extras.name !== undefined) {
      const t = await this.getTunnel(extras.name, opts);
      if (t) return t;
    }
    // Unnamed, on a kernel without echo: the driver keeps (local, remote, id, link) unique per kind.
    return (await this.listTunnels({ ...opts, kind: params.kind })).find((t) => sameIdentity(t, params));
  }

  /**
   * Refuse a create or change that cannot leave (a signal that already fired,
   * a closed socket) before sending it: nothing was applied, and its error
   * does not say it may have been.
   */
  private checkSendable(operation: 'create' | 'change', opts?: OperationOptions): void {
    if (opts?.signal?.aborted) throw new AbortedError(operation, opts.signal.reason);
    if ((this.sock as { isClosed?: unknown }).isClosed === true) throw new SocketClosedError(operation);
  }

  // --- change ------------------------------------------------------------

  private async currentTunnel(
    target: TunnelTarget,
    operation: 'change' | 'delete',
    opts?: OperationOptions,
  ): Promise<Tunnel> {
    checkLinkRef('target', target);
    const link = await this.getLink(target, opts);
    if (!link) {
      throw new LinkNotFoundError(
        {
          errno: Errno.ENODEV,
          operation,
          interface: targetLabel(target),
          hint: `no interface ${targetLabel(target)}`,
        },
        'no such interface',
      );
    }
    if (!link.tunnel) throw new NotATunnelError(link.name ?? targetLabel(target), link.linkInfo?.kind);
    return link.tunnel;
  }

  private async prepareChange(
    target: TunnelTarget,
    patch: TunnelPatch,
    opts?: OperationOptions,
  ): Promise<{ current: Tunnel; params: TunnelParams; extras: TunnelLinkExtras; touchesParams: boolean }> {
    const current = await this.currentTunnel(target, 'change', opts);
    const p = checkTunnelPatch(patch, current.kind);
    // The driver rebuilds every parameter from the request: send the full merged state.
    const ctx = this.resolveContext(current.kind, p.remote ?? current.remote, opts);
    const { params, touched: touchesParams } = await changedParams(current, p, ctx);
    const extras: TunnelLinkExtras = {};
    if (p.name !== undefined && p.name !== current.name) extras.name = p.name;
    if (p.mtu !== undefined) extras.mtu = p.mtu;
    if (p.address !== undefined) {
      extras.address =
        p.address === 'auto'
          ? parseMac(deriveTunnelMac(params.kind, params.tunnelId, params.remote))!
          : parseMac(p.address)!;
    }
    if (p.master !== undefined)
      extras.master = p.master === null ? 0 : await this.resolveIndex('master', p.master, opts);
    if (p.up !== undefined) extras.up = p.up;
    return { current, params, extras, touchesParams };
  }

  private changeBody(
    index: number,
    params: TunnelParams | undefined,
    extras: TunnelLinkExtras,
  ): LinkRequestBody {
    const body: LinkRequestBody = { ...extras, index };
    if (params) body.tunnel = params;
    return body;
  }

  /**
   * Check and resolve a change, and build its request without sending it.
   * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
   * @param patch - the fields to change (see {@link TunnelPatch}); the rest keeps its value
   * @param opts - `timeout` in ms for the lookups (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} for a bad target, field or option (checked before any lookup),
   *   a `link` or `master` that does not exist, or `local: 'auto'` without a route
   * @throws {@link LinkNotFoundError} when no interface is `target`
   * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
   * @throws {@link KernelError} when the kernel refuses a lookup
   * @throws {@link TimeoutError} when a lookup got no answer within the timeout
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first
   */
  async planChangeTunnel(
    target: TunnelTarget,
    patch: TunnelPatch,
    opts?: OperationOptions,
  ): Promise<PlannedRequest> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    checkChangeInput(target, patch);
    const { current, params, extras, touchesParams } = await this.prepareChange(target, patch, opts);
    const bytes = buildNewLinkRequest(
      0,
      CHANGE_FLAGS,
      this.changeBody(current.index, touchesParams ? params : undefined, extras),
    );
    return { operation: 'change', interface: current.name, bytes };
  }

  /**
   * Change only what `patch` names; everything else keeps its current value
   * (the current state is read first, since the driver resets whatever a
   * change request leaves out). The input is checked before anything is
   * looked up.
   *
   * If the kernel refuses the change, everything it applied before refusing
   * is put back: the link is read again and each of the tunnel parameters,
   * name, MTU, MAC address, master and up/down state that differs from the
   * state read before is restored (the kernel applies a change in steps, e.g.
   * it releases the tunnel from its bridge before refusing a new master).
   * When something cannot be restored, the error's hint names it. A change
   * that fails without the kernel's answer (timeout, abort, close) is not
   * undone: its error says it may or may not have been applied.
   *
   * The kernel renames a tunnel or changes its MAC address only while it is
   * down (EBUSY otherwise; the error's hint says so): set it down first
   * (`applyTunnels` does that itself).
   *
   * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
   * @param patch - the fields to change (see {@link TunnelPatch}); the rest keeps its value
   * @param opts - `timeout` in ms (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} before anything is sent, for a bad target, field or option,
   *   a `link` or `master` that does not exist, or `local: 'auto'` without a route
   * @throws {@link LinkNotFoundError} when no interface is `target` (or it vanished during the change)
   * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
   * @throws {@link TunnelExistsError} when the new name, or the new (local, remote, id, link) tuple, is taken
   * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
   * @throws {@link KernelError} for any other refusal (e.g. EBUSY for a rename or MAC change of an up
   *   tunnel); its hint says what could not be undone
   * @throws {@link TimeoutError} when the kernel did not answer in time (sent: may or may not have been applied)
   * @throws {@link AbortedError} when `opts.signal` aborts (after sending: may or may not have been applied)
   * @throws {@link SocketClosedError} when the client is closed first (`maybeApplied` when it was sent)
   * @throws {@link SocketError} when the socket fails
   *
   * @example
   * ```ts
   * await client.changeTunnel('eoip1', { ttl: 64 }); // only the TTL changes
   * ```
   */
  async changeTunnel(target: TunnelTarget, patch: TunnelPatch, opts?: OperationOptions): Promise<Tunnel> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    checkChangeInput(target, patch);
    const { current, params, extras, touchesParams } = await this.prepareChange(target, patch, opts);
    const body = this.changeBody(current.index, touchesParams ? params : undefined, extras);
    if (touchesParams || Object.keys(extras).length > 0) {
      this.checkSendable('change', opts);
      try {
        await this.sock.ack((seq) => buildNewLinkRequest(seq, CHANGE_FLAGS, body), this.req(opts, 'change'));
      } catch (e) {
        // Without the kernel's answer the change's fate is unknown: undoing it could do harm.
        if (!(e instanceof NetlinkErrorAnswer)) throw maybeApplied(e);
        throw await this.refusedChange(e, current, extras, opts);
      }
    }
    const after = await this.getTunnel(current.index, opts);
    if (!after)
      throw new LinkNotFoundError(
        { errno: Errno.ENODEV, operation: 'change', interface: current.name },
        'vanished',
      );
    return after;
  }

  /** The error of a change the kernel refused, once what it applied is put back. */
  private async refusedChange(
    answer: NetlinkErrorAnswer,
    before: Tunnel,
    extras: TunnelLinkExtras,
    opts?: OperationOptions,
  ): Promise<unknown> {
    let err = asKernelError(answer, 'change', before.name, before.kind);
    if (answer.errno === Errno.EBUSY && (extras.name !== undefined || extras.address !== undefined)) {
      err = withNote(err, DOWN_ONLY_HINT);
    }
    const left = await this.undoChange(before, opts);
    return left === undefined ? err : withNote(err, left);
  }

  /**
   * Put back what a refused change applied: read the link, restore every
   * attribute that differs from `before` in one request, and if that is
   * refused too, one request per attribute. Resolves with what could not be
   * restored (a sentence), or undefined when the tunnel is as it was.
   */
  private async undoChange(before: Tunnel, opts?: OperationOptions): Promise<string | undefined> {
    // No signal: an abort must not leave the undo half-done.
    const req: OperationOptions = {};
    const timeout = opts?.timeout ?? this.defaultTimeout;
    if (timeout !== undefined) req.timeout = timeout;
    let left: AttributeDiff[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        left = await this.attributesChanged(before, req);
        if (left.length === 0) return undefined;
        // First all together; then each alone, so one refusal does not keep the others back
        // (a tunnel that was down goes down first: a rename or MAC change needs it down).
        const requests = round === 0 ? [left] : oneByOne(left, before.up);
        for (const diffs of requests) {
          await this.sock
            .ack(
              (seq) => buildNewLinkRequest(seq, CHANGE_FLAGS, restoreBody(before, diffs)),
              this.req(req, 'change'),
            )
            .catch(() => undefined);
        }
      }
      left = await this.attributesChanged(before, req);
    } catch (e) {
      return `the change could not be checked or undone (${e instanceof Error ? e.message : String(e)}): read the tunnel back`;
    }
    if (left.length === 0) return undefined;
    return `the change could not be undone for ${left.map(describeDiff).join(', ')}`;
  }

  /** What differs between the tunnel now and `before`. */
  private async attributesChanged(before: Tunnel, opts: OperationOptions): Promise<AttributeDiff[]> {
    const now = await this.getLink(before.index, opts);
    if (!now?.tunnel) throw new EoipError(`${before.name} is gone`, 'READ_BACK');
    return attributeDiffs(before, now.tunnel);
  }

  // --- delete ------------------------------------------------------------

  /**
   * Check the target and build the delete request without sending it.
   * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
   * @param opts - `timeout` in ms for the lookup (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} for a bad target or option
   * @throws {@link LinkNotFoundError} when no interface is `target`
   * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
   * @throws {@link TimeoutError} when the lookup got no answer within the timeout
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first
   */
  async planDeleteTunnel(target: TunnelTarget, opts?: OperationOptions): Promise<PlannedRequest> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    const t = await this.currentTunnel(target, 'delete', opts);
    const bytes = buildDeleteLinkRequest(0, { index: t.index });
    return { operation: 'delete', interface: t.name, bytes };
  }

  /**
   * Delete a tunnel. Refuses (NotATunnelError) links of other kinds.
   * @param target - the tunnel's name (1..15 bytes) or ifindex (1..2147483647)
   * @param opts - `timeout` in ms (default: the client's, else 10 000; 0 = none) and `signal`
   * @throws {@link InvalidArgumentError} before sending, for a bad target or option
   * @throws {@link LinkNotFoundError} when no interface is `target` (or it is gone before the delete)
   * @throws {@link NotATunnelError} when `target` is not an eoip/eoipv6 tunnel
   * @throws {@link PermissionError} without CAP_NET_ADMIN in the namespace
   * @throws {@link KernelError} for any other refusal
   * @throws {@link TimeoutError} when the kernel did not answer in time (the tunnel may be gone)
   * @throws {@link AbortedError} when `opts.signal` aborts first
   * @throws {@link SocketClosedError} when the client is closed first (`maybeApplied` when it was sent)
   * @throws {@link SocketError} when the socket fails
   */
  async deleteTunnel(target: TunnelTarget, opts?: OperationOptions): Promise<void> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    const t = await this.currentTunnel(target, 'delete', opts);
    await deleteLink(this.sock, { index: t.index }, this.req(opts, 'delete')).catch((e) => {
      if (e instanceof LinkNotFoundError) {
        throw new LinkNotFoundError(
          { errno: Errno.ENODEV, operation: 'delete', interface: t.name },
          'no such interface',
        );
      }
      throw e;
    });
  }

  /**
   * Delete many tunnels; resolves with one result per target, in order (like
   * `Promise.allSettled`): a missing one is a LinkNotFoundError, a link of
   * another kind a NotATunnelError, and neither stops the others. The kernel
   * removes them together, behind one wait instead of one per tunnel (1,000
   * tunnels: well under a second instead of ~16 s): see {@link deleteLinks}.
   * Every target is checked before anything is sent. A tunnel is reported
   * deleted only when the kernel says that very link is gone, whatever other
   * processes do meanwhile. If the process is killed halfway, the next bulk
   * delete in the namespace (or `recoverLinkGroups`) puts every tunnel it
   * left behind back exactly as it was (group and alias).
   * @param targets - tunnel names (1..15 bytes) or ifindexes (1..2147483647); one named twice is deleted once
   * @param opts - `timeout` in ms per request (default: the client's, else 10 000; 0 = none) and `signal`
   * @returns one settled result per target, in order
   * @throws {@link InvalidArgumentError} before anything is sent, for a bad target or option
   * @throws {@link DumpInterruptedError} when the link list kept changing while it was read
   * @throws {@link KernelError} when the kernel refuses to list the links
   * @throws {@link TimeoutError} when reading the link list took longer than the timeout
   * @throws {@link AbortedError} when `opts.signal` aborted before the link list was read
   * @throws {@link SocketClosedError} when the client is closed before the link list was read
   */
  async deleteTunnels(
    targets: readonly TunnelTarget[],
    opts?: OperationOptions,
  ): Promise<PromiseSettledResult<void>[]> {
    opts = checkOptions(opts, OPERATION_OPTIONS);
    if (!Array.isArray(targets))
      throw new InvalidArgumentError('targets', targets, 'an array of names or ifindexes');
    targets.forEach((t, i) => {
      checkLinkRef(`targets[${i}]`, t);
    });
    return deleteLinks(
      this.sock,
      targets.map((t) => (typeof t === 'number' ? { index: t } : { name: t })),
      {
        ...this.req(opts, 'delete'),
        check: (l) =>
          l.kind !== undefined && isTunnelKind(l.kind) ? undefined : new NotATunnelError(l.name, l.kind),
      },
    );
  }
}

/**
 * Check a change's input before anything is looked up or spawned: the
 * target, and the patch as it would be for a tunnel of the kind its
 * addresses name (either kind when it names none). The rules that depend on
 * the tunnel's actual kind (the tunnel id range, the address family) are
 * checked again once it is read.
 */
function checkChangeInput(target: TunnelTarget, patch: TunnelPatch): void {
  checkLinkRef('target', target);
  const named = patchFamily(patch);
  if (named !== undefined) {
    checkTunnelPatch(patch, named === 6 ? 'eoipv6' : 'eoip');
    return;
  }
  try {
    checkTunnelPatch(patch, 'eoip');
  } catch (asEoip) {
    try {
      checkTunnelPatch(patch, 'eoipv6');
    } catch {
      throw asEoip;
    }
  }
}

/** The tunnel parameters that are addresses (`remote`, `local`), remote first. */
const ADDRESS_FIELDS = TUNNEL_FIELDS.filter((f) => paramSpec(f).form === 'address').reverse();

/** The address family a patch's own `remote` or `local` names, if any. */
function patchFamily(patch: TunnelPatch): 4 | 6 | undefined {
  if (patch === null || typeof patch !== 'object') return undefined;
  for (const field of ADDRESS_FIELDS) {
    const v: unknown = Object.hasOwn(patch, field) ? patch[field] : undefined;
    const family = typeof v === 'string' ? parseIp(v)?.family : undefined;
    if (family !== undefined) return family;
  }
  return undefined;
}

/** One attribute of a tunnel that differs from what it was: `was` is the value to put back. */
interface AttributeDiff {
  /** A tunnel parameter (`ttl`, `keepalive`, …) or link attribute (`name`, `mtu`, `address`, `master`, `up`). */
  field: string;
  was: unknown;
  now: unknown;
}

/** Every attribute a change may alter, as it differs between `before` and `now`. */
function attributeDiffs(before: Tunnel, now: Tunnel): AttributeDiff[] {
  const out: AttributeDiff[] = [];
  const add = (field: string, was: unknown, is: unknown) => {
    if (was !== is) out.push({ field, was, now: is });
  };
  for (const f of differingParams(before, now)) out.push({ field: f, was: before[f], now: now[f] });
  add('name', before.name, now.name);
  if (before.mtu !== undefined) add('mtu', before.mtu, now.mtu);
  if (before.address !== undefined) add('address', before.address.toLowerCase(), now.address?.toLowerCase());
  add('master', before.master ?? 0, now.master ?? 0);
  add('up', before.up, now.up);
  return out;
}

/** Each diff alone, in the order that works: `up: false` first, `up: true` last. */
function oneByOne(diffs: readonly AttributeDiff[], wasUp: boolean): AttributeDiff[][] {
  const up = diffs.filter((d) => d.field === 'up');
  const rest = diffs.filter((d) => d.field !== 'up');
  return (wasUp ? [...rest, ...up] : [...up, ...rest]).map((d) => [d]);
}

/** The change request that puts back the attributes of `diffs` to their values in `before`. */
function restoreBody(before: Tunnel, diffs: readonly AttributeDiff[]): LinkRequestBody {
  const body: LinkRequestBody = { index: before.index };
  const fields = new Set(diffs.map((d) => d.field));
  // The driver rebuilds every parameter from the request: send them all, as they were.
  if (TUNNEL_FIELDS.some((f) => fields.has(f))) body.tunnel = carriedParams(before, (f) => fields.has(f));
  if (fields.has('name')) body.name = before.name;
  if (fields.has('mtu')) body.mtu = before.mtu!;
  if (fields.has('address')) body.address = parseMac(before.address!)!;
  if (fields.has('master')) body.master = before.master ?? 0;
  if (fields.has('up')) body.up = before.up;
  return body;
}

function describeDiff(d: AttributeDiff): string {
  const text = (field: string, v: unknown): string => {
    if (isTunnelField(field)) return paramSpec(field).text(v);
    if (field === 'master' && v === 0) return 'none';
    return String(v);
  };
  return `${d.field} (is ${text(d.field, d.now)}, was ${text(d.field, d.was)})`;
}

/** Same identity parameters (local, remote, tunnel id, link): the driver's identity of a tunnel. */
function sameIdentity(t: TunnelParams, p: TunnelParams): boolean {
  return identityKey(t) === identityKey(p);
}
