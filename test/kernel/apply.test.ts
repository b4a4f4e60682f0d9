/**
 * The apply engine against the real kernel. The engine is kind-agnostic, so
 * vxlan links stand in for tunnels (this kernel has no eoip module): create,
 * apply again, change in place, replace (a VNI cannot change in place), prune,
 * and a refused step that stops the run. Then applyTunnels itself on this
 * kernel: plans and pre-checks are real, and a create is refused with the
 * kind-not-available error, leaving nothing behind.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplyError, applyTunnels, formatPlan } from '../../src/api/apply.js';
import { InvalidArgumentError, KindNotAvailableError, NotATunnelError } from '../../src/api/errors.js';
import {
  type Difference,
  type FieldDiff,
  type ReconcileAdapter,
  reconcile,
} from '../../src/api/reconcile.js';
import { type AttributeWriter, forEachAttribute } from '../../src/codec/attributes.js';
import type { LinkMessage } from '../../src/codec/types.js';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import { KernelError } from '../../src/transport/errors.js';
import { changeLink, createLink, deleteLink, dumpLinks } from '../../src/transport/links.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel, ip, ipLinks, linkNames, uniqueName } from './helpers.js';

/** A desired vxlan: its VNI and, when given, MTU and state. */
interface DesiredVxlan {
  vni: number;
  mtu?: number;
  up?: boolean;
}

const PORT = 4790; // not the 4789 other kernel tests use, so VNIs never collide with theirs

function vxlanData(vni: number) {
  return (w: AttributeWriter) => {
    w.u32(1 /* IFLA_VXLAN_ID */, vni);
    w.bytes(15 /* IFLA_VXLAN_PORT, big endian */, new Uint8Array([PORT >> 8, PORT & 0xff]));
  };
}

/** IFLA_VXLAN_ID from a link's raw IFLA_INFO_DATA. */
function vniOf(l: LinkMessage): number | undefined {
  const data = l.linkInfo?.data;
  if (!data) return undefined;
  let vni: number | undefined;
  forEachAttribute(data, 0, data.byteLength, (type, vs) => {
    if (type === 1) vni = new DataView(data.buffer, data.byteOffset + vs, 4).getUint32(0, true);
  });
  return vni;
}

/** The engine's adapter for vxlan links whose names start with `prefix`. */
function vxlanAdapter(sock: NetlinkSocket, prefix: string): ReconcileAdapter<DesiredVxlan, LinkMessage> {
  return {
    async list() {
      const links = await dumpLinks(sock, { kind: 'vxlan', stats: false });
      return new Map(links.filter((l) => l.name?.startsWith(prefix)).map((l) => [l.name!, l]));
    },
    diff(want, cur): Difference {
      const diffs: FieldDiff[] = [];
      if (vniOf(cur) !== want.vni) diffs.push({ field: 'vni', from: vniOf(cur), to: want.vni });
      if (want.mtu !== undefined && cur.mtu !== want.mtu)
        diffs.push({ field: 'mtu', from: cur.mtu, to: want.mtu });
      const up = (cur.flags & 1) === 1;
      if (want.up !== undefined && up !== want.up) diffs.push({ field: 'up', from: up, to: want.up });
      // The kernel refuses to change a VNI in place ("Cannot change VNI").
      return { diffs, replace: diffs.some((d) => d.field === 'vni') };
    },
    describe: (want) => Object.entries(want).map(([field, value]) => ({ field, value })),
    create: (want, name) =>
      createLink(sock, {
        name,
        kind: 'vxlan',
        infoData: vxlanData(want.vni),
        ...(want.mtu !== undefined ? { mtu: want.mtu } : {}),
        ...(want.up !== undefined ? { up: want.up } : {}),
      }),
    change: (want, cur) =>
      changeLink(sock, {
        index: cur.index,
        ...(want.mtu !== undefined ? { mtu: want.mtu } : {}),
        ...(want.up !== undefined ? { up: want.up } : {}),
      }),
    delete: (cur) => deleteLink(sock, { index: cur.index }),
  };
}

/** What `ip -j -d link` says about our vxlans: name -> { vni, mtu, up, ifindex }. */
function seen(prefix: string) {
  const out: Record<string, { vni: number; mtu: number; up: boolean; ifindex: number }> = {};
  for (const l of ipLinks()) {
    if (!l.ifname.startsWith(prefix) || l.linkinfo?.info_kind !== 'vxlan') continue;
    const data = (l.linkinfo as { info_data?: { id?: number } }).info_data;
    out[l.ifname] = { vni: data?.id ?? -1, mtu: l.mtu, up: l.flags.includes('UP'), ifindex: l.ifindex };
  }
  return out;
}

describe.skipIf(!canUseKernel)('reconcile engine on real vxlan links', () => {
  let sock: NetlinkSocket;
  const prefix = uniqueName('ap').slice(0, 9); // names prefix + 'a'..: at most 15 bytes
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `${prefix}${x}`) as [string, string, string, string];
  const adapter = () => vxlanAdapter(sock, prefix);

  beforeAll(() => {
    sock = NetlinkSocket.open();
  });
  afterAll(async () => {
    for (const n of Object.keys(seen(prefix))) ip('link', 'del', n);
    sock.close();
  });

  it('creates three links, then a second run is all unchanged', async () => {
    const desired = new Map<string, DesiredVxlan>([
      [a, { vni: 3101, mtu: 1400 }],
      [b, { vni: 3102, up: true }],
      [c, { vni: 3103, mtu: 1280, up: false }],
    ]);
    const first = await reconcile(desired, adapter());
    expect(first.failed).toBeUndefined();
    expect(first.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['create', a, 'done'],
      ['create', b, 'done'],
      ['create', c, 'done'],
    ]);
    expect(seen(prefix)).toMatchObject({
      [a]: { vni: 3101, mtu: 1400, up: false },
      [b]: { vni: 3102, mtu: 1500, up: true },
      [c]: { vni: 3103, mtu: 1280, up: false },
    });
    const before = seen(prefix);
    const second = await reconcile(desired, adapter());
    expect(second.steps.map((s) => [s.action, s.status])).toEqual([
      ['unchanged', 'done'],
      ['unchanged', 'done'],
      ['unchanged', 'done'],
    ]);
    expect(seen(prefix)).toEqual(before);
  });

  it('changes an MTU in place and replaces a link whose VNI changed; a dry run sends nothing', async () => {
    const desired = new Map<string, DesiredVxlan>([
      [a, { vni: 3101, mtu: 1300 }],
      [b, { vni: 3202, up: true }],
      [c, { vni: 3103, mtu: 1280, up: false }],
    ]);
    const before = seen(prefix);
    const dry = await reconcile(desired, adapter(), { dryRun: true });
    expect(dry.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['change', a, 'planned'],
      ['replace', b, 'planned'],
      ['unchanged', c, 'planned'],
    ]);
    expect(formatPlan(dry)).toBe(
      [
        `~ change ${a}: mtu 1400 -> 1300`,
        `-/+ replace ${b}: vni 3102 -> 3202`,
        `= unchanged ${c}`,
        '0 to create, 1 to change, 1 to replace, 0 to delete, 1 unchanged',
      ].join('\n'),
    );
    expect(seen(prefix)).toEqual(before);

    const r = await reconcile(desired, adapter());
    expect(r.failed).toBeUndefined();
    expect(r.steps[0]!.diffs).toEqual([{ field: 'mtu', from: 1400, to: 1300 }]);
    const after = seen(prefix);
    expect(after[a]).toEqual({ ...before[a]!, mtu: 1300 }); // same ifindex: changed in place
    expect(after[b]).toMatchObject({ vni: 3202, up: true });
    expect(after[b]!.ifindex).not.toBe(before[b]!.ifindex); // deleted and created again
    expect(after[c]).toEqual(before[c]);
  });

  it('prunes only with prune, and only links the adapter lists', async () => {
    const other = uniqueName('vo'); // another vxlan, outside the prefix: never touched
    await createLink(sock, { name: other, kind: 'vxlan', infoData: vxlanData(3999) });
    try {
      const desired = new Map<string, DesiredVxlan>([
        [a, { vni: 3101, mtu: 1300 }],
        [b, { vni: 3202, up: true }],
      ]);
      const kept = await reconcile(desired, adapter());
      expect(kept.steps.map((s) => s.action)).toEqual(['unchanged', 'unchanged']);
      expect(Object.keys(seen(prefix)).sort()).toEqual([a, b, c]);
      const pruned = await reconcile(desired, adapter(), { prune: true });
      expect(pruned.steps.map((s) => [s.action, s.name, s.status])).toEqual([
        ['delete', c, 'done'],
        ['unchanged', a, 'done'],
        ['unchanged', b, 'done'],
      ]);
      expect(Object.keys(seen(prefix)).sort()).toEqual([a, b]);
      expect(linkNames()).toContain(other);
    } finally {
      await deleteLink(sock, { name: other });
    }
  });

  it('stops at a refused step: earlier steps stay applied, later ones are skipped', async () => {
    // Now: a (3101, mtu 1300), b (3202). Plan: delete b, change a's MTU, create c with
    // a's VNI (refused: EEXIST), create d (skipped).
    const desired = new Map<string, DesiredVxlan>([
      [a, { vni: 3101, mtu: 1450 }],
      [c, { vni: 3101 }],
      [d, { vni: 3104 }],
    ]);
    const r = await reconcile(desired, adapter(), { prune: true });
    expect(r.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['delete', b, 'done'],
      ['change', a, 'done'],
      ['create', c, 'failed'],
      ['create', d, 'skipped'],
    ]);
    expect(r.failed?.name).toBe(c);
    expect(r.error).toBeInstanceOf(KernelError);
    expect(r.error).toMatchObject({ errno: 17, operation: 'create', interface: c });
    const now = seen(prefix);
    expect(Object.keys(now)).toEqual([a]);
    expect(now[a]).toMatchObject({ vni: 3101, mtu: 1450 });
    expect(formatPlan(r)).toMatch(
      new RegExp(
        `\\+ create ${c}: vni 3101 \\[failed: create ${c}: already exists \\(EEXIST.*\\n\\+ create ${d}: vni 3104 \\[skipped\\]\\n2 of 4 changes applied, 0 unchanged$`,
      ),
    );
  });
});

describe.skipIf(!canUseKernel)('reconcile engine with deleteMany', () => {
  it('prunes several links in one deleteMany call; each delete step gets its own status', async () => {
    const sock = NetlinkSocket.open();
    const prefix = uniqueName('dm').slice(0, 9);
    const names = ['a', 'b', 'c', 'd'].map((x) => `${prefix}${x}`);
    try {
      await Promise.all(
        names.map((name, i) => createLink(sock, { name, kind: 'vxlan', infoData: vxlanData(3400 + i) })),
      );
      const calls: string[][] = [];
      const adapter = {
        ...vxlanAdapter(sock, prefix),
        deleteMany: (items: ReadonlyArray<{ current: LinkMessage; name: string }>) => {
          calls.push(items.map((i) => i.name));
          return deleteLinks(
            sock,
            items.map((i) => ({ index: i.current.index })),
          );
        },
      };
      const desired = new Map<string, DesiredVxlan>([[names[0]!, { vni: 3400 }]]);
      const r = await reconcile(desired, adapter, { prune: true });
      expect(calls).toEqual([names.slice(1)]);
      expect(r.steps.map((s) => [s.action, s.name, s.status])).toEqual([
        ['delete', names[1], 'done'],
        ['delete', names[2], 'done'],
        ['delete', names[3], 'done'],
        ['unchanged', names[0], 'done'],
      ]);
      expect(r.failed).toBeUndefined();
      expect(Object.keys(seen(prefix))).toEqual([names[0]]);
    } finally {
      for (const n of Object.keys(seen(prefix))) ip('link', 'del', n);
      sock.close();
    }
  });
});

const eoipLoaded = existsSync('/sys/module/eoip');

describe.skipIf(!canUseKernel || eoipLoaded)('applyTunnels on a kernel without the eoip module', () => {
  const br = uniqueName('abr');
  const va = uniqueName('ava');
  const vb = uniqueName('avb');
  const vx = uniqueName('avx');

  beforeAll(() => {
    ip('link', 'add', br, 'type', 'bridge');
    ip('link', 'add', va, 'type', 'veth', 'peer', 'name', vb);
    ip('link', 'add', vx, 'type', 'vxlan', 'id', '3301', 'dstport', String(PORT));
  });
  afterAll(() => {
    ip('link', 'del', br);
    ip('link', 'del', va);
    ip('link', 'del', vx);
  });

  it('plans a create with link and master resolved to ifindexes, sending nothing (dry run)', async () => {
    const before = linkNames();
    const index = (n: string) => ipLinks().find((l) => l.ifname === n)!.ifindex;
    const r = await applyTunnels(
      [
        {
          name: 'hq',
          tunnelId: 100,
          local: '192.0.2.10',
          remote: '198.51.100.7',
          link: va,
          master: br,
          ttl: 64,
          tos: 8,
        },
        { name: 'lab6', tunnelId: 4095, remote: 'fd00:77::99', keepalive: 10 },
      ],
      { dryRun: true, prune: true },
    );
    expect(r.dryRun).toBe(true);
    expect(r.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['create', 'hq', 'planned'],
      ['create', 'lab6', 'planned'],
    ]);
    expect(Object.fromEntries(r.steps[0]!.diffs.map((x) => [x.field, x.to]))).toEqual({
      kind: 'eoip',
      tunnelId: 100,
      local: '192.0.2.10',
      remote: '198.51.100.7',
      link: index(va),
      ttl: 64,
      tos: 8,
      keepalive: { interval: 0, retries: 0 },
      master: index(br),
    });
    expect(r.steps[1]!.diffs.find((x) => x.field === 'keepalive')?.to).toEqual({ interval: 10, retries: 10 });
    expect(linkNames()).toEqual(before);
  });

  it('a create refused by the kernel is an ApplyError carrying the plan, and leaves no link', async () => {
    const before = linkNames();
    const err = await applyTunnels([
      { name: 'hq', tunnelId: 100, local: '192.0.2.10', remote: '198.51.100.7', master: br },
      { name: 'hq2', tunnelId: 101, local: '192.0.2.10', remote: '198.51.100.7' },
    ]).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.cause).toBeInstanceOf(KindNotAvailableError);
    expect(err.cause).toMatchObject({ errno: 95, operation: 'create', interface: 'hq' });
    expect(err.plan.steps.map((s: { status: string }) => s.status)).toEqual(['failed', 'skipped']);
    expect(formatPlan(err.plan)).toContain('[failed: create hq: eoip kind not available (EOPNOTSUPP');
    expect(linkNames()).toEqual(before);
  });

  it('refuses a name held by another kind, and a master that does not exist, before sending', async () => {
    const before = linkNames();
    const notTunnel = await applyTunnels([{ name: vx, tunnelId: 1, remote: '198.51.100.7' }]).catch((e) => e);
    expect(notTunnel).toBeInstanceOf(NotATunnelError);
    expect(notTunnel).toMatchObject({ interface: vx, kind: 'vxlan' });
    const missing = await applyTunnels([
      { name: 'ok1', tunnelId: 1, remote: '198.51.100.7' },
      { name: 'ok2', tunnelId: 2, remote: '198.51.100.7', master: 'nosuchbr0' },
    ]).catch((e) => e);
    expect(missing).toBeInstanceOf(InvalidArgumentError);
    expect(missing.field).toBe('tunnels[1].master');
    expect(linkNames()).toEqual(before);
  });
});
