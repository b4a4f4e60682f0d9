/**
 * The tunnel API's logic on real eoip state: the captured kernel answers of
 * dumps.json are replayed at the socket boundary, and the requests the API
 * sends are checked field by field.
 */
import { describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import {
  InvalidArgumentError,
  LinkNotFoundError,
  NotATunnelError,
  TunnelExistsError,
} from '../../src/api/errors.js';
import { formatTunnelLine } from '../../src/api/format.js';
import { fromHex, toHex } from '../../src/codec/bytes.js';
import { NLM_F_ECHO, RTM_DELLINK, RTM_NEWLINK } from '../../src/codec/constants.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import { setKernelFilterSupport } from '../../src/transport/dump.js';
import { ReplayTransport } from '../fixtures/replay.js';
import { dumpsVectors, sentRequestCases } from '../fixtures/vectors.js';

function client(t = new ReplayTransport()) {
  return { t, c: EoipClient.withTransport(t) };
}

describe('listTunnels / getTunnel on captured driver state', () => {
  it('lists every tunnel of the capture, ordered by ifindex, formatting to the reference lines', async () => {
    const { c } = client();
    const tunnels = await c.listTunnels();
    const want = dumpsVectors()
      .links.filter((l) => l.eoip_list_line !== null)
      .sort((a, b) => a.ifindex - b.ifindex);
    expect(tunnels.map((t) => t.index)).toEqual(want.map((l) => l.ifindex));
    expect(tunnels.map(formatTunnelLine)).toEqual(want.map((l) => l.eoip_list_line));
  });

  it('filters by kind with the kernel filter', async () => {
    const { t, c } = client();
    const v6 = await c.listTunnels({ kind: 'eoipv6' });
    expect(v6.length).toBeGreaterThan(0);
    expect(v6.every((x) => x.kind === 'eoipv6')).toBe(true);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]!.link.linkInfo?.kind).toBe('eoipv6');
  });

  it('gets one tunnel with its state, and refuses other kinds', async () => {
    const { c } = client();
    const t = await c.getTunnel('e_ka1_1');
    expect(t).toMatchObject({
      kind: 'eoip',
      name: 'e_ka1_1',
      tunnelId: 13,
      local: '10.0.0.1',
      remote: '10.0.0.5',
      keepalive: { interval: 1, retries: 1 },
      up: true,
      running: false,
      operState: 'lowerlayerdown',
    });
    expect(await c.getTunnel('nosuch')).toBeUndefined();
    await expect(c.getTunnel('br0')).rejects.toBeInstanceOf(NotATunnelError);
  });
});

describe('changeTunnel: read, merge, send the full state', () => {
  it('changes only the TTL: every other parameter is sent as it was', async () => {
    const { t, c } = client();
    await c.changeTunnel('e_tid1234', { ttl: 64 });
    expect(t.mutations).toHaveLength(1);
    const m = t.mutations[0]!;
    expect(m.type).toBe(RTM_NEWLINK);
    expect(m.flags).toBe(0x5); // REQUEST|ACK: never CREATE, so a missing link cannot be created
    expect(m.link.index).toBe(11);
    expect(m.link.name).toBeUndefined();
    expect(m.link.tunnel).toMatchObject({
      tunnelId: 1234,
      local: '10.0.0.1',
      remote: '10.0.0.4',
      link: 0,
      ttl: 64,
      tos: 255,
    });
    // Keepalive untouched: not sent, so the driver keeps it.
    expect(m.link.tunnel!.keepalive).toBeNull();
  });

  it('changes keepalive alone and keeps the addresses, id, ttl and tos', async () => {
    const { t, c } = client();
    await c.changeTunnel('e_ka10', { keepalive: { interval: 30, retries: 4 } });
    expect(t.mutations[0]!.link.tunnel).toMatchObject({
      tunnelId: 10,
      local: '10.0.0.1',
      remote: '10.0.0.5',
      keepalive: { interval: 30, retries: 4 },
    });
    const { t: t2, c: c2 } = client();
    await c2.changeTunnel('v6_tid1234', { keepalive: 'none', tos: 12 });
    expect(t2.mutations[0]!.link.tunnel).toMatchObject({
      kind: 'eoipv6',
      tunnelId: 1234,
      local: 'fd00::1',
      remote: 'fd00::4',
      tos: 12,
      keepalive: { interval: 0, retries: 0 },
    });
  });

  it('sends link attributes alone when no tunnel parameter changes', async () => {
    const { t, c } = client();
    await c.changeTunnel('e_up', { mtu: 1400, up: false, name: 'e_renamed' });
    const m = t.mutations[0]!;
    expect(m.link.linkInfo).toBeUndefined();
    expect(m.link).toMatchObject({ index: 17, mtu: 1400, name: 'e_renamed', change: 1, flags: 0 });
  });

  it('refuses to switch address family, before sending anything', async () => {
    const { t, c } = client();
    const err = await c.changeTunnel('v6_basic', { remote: '10.0.0.9' }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('remote');
    expect(err.allowed).toContain('IPv6');
    expect(t.mutations).toHaveLength(0);
  });

  it('refuses non-tunnel links and missing names', async () => {
    const { t, c } = client();
    await expect(c.changeTunnel('d0', { ttl: 3 })).rejects.toBeInstanceOf(NotATunnelError);
    const missing = await c.changeTunnel('nosuch9', { ttl: 3 }).catch((e) => e);
    expect(missing).toBeInstanceOf(LinkNotFoundError);
    expect(missing).toMatchObject({ errno: 19, operation: 'change', interface: 'nosuch9' });
    expect(t.mutations).toHaveLength(0);
  });

  it('restores the tunnel parameters when the kernel refuses the link part', async () => {
    // First NEWLINK (params + rename) refused with EEXIST after the kernel
    // applied the tunnel id (IFLA_GRE_IKEY 7 -> 700), as it does; the restore succeeds.
    const links = dumpsVectors().links.map((l) =>
      fromHex(
        l.name === 'e_basic'
          ? l.rtm_newlink_hex.replace('0800040007000000', '08000400bc020000')
          : l.rtm_newlink_hex,
      ),
    );
    const t = new ReplayTransport((_req, n) => {
      // The change leaves tunnel id 700; the restore brings back the captured state.
      t.setLinks(n === 0 ? links : dumpsVectors().links.map((l) => fromHex(l.rtm_newlink_hex)));
      return n === 0 ? 17 : 0;
    });
    const c = EoipClient.withTransport(t);
    const err = await c.changeTunnel('e_basic', { tunnelId: 700, name: 'eoip0' }).catch((e) => e);
    expect(err).toBeInstanceOf(TunnelExistsError);
    expect(err).toMatchObject({ operation: 'change', interface: 'e_basic' });
    expect(t.mutations).toHaveLength(2);
    expect(t.mutations[0]!.link.tunnel!.tunnelId).toBe(700);
    const restore = t.mutations[1]!;
    expect(restore.link.name).toBeUndefined();
    expect(restore.link.tunnel).toMatchObject({
      tunnelId: 7,
      local: '10.0.0.1',
      remote: '10.0.0.2',
      ttl: 0,
      tos: 0,
    });
  });
});

describe('createTunnel and deleteTunnel requests', () => {
  it('sends the reference tool create request byte for byte, plus NLM_F_ECHO', async () => {
    const { t, c } = client();
    await c.createTunnel({ name: 'e1', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2' });
    const m = t.mutations[0]!;
    expect(m.flags).toBe(0x605 | NLM_F_ECHO);
    const ref = sentRequestCases().find((x) => x.id === 'add_name_basic')!;
    const ours = m.bytes.slice();
    const v = new DataView(ours.buffer);
    v.setUint16(6, 0x605, true); // the reference sends no NLM_F_ECHO
    v.setUint32(8, 0, true); // sequence numbers are zeroed in the capture
    expect(toHex(ours)).toBe(ref.request_hex_seq_zeroed);
  });

  it('finds an unnamed tunnel by its (local, remote, id, link) identity after creating it', async () => {
    const { c } = client();
    const tun = await c.createTunnel({ tunnelId: 1, local: '10.0.0.1', remote: '10.0.0.3' });
    expect(tun.name).toBe('eoip0');
    expect(tun.index).toBe(8);
  });

  it('deletes by ifindex after checking the kind', async () => {
    const { t, c } = client();
    await c.deleteTunnel('e_basic');
    expect(t.mutations).toHaveLength(1);
    expect(t.mutations[0]!.type).toBe(RTM_DELLINK);
    expect(t.mutations[0]!.link.index).toBe(7);
    const { t: t2, c: c2 } = client();
    await expect(c2.deleteTunnel('br0')).rejects.toBeInstanceOf(NotATunnelError);
    expect(t2.mutations).toHaveLength(0);
  });
});

describe('deleteTunnels', () => {
  const groupOf = (r: { link: { unknown: Array<{ type: number; value: Uint8Array }> } }) => {
    const a = r.link.unknown.find((x) => x.type === 27 /* IFLA_GROUP */);
    return a ? new DataView(a.value.buffer, a.value.byteOffset, 4).getUint32(0, true) : undefined;
  };

  /** The group a link message holds (the last IFLA_GROUP: a move appends one). */
  const lastGroup = (m: Uint8Array) => {
    const a = decodeLinkMessage(m)
      .unknown.filter((x) => x.type === 27)
      .at(-1);
    return a ? new DataView(a.value.buffer, a.value.byteOffset, 4).getUint32(0, true) : 0;
  };

  /**
   * A replayed kernel that applies what a bulk delete relies on: a move by
   * ifindex appends its attributes (group, alias) to the link, and a group
   * delete removes the group's members. `refuse(n)` is the errno of the n-th ack.
   */
  function applyingKernel(refuse: (n: number) => number = () => 0): ReplayTransport {
    const t: ReplayTransport = new ReplayTransport((req, n) => {
      const errno = refuse(n);
      if (errno !== 0) return errno;
      const table = t.table;
      if (req.type === RTM_NEWLINK && req.link.index > 0) {
        const at = table.findIndex((m) => decodeLinkMessage(m).index === req.link.index);
        if (at < 0) return 19;
        const extra = req.bytes.subarray(32); // after nlmsghdr + ifinfomsg
        const next = new Uint8Array(table[at]!.length + extra.length);
        next.set(table[at]!);
        next.set(extra, table[at]!.length);
        new DataView(next.buffer).setUint32(0, next.length, true);
        table[at] = next;
      } else if (req.type === RTM_DELLINK && req.link.index === 0) {
        const group = groupOf(req);
        t.setLinks(table.filter((m) => lastGroup(m) !== group));
      }
      return 0;
    });
    return t;
  }

  it('moves the tunnels into one unused group and deletes that group; others get their own error', async () => {
    const { t, c } = client(applyingKernel());
    const r = await c.deleteTunnels(['e_basic', 'br0', 'nosuch', 25, 'e_tid0']);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    const notTunnel = (r[1] as PromiseRejectedResult).reason;
    expect(notTunnel).toBeInstanceOf(NotATunnelError);
    expect(notTunnel).toMatchObject({ interface: 'br0', kind: 'bridge' });
    const missing = (r[2] as PromiseRejectedResult).reason;
    expect(missing).toBeInstanceOf(LinkNotFoundError);
    expect(missing).toMatchObject({ errno: 19, operation: 'delete', interface: 'nosuch' });
    // Three moves (by ifindex), then one RTM_DELLINK naming the group and no link.
    const m = t.mutations;
    expect(m.map((x) => x.type)).toEqual([RTM_NEWLINK, RTM_NEWLINK, RTM_NEWLINK, RTM_DELLINK]);
    expect(m.slice(0, 3).map((x) => x.link.index)).toEqual([7, 25, 9]);
    const group = groupOf(m[0]!);
    // A borrowed group: 0xEE000000-0xEEFFFFFF.
    expect(group! >>> 24).toBe(0xee);
    expect(m.map(groupOf)).toEqual([group, group, group, group]);
    expect(m[3]!.link.index).toBe(0);
    expect(m[3]!.link.name).toBeUndefined();
  });

  it('puts every tunnel back in its group and deletes them one by one when the group delete is refused', async () => {
    // Refuse the group delete (the 4th ack) with EOPNOTSUPP; accept the rest.
    const t = applyingKernel((n) => (n === 2 ? 95 : 0));
    const r = await EoipClient.withTransport(t).deleteTunnels(['e_basic', 'v6_basic']);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled']);
    const m = t.mutations;
    expect(m.map((x) => x.type)).toEqual([
      RTM_NEWLINK,
      RTM_NEWLINK,
      RTM_DELLINK,
      RTM_NEWLINK,
      RTM_NEWLINK,
      RTM_DELLINK,
      RTM_DELLINK,
    ]);
    // Back to the group the capture shows (0), then deleted by ifindex.
    expect(m.slice(3, 5).map(groupOf)).toEqual([0, 0]);
    expect(m.slice(5).map((x) => x.link.index)).toEqual([7, 25]);
  });

  it('checks every target before sending anything', async () => {
    const { t, c } = client();
    const err = await c.deleteTunnels(['e_basic', 'x'.repeat(16)]).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('targets[1]');
    expect(t.sent).toHaveLength(0);
  });
});

describe('listing when the kernel ignores the kind filter', () => {
  const v6Only = () =>
    dumpsVectors()
      .links.filter((l) => l.kind !== 'eoip')
      .map((l) => fromHex(l.rtm_newlink_hex));

  it('a kernel that filters: one dump per kind, the unregistered one not decoded', async () => {
    // No eoip links: the replayed kernel, like the real one, does not know the kind and answers unfiltered.
    const t = new ReplayTransport(undefined, v6Only());
    const tunnels = await EoipClient.withTransport(t).listTunnels();
    expect(t.sent.map((r) => r.link.linkInfo?.kind)).toEqual(['eoip', 'eoipv6']);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(tunnels.every((x) => x.kind === 'eoipv6')).toBe(true);
  });

  it('an old kernel: one unfiltered answer serves both kinds, no second dump', async () => {
    setKernelFilterSupport(false);
    try {
      const t = new ReplayTransport(undefined, v6Only());
      const tunnels = await EoipClient.withTransport(t).listTunnels();
      expect(t.sent).toHaveLength(1);
      expect(tunnels.length).toBeGreaterThan(0);
      expect(tunnels.every((x) => x.kind === 'eoipv6')).toBe(true);
      expect(tunnels.map((x) => x.index)).toEqual([...tunnels.map((x) => x.index)].sort((a, b) => a - b));
    } finally {
      setKernelFilterSupport(undefined);
    }
  });

  it('an unregistered kind asked alone has no links, decoded or not', async () => {
    const t = new ReplayTransport(undefined, v6Only());
    expect(await EoipClient.withTransport(t).listTunnels({ kind: 'eoip' })).toEqual([]);
    setKernelFilterSupport(false); // an old kernel: the answer is filtered in user space
    try {
      expect(
        await EoipClient.withTransport(new ReplayTransport(undefined, v6Only())).listTunnels({
          kind: 'eoip',
        }),
      ).toEqual([]);
      const all = await EoipClient.withTransport(new ReplayTransport()).listTunnels({ kind: 'eoipv6' });
      expect(all.every((x) => x.kind === 'eoipv6')).toBe(true);
    } finally {
      setKernelFilterSupport(undefined);
    }
  });

  it('both kinds registered: two filtered dumps, merged by ifindex', async () => {
    const t = new ReplayTransport();
    const tunnels = await EoipClient.withTransport(t).listTunnels();
    expect(t.sent.map((r) => r.link.linkInfo?.kind)).toEqual(['eoip', 'eoipv6']);
    expect(new Set(tunnels.map((x) => x.kind))).toEqual(new Set(['eoip', 'eoipv6']));
  });
});
