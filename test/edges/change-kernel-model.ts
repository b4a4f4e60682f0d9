/**
 * A small model of the kernel's link table for change tests: it applies a
 * change request in the kernel's order (tunnel parameters first, then MAC
 * address, MTU, name, master, up/down: rtnl_newlink's changelink, then
 * do_setlink) and keeps what it applied when a later step is refused, as
 * the kernel does. Its rules are the ones found against the real eoip
 * driver: a rename or MAC change of an up interface is EBUSY; a new master
 * first releases the old one, then an interface that cannot be a master
 * refuses (EOPNOTSUPP), leaving the tunnel outside its bridge.
 */

import { SocketClosedError } from '../../src/api/errors.js';
import { parseMac } from '../../src/codec/addresses.js';
import { isTunnelKind } from '../../src/codec/eoip.js';
import { readHeader } from '../../src/codec/header.js';
import { decodeLinkBody } from '../../src/codec/link.js';
import { buildNewLinkRequest } from '../../src/codec/requests.js';
import type { LinkMessage, TunnelParams } from '../../src/codec/types.js';
import {
  type DumpSummary,
  type DumpVisitor,
  NetlinkErrorAnswer,
  type NetlinkTransport,
  type RequestOptions,
} from '../../src/transport/socket.js';
import { encodeTunnelInfoData } from '../fixtures/tunnel-info-data.js';

const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const NLM_F_MULTI = 0x2;
const NLM_F_CREATE = 0x400;
const EBUSY = 16;
const ENODEV = 19;
const EINVAL = 22;
const EOPNOTSUPP = 95;

/** One link of the model. */
export interface ModelLink {
  index: number;
  name: string;
  kind: string;
  /** Tunnel parameters, for eoip/eoipv6 links. */
  params?: TunnelParams;
  mtu: number;
  address: string;
  /** ifindex of the master, 0 = none. */
  master: number;
  up: boolean;
}

/** The steps of a change, in the kernel's order. */
export type ChangeStep = 'params' | 'address' | 'mtu' | 'name' | 'master' | 'flags';

/** A request the model received, decoded. */
export interface ModelRequest {
  type: number;
  flags: number;
  link: LinkMessage;
}

/**
 * Decide an extra refusal: called before each step of a change that the
 * request asks for, and once more (`step` 'end') after the last one; a
 * non-zero errno refuses there, keeping what was applied before.
 */
export type RefusalRule = (step: ChangeStep | 'end', link: ModelLink, req: ModelRequest) => number;

/** The kernel's link table, answering like rtnetlink. */
export class KernelModel implements NetlinkTransport {
  readonly links = new Map<number, ModelLink>();
  readonly sent: ModelRequest[] = [];
  private nextIndex = 100;
  /** An extra refusal, on top of the kernel's own rules. */
  refuse: RefusalRule | undefined;
  /**
   * Apply a mutating request and then fail its answer with this error (the
   * answer is lost: a timeout, a close): return undefined to answer normally.
   */
  loseAnswer: ((req: ModelRequest) => Error | undefined) | undefined;

  constructor(links: ModelLink[]) {
    for (const l of links) this.links.set(l.index, { ...l });
  }

  /** Mutating requests (RTM_NEWLINK). */
  get mutations(): ModelRequest[] {
    return this.sent.filter((r) => r.type === RTM_NEWLINK);
  }

  /** A link by name. */
  byName(name: string): ModelLink | undefined {
    for (const l of this.links.values()) if (l.name === name) return l;
    return undefined;
  }

  private record(bytes: Uint8Array): ModelRequest {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const h = readHeader(view, 0);
    // Requests share the link message layout whatever their type (GET, NEW).
    const link = decodeLinkBody(bytes, view, 0, bytes.byteLength, h.type, h.flags, h.seq);
    const r: ModelRequest = { type: h.type, flags: h.flags, link };
    this.sent.push(r);
    return r;
  }

  async ack(build: (seq: number) => Uint8Array, _opts?: RequestOptions): Promise<Uint8Array | undefined> {
    this.checkOpen('request');
    const req = this.record(build(1));
    const errno = (req.flags & NLM_F_CREATE) !== 0 ? this.create(req) : this.change(req);
    if (errno !== 0) throw new NetlinkErrorAnswer(errno);
    const lost = this.loseAnswer?.(req);
    if (lost) throw lost;
    return undefined;
  }

  private create(req: ModelRequest): number {
    const m = req.link;
    const name = m.name ?? `${m.linkInfo?.kind ?? 'link'}0`;
    if (this.byName(name)) return 17;
    const link: ModelLink = {
      index: this.nextIndex++,
      name,
      kind: m.linkInfo?.kind ?? 'unknown',
      mtu: m.mtu ?? 1458,
      address: m.address ?? '02:00:00:00:00:01',
      master: m.master ?? 0,
      up: (m.flags & 1) !== 0,
    };
    if (m.tunnel) {
      const { kind, tunnelId, local, remote, link: lower, ttl, tos, keepalive } = m.tunnel;
      link.params = {
        kind,
        tunnelId,
        local,
        remote,
        link: lower,
        ttl,
        tos,
        keepalive: keepalive ?? { interval: 0, retries: 0 },
      };
    }
    this.links.set(link.index, link);
    return 0;
  }

  private change(req: ModelRequest): number {
    const m = req.link;
    const link = this.links.get(m.index);
    if (!link) return ENODEV;
    const steps: Array<[ChangeStep, boolean, () => number]> = [
      ['params', m.tunnel !== undefined && link.params !== undefined, () => this.setParams(link, req)],
      [
        'address',
        m.address !== undefined,
        () => {
          if (link.up && m.address !== link.address) return EBUSY;
          link.address = m.address!;
          return 0;
        },
      ],
      [
        'mtu',
        m.mtu !== undefined,
        () => {
          link.mtu = m.mtu!;
          return 0;
        },
      ],
      [
        'name',
        m.name !== undefined && m.name !== link.name,
        () => {
          if (link.up) return EBUSY;
          if (this.byName(m.name!)) return 17;
          link.name = m.name!;
          return 0;
        },
      ],
      ['master', m.master !== undefined && m.master !== link.master, () => this.setMaster(link, m.master!)],
      [
        'flags',
        (m.change & 1) !== 0,
        () => {
          link.up = (m.flags & 1) !== 0;
          return 0;
        },
      ],
    ];
    for (const [step, asked, apply] of steps) {
      if (!asked) continue;
      const errno = this.refuse?.(step, link, req) || apply();
      if (errno !== 0) return errno;
    }
    return this.refuse?.('end', link, req) ?? 0;
  }

  private setParams(link: ModelLink, req: ModelRequest): number {
    const t = req.link.tunnel!;
    const old = link.params!;
    link.params = {
      ...old,
      tunnelId: t.tunnelId,
      local: t.local,
      remote: t.remote,
      link: t.link,
      ttl: t.ttl,
      tos: t.tos,
      keepalive: t.keepalive ?? old.keepalive,
    };
    return 0;
  }

  /** The old master lets go first; then the new one must take the link. */
  private setMaster(link: ModelLink, master: number): number {
    link.master = 0;
    if (master === 0) return 0;
    const upper = this.links.get(master);
    if (!upper) return EINVAL;
    if (upper.kind !== 'bridge') return EOPNOTSUPP;
    link.master = master;
    return 0;
  }

  /** The link as the kernel reports it. */
  message(l: ModelLink, flags = 0): Uint8Array {
    const params = l.params;
    return buildNewLinkRequest(0, flags, {
      index: l.index,
      name: l.name,
      kind: l.kind,
      ...(params ? { infoData: (w) => encodeTunnelInfoData(w, params) } : {}),
      mtu: l.mtu,
      address: parseMac(l.address)!,
      ...(l.master !== 0 ? { master: l.master } : {}),
      up: l.up,
    });
  }

  async reply(build: (seq: number) => Uint8Array, _opts?: RequestOptions): Promise<Uint8Array> {
    this.checkOpen('get');
    const req = this.record(build(2));
    if (req.type !== RTM_GETLINK) throw new NetlinkErrorAnswer(EOPNOTSUPP);
    const want = req.link;
    const hit = want.index > 0 ? this.links.get(want.index) : this.byName(want.name ?? '');
    if (!hit) throw new NetlinkErrorAnswer(ENODEV);
    return this.message(hit);
  }

  async dump(
    build: (seq: number) => Uint8Array,
    visit: DumpVisitor,
    _opts?: RequestOptions,
  ): Promise<DumpSummary> {
    this.checkOpen('list');
    const req = this.record(build(3));
    const kind = req.link.linkInfo?.kind;
    const out = [...this.links.values()]
      .filter((l) => kind === undefined || !isTunnelKind(kind) || l.kind === kind)
      .sort((a, b) => a.index - b.index);
    for (const l of out) {
      const msg = this.message(l, NLM_F_MULTI);
      visit(readHeader(new DataView(msg.buffer, msg.byteOffset), 0), msg, 0, msg.byteLength);
    }
    return { messages: out.length, interrupted: false, filtered: false, datagrams: out.length };
  }

  /** True once closed: every request then fails with SocketClosedError, as on a closed socket. */
  isClosed = false;

  close(): void {
    this.isClosed = true;
  }

  private checkOpen(operation: string): void {
    if (this.isClosed) throw new SocketClosedError(operation);
  }
}

/** A tunnel of the model: eoip 10.0.0.1 -> 10.0.0.2, id 7, ttl 0, tos 0, keepalive off. */
export function tunnel(index: number, name: string, more: Partial<ModelLink> = {}): ModelLink {
  return {
    index,
    name,
    kind: 'eoip',
    params: {
      kind: 'eoip',
      tunnelId: 7,
      local: '10.0.0.1',
      remote: '10.0.0.2',
      link: 0,
      ttl: 0,
      tos: 0,
      keepalive: { interval: 0, retries: 0 },
    },
    mtu: 1458,
    address: '86:5f:75:38:e0:a7',
    master: 0,
    up: false,
    ...more,
  };
}

/** A bridge (can be a master) and a dummy-like link (cannot). */
export function bridgeAndDummy(): ModelLink[] {
  return [
    { index: 4, name: 'br0', kind: 'bridge', mtu: 1500, address: '22:49:a2:4b:c9:31', master: 0, up: true },
    { index: 2, name: 'd0', kind: 'dummy', mtu: 1500, address: '66:f1:2d:ae:76:59', master: 0, up: true },
  ];
}
