/**
 * The link decoder against one captured kernel dump: every RTM_NEWLINK must
 * decode to what iproute2 and the reference tool saw in the same moment.
 */
import { describe, expect, it } from 'vitest';
import { formatTunnelLine } from '../../src/api/format.js';
import {
  decodeLinkMessage,
  describeMessage,
  fromHex,
  IFF_RUNNING,
  NLM_F_MULTI,
  NLMSG_DONE,
  peekLinkKind,
  RTM_NEWLINK,
  splitMessages,
  type Tunnel,
} from '../../src/codec/index.js';
import { allErrorCases, type DumpLink, dumpsVectors, findAttr, infoDataOf } from '../fixtures/vectors.js';

/**
 * The reference tool's list line, written from the grammar in the facts file
 * independently of src/api/format.ts, so that each checks the other.
 */
function listLine(t: Tunnel): string {
  let s = `${t.index}: ${t.name}@${t.link}: link/${t.kind} ${t.local} remote ${t.remote} tunnel-id ${t.tunnelId}`;
  s += ` ttl ${t.ttl} tos ${t.tos}`;
  if (t.keepalive) {
    s +=
      t.keepalive.interval === 0
        ? ' keepalive none'
        : ` keepalive ${t.keepalive.interval},${t.keepalive.retries}`;
  }
  return s;
}

/** IFF_* bits of the flag names iproute2 prints. */
const IFF: Record<string, number> = {
  UP: 0x1,
  BROADCAST: 0x2,
  DEBUG: 0x4,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  NOTRAILERS: 0x20,
  NOARP: 0x80,
  PROMISC: 0x100,
  ALLMULTI: 0x200,
  MASTER: 0x400,
  SLAVE: 0x800,
  MULTICAST: 0x1000,
  LOWER_UP: 0x10000,
  DORMANT: 0x20000,
  ECHO: 0x40000,
};

/** ifi_flags as iproute2 shows them: RUNNING hidden; NO-CARRIER / M-DOWN are not flags. */
function iproute2Flags(names: string[]): number {
  let f = 0;
  for (const n of names) {
    if (n === 'NO-CARRIER' || n === 'M-DOWN') continue;
    const bit = IFF[n];
    if (bit === undefined) throw new Error(`unknown iproute2 flag ${n}`);
    f |= bit;
  }
  return f;
}

const LINE =
  /^(\d+): (\S+)@(\d+): link\/(eoip|eoipv6) (\S+) remote (\S+) tunnel-id (\d+) ttl (\d+) tos (\d+)( keepalive (none|(\d+),(\d+)))?$/;

const links = dumpsVectors().links;
const tunnels = links.filter((l) => l.eoip_list_line !== null);

describe('captured dump (dumps.json)', () => {
  it('holds tunnels of both kinds and other links for contrast', () => {
    expect(links.length).toBe(22);
    expect(tunnels.filter((l) => l.kind === 'eoip').length).toBe(13);
    expect(tunnels.filter((l) => l.kind === 'eoipv6').length).toBe(5);
    expect(links.filter((l) => l.eoip_list_line === null).map((l) => l.name)).toEqual([
      'd0',
      'br0',
      'va',
      'lo',
    ]);
  });

  describe.each(links.map((l) => [l.name, l] as const))('%s', (_name, l: DumpLink) => {
    const bytes = fromHex(l.rtm_newlink_hex);
    const ip = l.ip_d_j_link_show;

    it('describeMessage gives the recorded tree', () => {
      expect(bytes.byteLength).toBe(l.rtm_newlink_len);
      expect(describeMessage(bytes)).toStrictEqual(l.decoded);
    });

    it('decodeLinkMessage agrees with iproute2', () => {
      const m = decodeLinkMessage(bytes);
      expect(m.messageType).toBe(RTM_NEWLINK);
      expect(m.messageFlags).toBe(NLM_F_MULTI);
      expect(m.seq).toBe(l.decoded.nlmsghdr.seq);
      expect(m.index).toBe(l.ifindex);
      expect(m.index).toBe(ip.ifindex);
      expect(m.name).toBe(l.name);
      expect(m.linkInfo?.kind).toBe(l.kind ?? undefined);
      expect(m.mtu).toBe(ip.mtu);
      expect(m.minMtu).toBe(ip['min_mtu']);
      expect(m.maxMtu).toBe(ip['max_mtu']);
      expect(m.txQueueLength).toBe(ip['txqlen']);
      expect(m.address).toBe(ip.address);
      expect(m.broadcast).toBe(ip['broadcast']);
      expect(m.operState).toBe(ip.operstate.toLowerCase());
      expect(m.flags & ~IFF_RUNNING).toBe(iproute2Flags(ip.flags));
      // iproute2 prints NO-CARRIER for an up link without carrier.
      expect(ip.flags.includes('NO-CARRIER')).toBe((m.flags & 0x1) !== 0 && (m.flags & 0x10000) === 0);
      expect(m.master).toBeUndefined();
      expect(m.stats).toBeDefined();
      expect(m.carrier).toBe(findAttr(l.decoded.attrs, 'IFLA_CARRIER')?.value === 1);
    });

    if (l.eoip_list_line === null) {
      it('is not a tunnel', () => {
        expect(decodeLinkMessage(bytes).tunnel).toBeUndefined();
      });
      return;
    }

    it('decodes to the tunnel the reference tool listed', () => {
      const t = decodeLinkMessage(bytes).tunnel!;
      const [, index, name, link, kind, local, remote, id, ttl, tos, kaPart, kaWord, interval, retries] =
        LINE.exec(l.eoip_list_line!)!;
      expect(t.index).toBe(Number(index));
      expect(t.name).toBe(name);
      expect(t.link).toBe(Number(link));
      expect(t.kind).toBe(kind);
      expect(t.local).toBe(local);
      expect(t.remote).toBe(remote);
      expect(t.tunnelId).toBe(Number(id));
      expect(t.ttl).toBe(Number(ttl));
      expect(t.tos).toBe(Number(tos));
      // Driver 2.2 always reports keepalive.
      expect(kaPart).toBeDefined();
      if (kaWord === 'none') expect(t.keepalive?.interval).toBe(0);
      else expect(t.keepalive).toEqual({ interval: Number(interval), retries: Number(retries) });
      expect(t.keepalive?.retries).toBe(findAttr(infoDataOf(l.decoded), 'IFLA_EOIP_KA_RETRIES')?.value);
      expect(t.mtu).toBe(ip.mtu);
      expect(t.address).toBe(ip.address);
      expect(t.up).toBe(ip.flags.includes('UP'));
      expect(t.running).toBe(ip.flags.includes('LOWER_UP'));
      expect(t.operState).toBe(ip.operstate.toLowerCase());
    });

    it('formats to the exact eoip list line', () => {
      const t = decodeLinkMessage(bytes).tunnel!;
      expect(listLine(t)).toBe(l.eoip_list_line);
      expect(formatTunnelLine(t)).toBe(l.eoip_list_line);
    });
  });

  it('splits a concatenated dump back into its messages, kind readable without decoding', () => {
    const parts = links.map((l) => fromHex(l.rtm_newlink_hex));
    const total = parts.reduce((n, p) => n + ((p.byteLength + 3) & ~3), 0);
    const all = new Uint8Array(total);
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += (p.byteLength + 3) & ~3;
    }
    const msgs = splitMessages(all);
    expect(msgs.length).toBe(links.length);
    msgs.forEach((m, i) => {
      expect(m.header.length).toBe(links[i]!.rtm_newlink_len);
      expect(decodeLinkMessage(m.bytes).name).toBe(links[i]!.name);
      const start = m.bytes.byteOffset - all.byteOffset;
      expect(peekLinkKind(all, start, start + m.header.length)).toBe(links[i]!.kind ?? undefined);
    });
  });

  it('the list answers of errors.json split into link messages and a final NLMSG_DONE', () => {
    const lists = allErrorCases().filter(
      (c) => c.id === 'tool_nonroot_list' || c.id === 'tool_list_no_module',
    );
    expect(lists.length).toBe(2);
    for (const c of lists) {
      const msgs = splitMessages(fromHex(c.answer_hex!));
      const last = msgs.pop()!;
      expect(last.header.type).toBe(NLMSG_DONE);
      expect(describeMessage(last.bytes).done).toEqual({ error: 0, errno: 0, errno_name: 'OK' });
      expect(msgs.length).toBeGreaterThan(0);
      for (const m of msgs) {
        const d = decodeLinkMessage(m.bytes);
        expect(d.index).toBeGreaterThan(0);
        expect(d.name).toMatch(/^\S+$/);
      }
    }
  });
});
