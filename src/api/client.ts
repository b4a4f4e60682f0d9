/**
 * EoipClient: one socket, every tunnel operation. The top-level functions in
 * tunnels.ts open a client, run one operation and close it.
 */
import { formatIPv4, formatIPv6, parseIp, parseMac } from '../codec/addresses.js';
import { fromHex } from '../codec/bytes.js';
import { NLM_F_ECHO, RTM_NEWLINK } from '../codec/constants.js';
import { encodeTunnelInfoData, isTunnelKind } from '../codec/eoip.js';
import { decodeLinkMessage, type LinkRequestBody } from '../codec/link.js';
import {
  buildDeleteLinkRequest,
  buildNewLinkRequest,
  CHANGE_FLAGS,
  CREATE_FLAGS,
  type TunnelLinkExtras,
} from '../codec/requests.js';
import type { LinkMessage, Tunnel, TunnelKind, TunnelParams } from '../codec/types.js';
import { deleteLinks } from '../transport/bulk-delete.js';
import { asKernelError, dumpLinks, dumpLinksOfKinds } from '../transport/dump.js';
import { deleteLink, getLink } from '../transport/links.js';
import { type NetnsHandle, openNetns } from '../transport/netns.js';
import { lookupRoute } from '../transport/route.js';
import { NetlinkSocket, type NetlinkTransport, type RequestOptions } from '../transport/socket.js';
import { EoipError, InvalidArgumentError, LinkNotFoundError, NotATunnelError } from './errors.js';
import { changeInNetns, type NetnsChildRequest } from './netns-exec.js';
import type {
  LinkRef,
  ListTunnelsOptions,
  NetnsRef,
  OperationOptions,
  TunnelPatch,
  TunnelSpec,
} from './types.js';
import {
  checkInterfaceName,
  checkLinkRef,
  checkTunnelPatch,
  checkTunnelSpec,
  deriveTunnelMac,
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
 * `await using client = await EoipClient.open()`.
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
  private readonly ns: NetnsHandle | undefined;
  private readonly defaultTimeout: number | undefined;

  private constructor(sock: NetlinkTransport, ns: NetnsHandle | undefined, timeout: number | undefined) {
    this.sock = sock;
    this.ns = ns;
    this.defaultTimeout = timeout;
  }

  /** Open a client (and, with `netns`, get the namespace's id). */
  static async open(opts: ClientOptions = {}): Promise<EoipClient> {
    const sock = NetlinkSocket.open();
    let ns: NetnsHandle | undefined;
    if (opts.netns !== undefined) {
      try {
        ns = await openNetns(sock, opts.netns, opts.timeout !== undefined ? { timeout: opts.timeout } : {});
      } catch (e) {
        sock.close();
        throw e;
      }
    }
    return new EoipClient(sock, ns, opts.timeout);
  }

  /**
   * A client over a transport of your own (e.g. one that replays recorded
   * kernel answers in tests). The client closes it on {@link close}.
   */
  static withTransport(transport: NetlinkTransport, opts: { timeout?: number } = {}): EoipClient {
    return new EoipClient(transport, undefined, opts.timeout);
  }

  /** The namespace id requests carry, when acting in another namespace. */
  private get nsid(): { targetNsid?: number } {
    return this.ns ? { targetNsid: this.ns.nsid } : {};
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
    this.ns?.close();
  }

  /** `await using` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // --- lookups -----------------------------------------------------------

  /** Any link by name or ifindex, or undefined. */
  async getLink(target: TunnelTarget, opts?: OperationOptions): Promise<LinkMessage | undefined> {
    const sel = typeof target === 'number' ? { index: target } : { name: target };
    return getLink(this.sock, sel, { ...this.req(opts, 'get'), ...this.nsid });
  }

  /** All links (any kind), or those of one kind. */
  async listLinks(opts: OperationOptions & { kind?: string; stats?: boolean } = {}): Promise<LinkMessage[]> {
    return dumpLinks(this.sock, {
      ...this.req(opts, 'list'),
      ...this.nsid,
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

  /** The tunnel `target`, or undefined when no interface has that name/index. Throws NotATunnelError for other kinds. */
  async getTunnel(target: TunnelTarget, opts?: OperationOptions): Promise<Tunnel | undefined> {
    checkLinkRef('target', target);
    const link = await this.getLink(target, opts);
    if (!link) return undefined;
    if (!link.tunnel) throw new NotATunnelError(link.name ?? targetLabel(target), link.linkInfo?.kind);
    return link.tunnel;
  }

  /**
   * All eoip and eoipv6 tunnels (or one kind), ordered by ifindex. Uses the
   * kernel's kind filter, so hosts with many other links cost little.
   */
  async listTunnels(opts: ListTunnelsOptions = {}): Promise<Tunnel[]> {
    if (opts.kind !== undefined && !isTunnelKind(opts.kind)) {
      throw new InvalidArgumentError('kind', opts.kind, "'eoip' or 'eoipv6'");
    }
    if (opts.name !== undefined) {
      checkInterfaceName('name', opts.name);
      const link = await this.getLink(opts.name, opts);
      const t = link?.tunnel;
      return t && (opts.kind === undefined || t.kind === opts.kind) ? [t] : [];
    }
    const kinds: TunnelKind[] = opts.kind ? [opts.kind] : ['eoip', 'eoipv6'];
    const out: Tunnel[] = [];
    const links = await dumpLinksOfKinds(this.sock, kinds, {
      ...this.req(opts, 'list'),
      ...this.nsid,
      ...(opts.stats !== undefined ? { stats: opts.stats } : {}),
    });
    for (const l of links) if (l.tunnel) out.push(l.tunnel);
    return kinds.length > 1 ? out.sort((a, b) => a.index - b.index) : out;
  }

  // --- create ------------------------------------------------------------

  /** Check `spec`, resolve names, and build the create request without sending it. */
  async planCreateTunnel(spec: TunnelSpec, opts?: OperationOptions): Promise<PlannedRequest> {
    const { params, extras } = await this.prepareCreate(spec, opts);
    const bytes = buildNewLinkRequest(0, CREATE_FLAGS, this.createBody(params, extras));
    const plan: PlannedRequest = { operation: 'create', bytes };
    if (extras.name !== undefined) plan.interface = extras.name;
    return plan;
  }

  private createBody(params: TunnelParams, extras: TunnelLinkExtras): LinkRequestBody {
    return {
      ...extras,
      ...this.nsid,
      kind: params.kind,
      infoData: (w) => encodeTunnelInfoData(w, params),
    };
  }

  private async prepareCreate(
    spec: TunnelSpec,
    opts?: OperationOptions,
  ): Promise<{ params: TunnelParams; extras: TunnelLinkExtras }> {
    const c = checkTunnelSpec(spec);
    let local = c.local;
    if (local === 'auto') local = await this.autoLocal(c.remote, opts);
    const params: TunnelParams = {
      kind: c.kind,
      tunnelId: c.tunnelId,
      local,
      remote: c.remote,
      link: c.link !== undefined ? await this.resolveIndex('link', c.link, opts) : 0,
      ttl: c.ttl,
      tos: c.tos,
      keepalive: c.keepalive,
    };
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

  /** The source address the kernel would use towards `remote` (for `local: 'auto'`). */
  private async autoLocal(remote: string, opts?: OperationOptions): Promise<string> {
    if (this.ns) {
      throw new InvalidArgumentError('local', 'auto', 'an explicit address when acting in another namespace');
    }
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
   * @throws InvalidArgumentError before sending, for bad input
   * @throws KindNotAvailableError when the eoip module is not loaded
   * @throws TunnelExistsError when the name or the (local, remote, id, link) tuple is taken
   */
  async createTunnel(spec: TunnelSpec, opts?: OperationOptions): Promise<Tunnel> {
    const { params, extras } = await this.prepareCreate(spec, opts);
    const body = this.createBody(params, extras);
    let echo: Uint8Array | undefined;
    try {
      // NLM_F_ECHO: kernels that honour it send the new link back, which
      // names an interface the kernel chose (eoip0, …) without another lookup.
      echo = await this.sock.ack(
        (seq) => buildNewLinkRequest(seq, CREATE_FLAGS | NLM_F_ECHO, body),
        this.req(opts, 'create'),
      );
    } catch (e) {
      throw asKernelError(e, 'create', extras.name, params.kind);
    }
    if (
      echo &&
      echo.byteLength >= 20 &&
      new DataView(echo.buffer, echo.byteOffset).getUint16(4, true) === RTM_NEWLINK
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
    const found = (await this.listTunnels({ ...opts, kind: params.kind })).find((t) =>
      sameIdentity(t, params),
    );
    if (!found) throw new EoipError('create: the tunnel was created but could not be read back', 'READ_BACK');
    return found;
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
        { errno: 19, operation, interface: targetLabel(target), hint: `no interface ${targetLabel(target)}` },
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
    let local = p.local ?? current.local;
    const remote = p.remote ?? current.remote;
    if (local === 'auto') local = await this.autoLocal(remote, opts);
    // The driver rebuilds every parameter from the request: send the full merged state.
    const params: TunnelParams = {
      kind: current.kind,
      tunnelId: p.tunnelId ?? current.tunnelId,
      local,
      remote,
      link:
        p.link === undefined
          ? current.link
          : p.link === null
            ? 0
            : await this.resolveIndex('link', p.link, opts),
      ttl: p.ttl ?? current.ttl,
      tos: p.tos ?? current.tos,
      // Absent keepalive attributes leave keepalive unchanged: send them only when asked.
      keepalive: p.keepalive !== undefined ? (p.keepalive as TunnelParams['keepalive']) : null,
    };
    const touchesParams =
      params.tunnelId !== current.tunnelId ||
      params.local !== current.local ||
      params.remote !== current.remote ||
      params.link !== current.link ||
      params.ttl !== current.ttl ||
      params.tos !== current.tos ||
      p.keepalive !== undefined;
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
    if (params) {
      body.kind = params.kind;
      body.infoData = (w) => encodeTunnelInfoData(w, params);
    }
    return body;
  }

  /** Check and resolve a change, and build its request without sending it. */
  async planChangeTunnel(
    target: TunnelTarget,
    patch: TunnelPatch,
    opts?: OperationOptions,
  ): Promise<PlannedRequest> {
    if (this.ns) {
      const a = await changeInNetns(
        this.ns.path,
        this.childRequest('plan', target, patch, opts),
        opts?.signal,
      );
      const plan: PlannedRequest = { operation: 'change', bytes: fromHex(a.planHex ?? '') };
      if (a.interface !== undefined) plan.interface = a.interface;
      return plan;
    }
    const { current, params, extras, touchesParams } = await this.prepareChange(target, patch, opts);
    const bytes = buildNewLinkRequest(
      0,
      CHANGE_FLAGS,
      this.changeBody(current.index, touchesParams ? params : undefined, extras),
    );
    return { operation: 'change', interface: current.name, bytes };
  }

  private childRequest(
    op: NetnsChildRequest['op'],
    target: TunnelTarget,
    patch: TunnelPatch,
    opts?: OperationOptions,
  ): NetnsChildRequest {
    const timeout = opts?.timeout ?? this.defaultTimeout;
    return { op, target, patch, ...(timeout !== undefined ? { timeout } : {}) };
  }

  /**
   * Change only what `patch` names; everything else keeps its current value
   * (the current state is read first, since the driver resets whatever a
   * change request leaves out). If the kernel refuses part of the change, the
   * tunnel parameters are restored.
   *
   * @example
   * ```ts
   * await client.changeTunnel('eoip1', { ttl: 64 }); // only the TTL changes
   * ```
   */
  async changeTunnel(target: TunnelTarget, patch: TunnelPatch, opts?: OperationOptions): Promise<Tunnel> {
    if (this.ns) {
      // The kernel resolves RTM_NEWLINK changes in the socket's own namespace
      // only (IFLA_TARGET_NETNSID there would *move* a device): a helper
      // process placed in the namespace makes the change.
      const a = await changeInNetns(
        this.ns.path,
        this.childRequest('change', target, patch, opts),
        opts?.signal,
      );
      return a.tunnel!;
    }
    const { current, params, extras, touchesParams } = await this.prepareChange(target, patch, opts);
    const body = this.changeBody(current.index, touchesParams ? params : undefined, extras);
    const hasExtras = Object.keys(extras).length > 0;
    if (touchesParams || hasExtras) {
      try {
        await this.sock.ack((seq) => buildNewLinkRequest(seq, CHANGE_FLAGS, body), this.req(opts, 'change'));
      } catch (e) {
        // The kernel applies tunnel parameters before link attributes: a
        // refusal of the latter would leave the former changed. Put them back.
        if (touchesParams && hasExtras) await this.restore(current, opts);
        throw asKernelError(e, 'change', current.name, current.kind);
      }
    }
    const after = await this.getTunnel(current.index, opts);
    if (!after)
      throw new LinkNotFoundError({ errno: 19, operation: 'change', interface: current.name }, 'vanished');
    return after;
  }

  private async restore(previous: Tunnel, opts?: OperationOptions): Promise<void> {
    const params: TunnelParams = { ...previous, keepalive: previous.keepalive };
    try {
      await this.sock.ack(
        (seq) => buildNewLinkRequest(seq, CHANGE_FLAGS, this.changeBody(previous.index, params, {})),
        this.req(opts, 'change'),
      );
    } catch {
      // Best effort: the original error is the one to report.
    }
  }

  // --- delete ------------------------------------------------------------

  /** Check the target and build the delete request without sending it. */
  async planDeleteTunnel(target: TunnelTarget, opts?: OperationOptions): Promise<PlannedRequest> {
    const t = await this.currentTunnel(target, 'delete', opts);
    const bytes = buildDeleteLinkRequest(0, { index: t.index }, this.nsid);
    return { operation: 'delete', interface: t.name, bytes };
  }

  /** Delete a tunnel. Refuses (NotATunnelError) links of other kinds. */
  async deleteTunnel(target: TunnelTarget, opts?: OperationOptions): Promise<void> {
    const t = await this.currentTunnel(target, 'delete', opts);
    await deleteLink(this.sock, { index: t.index }, { ...this.req(opts, 'delete'), ...this.nsid }).catch(
      (e) => {
        if (e instanceof LinkNotFoundError) {
          throw new LinkNotFoundError(
            { errno: 19, operation: 'delete', interface: t.name },
            'no such interface',
          );
        }
        throw e;
      },
    );
  }

  /**
   * Delete many tunnels; resolves with one result per target, in order (like
   * `Promise.allSettled`): a missing one is a LinkNotFoundError, a link of
   * another kind a NotATunnelError, and neither stops the others. The kernel
   * removes them together, behind one wait instead of one per tunnel (1,000
   * tunnels: well under a second instead of ~16 s): see {@link deleteLinks}.
   * Every target is checked before anything is sent.
   */
  async deleteTunnels(
    targets: readonly TunnelTarget[],
    opts?: OperationOptions,
  ): Promise<PromiseSettledResult<void>[]> {
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
        ...this.nsid,
        check: (l) =>
          l.kind !== undefined && isTunnelKind(l.kind) ? undefined : new NotATunnelError(l.name, l.kind),
      },
    );
  }
}

/** Same (local, remote, tunnel id, link): the driver's identity of a tunnel. */
function sameIdentity(t: TunnelParams, p: TunnelParams): boolean {
  return (
    t.tunnelId === p.tunnelId &&
    canon(t.local) === canon(p.local) &&
    canon(t.remote) === canon(p.remote) &&
    t.link === p.link
  );
}

function canon(a: string): string {
  const p = parseIp(a);
  if (!p) return a;
  return p.family === 6 ? formatIPv6(p.bytes) : formatIPv4(p.bytes);
}
