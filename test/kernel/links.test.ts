/**
 * The generic link layer and the transport against the real kernel, with
 * stand-in kinds (bridge, veth, vxlan, dummy-free: this kernel has no dummy
 * guarantee, so bridge/veth/vxlan/ifb are used).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeWriter } from '../../src/codec/attributes.js';
import { IFLA_IFNAME, RTEXT_FILTER_SKIP_STATS } from '../../src/codec/constants.js';
import { buildDumpLinksRequest } from '../../src/codec/requests.js';
import {
  KernelError,
  LinkExistsError,
  LinkNotFoundError,
  TunnelExistsError,
} from '../../src/transport/errors.js';
import { changeLink, createLink, deleteLink, dumpLinks, getLink } from '../../src/transport/links.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel, ipLinks, linkNames, uniqueName } from './helpers.js';

/** IFLA_INFO_DATA of a vxlan: VNI and UDP port (big endian). */
function vxlanData(vni: number) {
  return (w: AttributeWriter) => {
    w.u32(1 /* IFLA_VXLAN_ID */, vni);
    const port = new Uint8Array([0x12, 0xb5]); // 4789
    w.bytes(15 /* IFLA_VXLAN_PORT */, port);
  };
}

/** IFLA_INFO_DATA of a veth: VETH_INFO_PEER = ifinfomsg + the peer's name. */
function vethPeer(peer: string) {
  return (w: AttributeWriter) =>
    w.nest(1 /* VETH_INFO_PEER */, (p) => {
      p.zeros(16);
      p.string(IFLA_IFNAME, peer);
    });
}

describe.skipIf(!canUseKernel)('generic link layer on the real kernel', () => {
  let sock: NetlinkSocket;
  beforeAll(() => {
    sock = NetlinkSocket.open();
  });
  afterAll(() => sock.close());

  it('creates a bridge and a vxlan enslaved to it, up, with MTU, in one request each', async () => {
    const br = uniqueName('br');
    const vx = uniqueName('vx');
    await createLink(sock, { name: br, kind: 'bridge' });
    const bridge = await getLink(sock, { name: br });
    expect(bridge?.linkInfo?.kind).toBe('bridge');
    await createLink(sock, {
      name: vx,
      kind: 'vxlan',
      infoData: vxlanData(4242),
      mtu: 1400,
      master: bridge!.index,
      up: true,
    });
    const got = await getLink(sock, { name: vx });
    expect(got).toMatchObject({ name: vx, mtu: 1400, master: bridge!.index });
    expect(got!.linkInfo?.kind).toBe('vxlan');
    expect(got!.flags & 1).toBe(1); // IFF_UP
    // What iproute2 sees agrees.
    const seen = ipLinks().find((l) => l.ifname === vx)!;
    expect(seen.mtu).toBe(1400);
    expect(seen.master).toBe(br);
    await deleteLink(sock, { name: vx });
    await deleteLink(sock, { index: bridge!.index });
    expect(linkNames()).not.toContain(vx);
    expect(linkNames()).not.toContain(br);
  });

  it('changes MTU, name and state of an existing link, by index', async () => {
    const a = uniqueName('va');
    const b = uniqueName('vb');
    await createLink(sock, { name: a, kind: 'veth', infoData: vethPeer(b) });
    const before = await getLink(sock, { name: a });
    const renamed = uniqueName('vr');
    await changeLink(sock, { index: before!.index, mtu: 1280, name: renamed, up: true });
    const after = await getLink(sock, { index: before!.index });
    expect(after!.name).toBe(renamed);
    expect(after!.mtu).toBe(1280);
    expect(after!.flags & 1).toBe(1);
    expect(await getLink(sock, { name: a })).toBeUndefined();
    await deleteLink(sock, { name: renamed }); // deleting one end removes the pair
    expect(linkNames()).not.toContain(b);
  });

  it('answers EEXIST and ENODEV with typed errors naming the interface', async () => {
    const br = uniqueName('bx');
    await createLink(sock, { name: br, kind: 'bridge' });
    const dup = await createLink(sock, { name: br, kind: 'bridge' }).catch((e) => e);
    expect(dup).toBeInstanceOf(LinkExistsError);
    expect(dup).not.toBeInstanceOf(TunnelExistsError);
    expect(dup).toMatchObject({ errno: 17, code: 'EEXIST', operation: 'create', interface: br });
    const missing = await changeLink(sock, { name: 'nosuch0', mtu: 1400 }).catch((e) => e);
    expect(missing).toBeInstanceOf(LinkNotFoundError);
    expect(missing).toMatchObject({ errno: 19, operation: 'change', interface: 'nosuch0' });
    const del = await deleteLink(sock, { name: 'nosuch1' }).catch((e) => e);
    expect(del).toMatchObject({ errno: 19, code: 'ENODEV', operation: 'delete', interface: 'nosuch1' });
    await deleteLink(sock, { name: br });
  });

  it('leaves nothing behind when a create with a missing master fails', async () => {
    const before = linkNames();
    const vx = uniqueName('vm');
    const err = await createLink(sock, {
      name: vx,
      kind: 'vxlan',
      infoData: vxlanData(77),
      master: 999999,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.errno).toBeGreaterThan(0);
    expect(linkNames()).toEqual(before);
  });

  it('refuses an unknown kind with EOPNOTSUPP and its hint', async () => {
    const err = await createLink(sock, { name: uniqueName('ek'), kind: 'eoip' }).catch((e) => e);
    expect(err).toMatchObject({ errno: 95, code: 'EOPNOTSUPP', operation: 'create' });
    expect(err.constructor.name).toBe('KindNotAvailableError');
    expect(err.message).toContain('modprobe eoip');
  });

  it('returns 1 of 1,000 links from a kind-filtered dump, flagged NLM_F_DUMP_FILTERED', async () => {
    const prefix = `f${process.pid % 1000}`;
    // 998 veth ends (499 pairs) + 1 vxlan + lo and whatever exists: made with ip -batch for speed.
    const lines: string[] = [];
    for (let i = 0; i < 499; i++) lines.push(`link add ${prefix}a${i} type veth peer name ${prefix}b${i}`);
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
    const vx = uniqueName('vf');
    await createLink(sock, { name: vx, kind: 'vxlan', infoData: vxlanData(99) });
    try {
      const all = await dumpLinks(sock, { stats: false });
      expect(all.length).toBeGreaterThanOrEqual(1000);
      // A fresh socket's very first dump already comes in 32 KiB datagrams
      // (~1 KiB per link: 20+ links each), not in the ~4 KiB ones the kernel
      // uses for a reader that never read more than that (3 links each).
      const fresh = NetlinkSocket.open();
      const small = NetlinkSocket.open({ datagramSize: 4096 });
      try {
        const noop = () => undefined;
        const req = (seq: number) => buildDumpLinksRequest(seq, { extMask: RTEXT_FILTER_SKIP_STATS });
        const big = await fresh.dump(req, noop);
        const four = await small.dump(req, noop);
        expect(big.messages).toBe(all.length);
        expect(four.messages).toBe(all.length);
        expect(big.datagrams).toBeLessThanOrEqual(Math.ceil(big.messages / 15));
        expect(four.datagrams).toBeGreaterThanOrEqual(Math.floor(four.messages / 4));
      } finally {
        fresh.close();
        small.close();
      }
      const only = await dumpLinks(sock, { kind: 'vxlan' });
      expect(only.map((l) => l.name)).toEqual([vx]);
      expect(only[0]!.messageFlags & 0x20).toBe(0x20);
      expect(only[0]!.linkInfo?.kind).toBe('vxlan');
      // A kind this kernel does not know: the kernel ignores the filter; nothing of that kind comes back.
      expect(await dumpLinks(sock, { kind: 'eoip' })).toEqual([]);
    } finally {
      const del = lines.map((_, i) => `link del ${prefix}a${i}`);
      execFileSync('ip', ['-batch', '-'], { input: `${del.join('\n')}\n` });
      await deleteLink(sock, { name: vx });
    }
  }, 60000);

  it('runs 1,000 concurrent requests on one socket, each with its own answer', async () => {
    const names = [uniqueName('c1'), uniqueName('c2'), uniqueName('c3')];
    for (const n of names) await createLink(sock, { name: n, kind: 'bridge' });
    try {
      const want = names.map((n) => ipLinks().find((l) => l.ifname === n)!.ifindex);
      const ops: Array<Promise<unknown>> = [];
      for (let i = 0; i < 1000; i++) {
        const k = i % 4;
        if (k < 3) ops.push(getLink(sock, { index: want[k]! }).then((l) => l?.name));
        else ops.push(getLink(sock, { name: `absent${i}` }).then((l) => l ?? 'absent'));
      }
      // Two dumps in the middle: the socket serialises them (the kernel would say EBUSY).
      ops.push(dumpLinks(sock, { kind: 'bridge' }).then((l) => l.length));
      ops.push(dumpLinks(sock, { kind: 'bridge' }).then((l) => l.length));
      const got = await Promise.all(ops);
      for (let i = 0; i < 1000; i++) {
        const k = i % 4;
        expect(got[i]).toBe(k < 3 ? names[k] : 'absent');
      }
      expect(got[1000]).toBeGreaterThanOrEqual(3);
      expect(got[1001]).toBe(got[1000]);
      expect(sock.pendingCount).toBe(0);
    } finally {
      for (const n of names) await deleteLink(sock, { name: n });
    }
  }, 60000);
});
