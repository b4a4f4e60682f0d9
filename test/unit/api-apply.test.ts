/**
 * Declarative apply on captured eoip state: the links of dumps.json stand in
 * for the kernel (replayed at the socket boundary), the plan is checked step
 * by step, and the requests apply sends are decoded field by field.
 */
import { describe, expect, it } from 'vitest';
import { ApplyError, applyTunnelsWith, type DesiredTunnel, formatPlan } from '../../src/api/apply.js';
import { EoipClient } from '../../src/api/client.js';
import { InvalidArgumentError, NotATunnelError, TunnelExistsError } from '../../src/api/errors.js';
import { deriveTunnelMac } from '../../src/api/validate.js';
import { fromHex } from '../../src/codec/bytes.js';
import { IFLA_GROUP, NLM_F_CREATE, RTM_DELLINK, RTM_NEWLINK } from '../../src/codec/constants.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import type { RequestOptions } from '../../src/transport/socket.js';
import { type AckPolicy, ReplayTransport, type SentRequest } from '../fixtures/replay.js';
import { dumpsVectors } from '../fixtures/vectors.js';

/** IFLA_GROUP of a request, if it carries one. */
function groupOf(req: SentRequest): number | undefined {
  const a = req.link.unknown.find((x) => x.type === IFLA_GROUP);
  return a ? new DataView(a.value.buffer, a.value.byteOffset, 4).getUint32(0, true) : undefined;
}

/**
 * The replayed link table, kept up to date: a create adds the request as the
 * new link (with an ifindex), a delete removes it (a group delete, every link
 * moved into that group). Other changes are not merged (the client only reads
 * them back).
 */
class StatefulReplay extends ReplayTransport {
  private nextIndex = 100;
  private readonly groups = new Map<number, number>();

  override async ack(build: (seq: number) => Uint8Array, opts?: RequestOptions) {
    // Requests may be in flight together: find this one by where it was recorded.
    const at = this.sent.length;
    const answer = await super.ack(build, opts);
    const req = this.sent[at]!;
    const group = groupOf(req);
    if (req.type === RTM_NEWLINK && (req.flags & NLM_F_CREATE) !== 0) {
      const msg = req.bytes.slice();
      new DataView(msg.buffer).setInt32(20, this.nextIndex++, true); // ifinfomsg.ifi_index
      this.setLinks([...this.table, msg]);
    } else if (req.type === RTM_NEWLINK && group !== undefined) {
      this.groups.set(req.link.index, group);
    } else if (req.type === RTM_DELLINK) {
      const gone = (index: number) =>
        req.link.index === 0 ? this.groups.get(index) === group : index === req.link.index;
      this.setLinks(this.table.filter((m) => !gone(decodeLinkMessage(m).index)));
    }
    return answer;
  }
}

/** The captured links with these names (all of them without names). */
function capturedLinks(...names: string[]): Uint8Array[] {
  const all = dumpsVectors().links.map((l) => fromHex(l.rtm_newlink_hex));
  if (names.length === 0) return all;
  return all.filter((m) => names.includes(decodeLinkMessage(m).name ?? ''));
}

/** e_basic (7), e_tid1234 (11), e_up (17), v6_basic (25), and the non-tunnels br0 (4), va (6), lo (1). */
const SMALL = ['e_basic', 'e_tid1234', 'e_up', 'v6_basic', 'br0', 'va', 'lo'];

function setup(policy?: AckPolicy, names: string[] = SMALL) {
  const t = new StatefulReplay(policy, capturedLinks(...names));
  return { t, c: EoipClient.withTransport(t) };
}

/** The desired state equal to the captured tunnels of SMALL. */
const AS_CAPTURED: DesiredTunnel[] = [
  { name: 'e_basic', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2' },
  { name: 'e_tid1234', tunnelId: 1234, local: '10.0.0.1', remote: '10.0.0.4', ttl: 255, tos: 255 },
  { name: 'e_up', tunnelId: 21, local: '10.0.0.1', remote: '10.0.0.6' },
  { name: 'v6_basic', tunnelId: 4095, local: 'fd00::1', remote: 'fd00::2' },
];

describe('applyTunnels plan: unchanged', () => {
  it('plans every captured tunnel as unchanged, and sends no mutation', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, AS_CAPTURED);
    expect(r.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['unchanged', 'e_basic', 'done'],
      ['unchanged', 'e_tid1234', 'done'],
      ['unchanged', 'e_up', 'done'],
      ['unchanged', 'v6_basic', 'done'],
    ]);
    expect(r.changed).toBe(false);
    expect(r.counts).toEqual({ create: 0, change: 0, replace: 0, delete: 0, unchanged: 4 });
    expect(t.mutations).toHaveLength(0);
    expect(r.steps[1]!.current).toMatchObject({ index: 11, ttl: 255, tos: 255 });
  });

  it('compares canonically: IPv6 spelling, keepalive seconds, MAC case, link and master names', async () => {
    const { t, c } = setup(undefined, [...SMALL, 'e_ka10', 'v6_tid1234', 'e_mtu']);
    const r = await applyTunnelsWith(c, [
      // fd00::1 / fd00::2 written long-hand and in upper case.
      { name: 'v6_basic', tunnelId: 4095, local: 'FD00:0:0:0::1', remote: 'fd00:0000::0002' },
      // keepalive 10 = { interval: 10, retries: 10 }.
      { name: 'e_ka10', tunnelId: 10, local: '10.0.0.1', remote: '10.0.0.5', keepalive: 10 },
      {
        name: 'v6_tid1234',
        tunnelId: 1234,
        local: 'fd00::1',
        remote: 'fd00::4',
        keepalive: { interval: 5, retries: 0 },
      },
      // Captured with MTU 1400 and MAC d6:89:6d:5e:16:dd (given here in upper case).
      {
        name: 'e_mtu',
        tunnelId: 22,
        local: '10.0.0.1',
        remote: '10.0.0.6',
        mtu: 1400,
        address: 'D6:89:6D:5E:16:DD',
        up: false,
      },
    ]);
    expect(r.steps.map((s) => [s.action, s.name])).toEqual([
      ['unchanged', 'v6_basic'],
      ['unchanged', 'e_ka10'],
      ['unchanged', 'v6_tid1234'],
      ['unchanged', 'e_mtu'],
    ]);
    expect(t.mutations).toHaveLength(0);
  });
});

describe('applyTunnels plan: change with field diffs', () => {
  it('changes only what differs, sending the full merged parameters', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [
      { name: 'e_basic', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', ttl: 64, tos: 16 },
    ]);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toMatchObject({
      action: 'change',
      name: 'e_basic',
      status: 'done',
      diffs: [
        { field: 'ttl', from: 0, to: 64 },
        { field: 'tos', from: 0, to: 16 },
      ],
    });
    expect(t.mutations).toHaveLength(1);
    const m = t.mutations[0]!;
    expect(m.type).toBe(RTM_NEWLINK);
    expect(m.flags & NLM_F_CREATE).toBe(0);
    expect(m.link.index).toBe(7);
    expect(m.link.tunnel).toMatchObject({
      kind: 'eoip',
      tunnelId: 7,
      local: '10.0.0.1',
      remote: '10.0.0.2',
      link: 0,
      ttl: 64,
      tos: 16,
    });
    // Keepalive matched (off): not sent, so the driver keeps it.
    expect(m.link.tunnel!.keepalive).toBeNull();
  });

  it('resets omitted tunnel parameters to their create defaults (they are declared in full)', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [
      { name: 'e_tid1234', tunnelId: 1234, local: '10.0.0.1', remote: '10.0.0.4' },
    ]);
    expect(r.steps[0]!.diffs).toEqual([
      { field: 'ttl', from: 255, to: 0 },
      { field: 'tos', from: 255, to: 0 },
    ]);
    expect(t.mutations[0]!.link.tunnel).toMatchObject({ tunnelId: 1234, ttl: 0, tos: 0, remote: '10.0.0.4' });
  });

  it('enforces link attributes only when given, resolving link and master names to ifindexes', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [
      // e_up is up with MTU 1458: only mtu and master are declared, so `up` stays as it is.
      {
        name: 'e_up',
        tunnelId: 21,
        local: '10.0.0.1',
        remote: '10.0.0.6',
        link: 'va',
        mtu: 1400,
        master: 'br0',
      },
    ]);
    expect(r.steps[0]!.diffs).toEqual([
      { field: 'link', from: 0, to: 6 },
      { field: 'mtu', from: 1458, to: 1400 },
      { field: 'master', from: 0, to: 4 },
    ]);
    const m = t.mutations[0]!;
    expect(m.link).toMatchObject({ index: 17, mtu: 1400, master: 4 });
    expect(m.link.tunnel).toMatchObject({ tunnelId: 21, link: 6, remote: '10.0.0.6' });
    expect(m.link.change).toBe(0); // `up` not declared: IFF_UP untouched
  });

  it('turns keepalive on and a tunnel down, with the derived MAC for address auto', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [
      {
        name: 'e_up',
        tunnelId: 21,
        local: '10.0.0.1',
        remote: '10.0.0.6',
        keepalive: 30,
        up: false,
        address: 'auto',
      },
    ]);
    const mac = deriveTunnelMac('eoip', 21, '10.0.0.6');
    expect(r.steps[0]!.diffs).toEqual([
      { field: 'keepalive', from: { interval: 0, retries: 0 }, to: { interval: 30, retries: 10 } },
      { field: 'address', from: '2a:2f:94:80:cb:12', to: mac },
      { field: 'up', from: true, to: false },
    ]);
    // e_up is up and its MAC changes: the kernel takes a new MAC only while the
    // tunnel is down, so it is set down first, then changed (and left down).
    expect(r.steps[0]!.phases).toEqual(['down', 'change']);
    expect(t.mutations).toHaveLength(2);
    const [down, m] = t.mutations as [SentRequest, SentRequest];
    expect(down.link).toMatchObject({ index: 17, change: 1, flags: 0 });
    expect(down.link.tunnel).toBeUndefined();
    expect(down.link.address).toBeUndefined();
    expect(m.link.tunnel!.keepalive).toEqual({ interval: 30, retries: 10 });
    expect(m.link.address).toBe(mac);
    expect(m.link.change).toBe(0);
  });
});

describe('applyTunnels plan: create, replace, prune', () => {
  it('creates a missing tunnel with everything declared, in one request', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [
      ...AS_CAPTURED,
      {
        name: 'n1',
        tunnelId: 500,
        local: '10.0.0.1',
        remote: '10.0.0.9',
        ttl: 64,
        tos: 16,
        keepalive: 20,
        mtu: 1400,
      },
    ]);
    expect(r.steps.map((s) => [s.action, s.name])).toEqual([
      ['create', 'n1'],
      ['unchanged', 'e_basic'],
      ['unchanged', 'e_tid1234'],
      ['unchanged', 'e_up'],
      ['unchanged', 'v6_basic'],
    ]);
    expect(r.steps[0]!.diffs.map((d) => [d.field, d.to])).toEqual([
      ['kind', 'eoip'],
      ['tunnelId', 500],
      ['local', '10.0.0.1'],
      ['remote', '10.0.0.9'],
      ['link', 0],
      ['ttl', 64],
      ['tos', 16],
      ['keepalive', { interval: 20, retries: 10 }],
      ['mtu', 1400],
    ]);
    expect(r.steps[0]!.diffs.every((d) => d.from === undefined)).toBe(true);
    expect(t.mutations).toHaveLength(1);
    const m = t.mutations[0]!;
    expect(m.flags & NLM_F_CREATE).toBe(NLM_F_CREATE);
    expect(m.link).toMatchObject({ name: 'n1', mtu: 1400 });
    expect(m.link.tunnel).toMatchObject({
      kind: 'eoip',
      tunnelId: 500,
      local: '10.0.0.1',
      remote: '10.0.0.9',
      ttl: 64,
      tos: 16,
      keepalive: { interval: 20, retries: 10 },
    });
  });

  it('gives an all-unchanged plan when run a second time', async () => {
    const { t, c } = setup();
    const desired: DesiredTunnel[] = [
      ...AS_CAPTURED,
      { name: 'n1', tunnelId: 500, local: '10.0.0.1', remote: '10.0.0.9', ttl: 64, tos: 16, keepalive: 20 },
      { name: 'n6', tunnelId: 300, remote: 'fd00::9', keepalive: 'none' },
    ];
    const first = await applyTunnelsWith(c, desired);
    expect(first.counts).toMatchObject({ create: 2, unchanged: 4 });
    const second = await applyTunnelsWith(c, desired);
    expect(second.steps.every((s) => s.action === 'unchanged')).toBe(true);
    expect(second.steps).toHaveLength(6);
    expect(second.changed).toBe(false);
    expect(t.mutations).toHaveLength(2);
  });

  it('replaces a tunnel whose address family changes: delete, then create', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [{ name: 'v6_basic', tunnelId: 4000, remote: '10.0.0.8', ttl: 3 }]);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toMatchObject({ action: 'replace', name: 'v6_basic', status: 'done' });
    expect(r.steps[0]!.diffs).toEqual([
      { field: 'kind', from: 'eoipv6', to: 'eoip' },
      { field: 'tunnelId', from: 4095, to: 4000 },
      { field: 'local', from: 'fd00::1', to: '0.0.0.0' },
      { field: 'remote', from: 'fd00::2', to: '10.0.0.8' },
      { field: 'ttl', from: 0, to: 3 },
    ]);
    expect(t.mutations.map((m) => m.type)).toEqual([RTM_DELLINK, RTM_NEWLINK]);
    expect(t.mutations[0]!.link.index).toBe(25);
    expect(t.mutations[1]!.link.name).toBe('v6_basic');
    expect(t.mutations[1]!.link.tunnel).toMatchObject({
      kind: 'eoip',
      tunnelId: 4000,
      remote: '10.0.0.8',
      ttl: 3,
    });
  });

  it('with prune deletes the tunnels not listed (first, by ifindex), and only tunnels', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [AS_CAPTURED[0]!, AS_CAPTURED[2]!], { prune: true });
    expect(r.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['delete', 'e_tid1234', 'done'],
      ['delete', 'v6_basic', 'done'],
      ['unchanged', 'e_basic', 'done'],
      ['unchanged', 'e_up', 'done'],
    ]);
    // Together: both moved into one unused group, then one delete of that group.
    expect(t.mutations.map((m) => [m.type, m.link.index])).toEqual([
      [RTM_NEWLINK, 11],
      [RTM_NEWLINK, 25],
      [RTM_DELLINK, 0],
    ]);
    const group = groupOf(t.mutations[0]!);
    expect(t.mutations.map(groupOf)).toEqual([group, group, group]);
    // br0, va and lo are not tunnels: never pruned.
    expect(t.table.map((m) => decodeLinkMessage(m).name).sort()).toEqual([
      'br0',
      'e_basic',
      'e_up',
      'lo',
      'va',
    ]);
  });

  it('without prune leaves unlisted tunnels alone and out of the plan', async () => {
    const { t, c } = setup();
    const r = await applyTunnelsWith(c, [AS_CAPTURED[0]!]);
    expect(r.steps.map((s) => s.name)).toEqual(['e_basic']);
    expect(t.mutations).toHaveLength(0);
  });

  it('orders deletes, then changes and replaces, then creates, so a pruned identity is free for a create', async () => {
    const { t, c } = setup();
    // n7 takes e_basic's (local, remote, tunnel id, link): only possible once e_basic is gone.
    const r = await applyTunnelsWith(
      c,
      [
        { name: 'n7', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2' },
        { name: 'v6_basic', tunnelId: 9, remote: '10.0.0.8' },
        { name: 'e_up', tunnelId: 21, local: '10.0.0.1', remote: '10.0.0.6', tos: 4 },
      ],
      { prune: true },
    );
    expect(r.steps.map((s) => `${s.action} ${s.name}`)).toEqual([
      'delete e_basic',
      'delete e_tid1234',
      'replace v6_basic',
      'change e_up',
      'create n7',
    ]);
    const what = (m: SentRequest) =>
      m.type === RTM_DELLINK
        ? `del ${m.link.index || 'group'}`
        : `${groupOf(m) !== undefined ? 'move' : 'new'} ${m.link.index || m.link.name}`;
    expect(t.mutations.map(what)).toEqual([
      'move 7',
      'move 11',
      'del group',
      'del 25',
      'new v6_basic',
      'new 17',
      'new n7',
    ]);
  });
});

describe('applyTunnels dry run', () => {
  it('returns the same plan with every step planned and sends no mutating request', async () => {
    const desired: DesiredTunnel[] = [
      { name: 'e_basic', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', ttl: 64 },
      { name: 'v6_basic', tunnelId: 9, remote: '10.0.0.8' },
      { name: 'e_up', tunnelId: 21, local: '10.0.0.1', remote: '10.0.0.6' },
      { name: 'n1', tunnelId: 500, local: '10.0.0.1', remote: '10.0.0.9', keepalive: 20 },
    ];
    const { t, c } = setup();
    const dry = await applyTunnelsWith(c, desired, { prune: true, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.changed).toBe(true);
    expect(dry.steps.every((s) => s.status === 'planned')).toBe(true);
    expect(t.mutations).toHaveLength(0);
    expect(t.sent.length).toBeGreaterThan(0); // it did read the current state
    const { c: c2 } = setup();
    const real = await applyTunnelsWith(c2, desired, { prune: true });
    const shape = (s: (typeof dry.steps)[number]) => [s.action, s.name, s.diffs];
    expect(dry.steps.map(shape)).toEqual(real.steps.map(shape));
    expect(formatPlan(dry)).toBe(
      [
        '- delete e_tid1234',
        '~ change e_basic: ttl 0 -> 64',
        '-/+ replace v6_basic: kind eoipv6 -> eoip, tunnelId 4095 -> 9, local fd00::1 -> 0.0.0.0, remote fd00::2 -> 10.0.0.8',
        '+ create n1: kind eoip, tunnelId 500, local 10.0.0.1, remote 10.0.0.9, link none, ttl 0, tos 0, keepalive 20,10',
        '= unchanged e_up',
        '1 to create, 1 to change, 1 to replace, 1 to delete, 1 unchanged',
      ].join('\n'),
    );
    expect(formatPlan(real).split('\n').at(-1)).toBe(
      '1 created, 1 changed, 1 replaced, 1 deleted, 1 unchanged',
    );
  });
});

describe('applyTunnels failure: stops at the first refusal and says what was applied', () => {
  const desired: DesiredTunnel[] = [
    { name: 'e_basic', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', ttl: 64 },
    { name: 'e_up', tunnelId: 21, local: '10.0.0.1', remote: '10.0.0.6', tos: 4 },
    { name: 'n1', tunnelId: 500, local: '10.0.0.1', remote: '10.0.0.9' },
  ];

  it('fails the change of e_up (EEXIST): the deletes and the first change stay done, the rest is skipped', async () => {
    // Acks: 0-1 the two moves of the pruned tunnels, 2 their group delete, 3 e_basic's change, 4 e_up's.
    const { t, c } = setup((_req, n) => (n === 4 ? 17 : 0));
    const err = await applyTunnelsWith(c, desired, { prune: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.code).toBe('APPLY_FAILED');
    expect(err.cause).toBeInstanceOf(TunnelExistsError);
    expect(err.cause).toMatchObject({ errno: 17, operation: 'change', interface: 'e_up' });
    expect(err.step).toMatchObject({ action: 'change', name: 'e_up', status: 'failed' });
    expect((err as ApplyError).plan.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['delete', 'e_tid1234', 'done'],
      ['delete', 'v6_basic', 'done'],
      ['change', 'e_basic', 'done'],
      ['change', 'e_up', 'failed'],
      ['create', 'n1', 'skipped'],
    ]);
    expect(err.message).toContain('change e_up failed after 3 of 5 changes were applied');
    // Two moves, the group delete and a change applied, the next change refused, nothing sent for the create.
    expect(t.mutations).toHaveLength(5);
    expect(t.mutations.some((m) => m.link.name === 'n1')).toBe(false);
    const text = formatPlan(err.plan);
    expect(text).toContain('~ change e_basic: ttl 0 -> 64 [done]');
    expect(text).toContain('~ change e_up: tos 0 -> 4 [failed: change e_up: already exists (EEXIST)');
    expect(text).toContain('+ create n1: kind eoip, tunnelId 500');
    expect(text).toMatch(/\[skipped\]\n3 of 5 changes applied, 0 unchanged$/);
  });

  it('pruned tunnels go together: one refused is failed, the other deleted, the run stops after them', async () => {
    // The move of e_tid1234 (ifindex 11) is refused (EPERM).
    const { t, c } = setup((req) => (req.type === RTM_NEWLINK && req.link.index === 11 ? 1 : 0));
    const err = await applyTunnelsWith(c, desired, { prune: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.step).toMatchObject({ action: 'delete', name: 'e_tid1234', status: 'failed' });
    expect(err.cause).toMatchObject({ errno: 1, operation: 'delete', interface: 'e_tid1234' });
    expect((err as ApplyError).plan.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['delete', 'e_tid1234', 'failed'],
      ['delete', 'v6_basic', 'done'],
      ['change', 'e_basic', 'skipped'],
      ['change', 'e_up', 'skipped'],
      ['create', 'n1', 'skipped'],
    ]);
    const names = t.table.map((m) => decodeLinkMessage(m).name);
    expect(names).toContain('e_tid1234');
    expect(names).not.toContain('v6_basic');
  });

  it('fails the first mutation: nothing is done', async () => {
    const { t, c } = setup(() => 1); // EPERM
    const err = await applyTunnelsWith(c, desired).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.plan.steps.map((s: { status: string }) => s.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(err.cause.code).toBe('EPERM');
    expect(t.mutations).toHaveLength(1);
  });

  it('a replace refused after its delete says the old tunnel is gone', async () => {
    const { c } = setup((req) => (req.type === RTM_NEWLINK ? 95 : 0));
    const err = await applyTunnelsWith(c, [{ name: 'v6_basic', tunnelId: 9, remote: '10.0.0.8' }]).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.step).toMatchObject({ action: 'replace', status: 'failed', deleted: true });
    expect(err.cause.constructor.name).toBe('KindNotAvailableError');
    expect(formatPlan(err.plan)).toContain(
      '[failed after deleting: create v6_basic: eoip kind not available',
    );
  });

  it('an aborted signal stops before the next step', async () => {
    const ac = new AbortController();
    const { t, c } = setup((_req, n) => {
      if (n === 0) ac.abort(new Error('stop here'));
      return 0;
    });
    const err = await applyTunnelsWith(c, desired, { signal: ac.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.plan.steps.map((s: { status: string }) => s.status)).toEqual(['done', 'failed', 'skipped']);
    expect(err.cause.message).toBe('stop here');
    expect(t.mutations).toHaveLength(1);
  });
});

describe('applyTunnels refuses bad input before sending anything', () => {
  async function refused(desired: unknown[], names: string[] = SMALL) {
    const { t, c } = setup(undefined, names);
    const err = await applyTunnelsWith(c, desired as DesiredTunnel[], { prune: true }).catch((e) => e);
    expect(t.mutations).toHaveLength(0);
    return { err, sent: t.sent.length };
  }

  it('names the field of the tunnel at fault, without any request', async () => {
    const cases: Array<[unknown[], string]> = [
      [[{ tunnelId: 1, remote: '10.0.0.2' }], 'tunnels[0].name'],
      [[AS_CAPTURED[0], { name: 'x', tunnelId: 70000, remote: '10.0.0.2' }], 'tunnels[1].tunnelId'],
      [
        [AS_CAPTURED[0], AS_CAPTURED[1], AS_CAPTURED[2], { name: 'v6', tunnelId: 4096, remote: 'fd00::9' }],
        'tunnels[3].tunnelId',
      ],
      [
        [{ name: 'x', tunnelId: 1, remote: '10.0.0.2', keepalive: { interval: 4000, retries: 1 } }],
        'tunnels[0].keepalive.interval',
      ],
      [[{ name: 'x', tunnelId: 1, remote: '10.0.0.2', local: 'fd00::1' }], 'tunnels[0].local'],
      [[{ name: 'x', tunnelId: 1, remote: '10.0.0.2', color: 'red' }], 'tunnels[0].color'],
      [[{ name: 'a', tunnelId: 1, remote: '10.0.0.2' }, 'b'], 'tunnels[1]'],
      [
        [
          { name: 'dup', tunnelId: 1, remote: '10.0.0.2' },
          { name: 'dup', tunnelId: 2, remote: '10.0.0.3' },
        ],
        'tunnels[1].name',
      ],
    ];
    for (const [desired, field] of cases) {
      const { err, sent } = await refused(desired);
      expect(err, field).toBeInstanceOf(InvalidArgumentError);
      expect(err.field).toBe(field);
      expect(sent).toBe(0);
    }
  });

  it('refuses a link or master that does not exist (after looking it up)', async () => {
    const { err } = await refused([{ name: 'x', tunnelId: 1, remote: '10.0.0.2', master: 'nosuchbr' }]);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('tunnels[0].master');
    const { err: e2 } = await refused([
      AS_CAPTURED[0],
      { name: 'x', tunnelId: 1, remote: '10.0.0.2', link: 99 },
    ]);
    expect(e2.field).toBe('tunnels[1].link');
  });

  it('refuses a name held by an interface of another kind', async () => {
    const { err } = await refused([AS_CAPTURED[0], { name: 'br0', tunnelId: 1, remote: '10.0.0.2' }]);
    expect(err).toBeInstanceOf(NotATunnelError);
    expect(err).toMatchObject({ interface: 'br0', kind: 'bridge' });
  });

  it('refuses two tunnels with the same (local, remote, tunnel id, link)', async () => {
    const { err } = await refused([
      { name: 'a', tunnelId: 5, local: '10.0.0.1', remote: '10.0.0.2' },
      { name: 'b', tunnelId: 5, local: '10.0.0.1', remote: '10.0.0.2', ttl: 9 },
    ]);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('tunnels[1].tunnelId');
    expect(err.allowed).toContain('tunnels[0]');
    // Without prune, an unlisted tunnel keeps its identity: a create may not take it.
    const { t, c } = setup();
    const e2 = await applyTunnelsWith(c, [
      { name: 'n7', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2' },
    ]).catch((e) => e);
    expect(e2.field).toBe('tunnels[0].tunnelId');
    expect(e2.allowed).toContain('the existing tunnel e_basic');
    expect(t.mutations).toHaveLength(0);
  });
});

describe('formatPlan', () => {
  it('formats each action, values canonically, with statuses only after a failure', () => {
    const plan = {
      steps: [
        { action: 'delete' as const, name: 'e3', diffs: [], status: 'planned' as const },
        {
          action: 'change' as const,
          name: 'e2',
          diffs: [
            { field: 'ttl', from: 0, to: 64 },
            { field: 'keepalive', from: { interval: 0, retries: 0 }, to: { interval: 10, retries: 3 } },
            { field: 'link', from: 0, to: 5 },
            { field: 'up', from: false, to: true },
          ],
          status: 'planned' as const,
        },
        {
          action: 'create' as const,
          name: 'e1',
          diffs: [
            { field: 'kind', from: undefined, to: 'eoipv6' },
            { field: 'remote', from: undefined, to: 'fd00::2' },
          ],
          status: 'planned' as const,
        },
        { action: 'unchanged' as const, name: 'e4', diffs: [], status: 'planned' as const },
      ],
    };
    expect(formatPlan(plan)).toBe(
      [
        '- delete e3',
        '~ change e2: ttl 0 -> 64, keepalive none -> 10,3, link none -> 5, up false -> true',
        '+ create e1: kind eoipv6, remote fd00::2',
        '= unchanged e4',
        '1 to create, 1 to change, 0 to replace, 1 to delete, 1 unchanged',
      ].join('\n'),
    );
    expect(formatPlan([])).toBe('0 to create, 0 to change, 0 to replace, 0 to delete, 0 unchanged');
  });
});

describe('formatPlan wording', () => {
  it('an empty plan that ran says so; a dry run says what it would do', () => {
    expect(formatPlan({ steps: [], dryRun: false })).toBe(
      '0 created, 0 changed, 0 replaced, 0 deleted, 0 unchanged',
    );
    expect(formatPlan({ steps: [], dryRun: true })).toBe(
      '0 to create, 0 to change, 0 to replace, 0 to delete, 0 unchanged',
    );
    expect(formatPlan([])).toBe('0 to create, 0 to change, 0 to replace, 0 to delete, 0 unchanged');
  });
});
