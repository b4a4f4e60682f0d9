/**
 * What `eoip` prints, in-process: the list lines against the reference tool's
 * recorded lines (decoded from the captured dump), the detail line, the JSON
 * shape, the error lines and exit statuses, and the commands run against a
 * fake client that records what the library was asked.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  KindNotAvailableError,
  LinkNotFoundError,
  NotATunnelError,
} from '../../src/api/errors.js';
import type { Tunnel } from '../../src/api/types.js';
import { main } from '../../src/cli/app.js';
import { describeFailure, optionWord } from '../../src/cli/failure.js';
import { parseArgs, UsageError } from '../../src/cli/grammar.js';
import { formatDetailLine, formatList, runningFlag, toJsonText, tunnelToJson } from '../../src/cli/output.js';
import { type CliClient, execute, type KernelCommand } from '../../src/cli/run.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import { capture, dumpLinks, hexBytes } from './helpers.js';

/** Every tunnel of the captured dump, decoded, in kernel order, with its recorded line. */
function dumpTunnels(): Array<{
  tunnel: Tunnel;
  line: string;
  ip: ReturnType<typeof dumpLinks>[number]['ip_d_j_link_show'];
}> {
  const out = [];
  for (const l of dumpLinks()) {
    if (l.eoip_list_line === null) continue;
    const tunnel = decodeLinkMessage(hexBytes(l.rtm_newlink_hex)).tunnel;
    if (!tunnel) throw new Error(`${l.name} did not decode as a tunnel`);
    out.push({ tunnel, line: l.eoip_list_line, ip: l.ip_d_j_link_show });
  }
  return out;
}

function byName(name: string): Tunnel {
  const t = dumpTunnels().find((x) => x.tunnel.name === name)?.tunnel;
  if (!t) throw new Error(`no ${name} in dumps.json`);
  return t;
}

describe('list lines match the reference tool, character for character', () => {
  const all = dumpTunnels();

  it('the dump holds eoip and eoipv6 tunnels, keepalive forms included', () => {
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(all.some((x) => x.tunnel.kind === 'eoipv6')).toBe(true);
    expect(all.some((x) => x.line.endsWith(' keepalive 5,0'))).toBe(true);
    expect(all.some((x) => x.line.endsWith(' keepalive none'))).toBe(true);
  });

  it.each(all.map((x) => [x.tunnel.name, x] as const))('%s', (_name, x) => {
    expect(formatList([x.tunnel])).toBe(`${x.line}\n`);
  });

  it('the whole list in kernel order, nothing else', () => {
    expect(formatList(all.map((x) => x.tunnel))).toBe(all.map((x) => `${x.line}\n`).join(''));
    expect(formatList([])).toBe('');
  });

  it('a driver that does not report keepalive: no suffix', () => {
    const t = { ...byName('e_basic'), keepalive: null };
    expect(formatList([t])).toBe(
      '7: e_basic@0: link/eoip 10.0.0.1 remote 10.0.0.2 tunnel-id 7 ttl 0 tos 0\n',
    );
  });
});

describe('list detail', () => {
  it('flags: X disabled, R running, - up without carrier', () => {
    expect(runningFlag({ up: false, running: false })).toBe('X');
    expect(runningFlag({ up: true, running: true })).toBe('R');
    expect(runningFlag({ up: true, running: false })).toBe('-');
    expect(runningFlag(byName('e_basic'))).toBe('X');
    expect(runningFlag(byName('e_up'))).toBe('R');
    expect(runningFlag(byName('e_ka1_1'))).toBe('-'); // keepalive 1,1 never answered: carrier dropped
  });

  it('the detail line of recorded tunnels', () => {
    const ka = byName('e_ka1_1');
    expect(formatDetailLine(ka)).toBe(
      `    flags=- mtu=1458 mac-address=06:cc:27:97:70:8a master=none keepalive=1s,1 rx-byte=0 tx-byte=266 rx-packet=0 tx-packet=3`,
    );
    const v6 = byName('v6_mtu');
    expect(formatDetailLine(v6)).toBe(
      `    flags=R mtu=1280 mac-address=b2:fe:17:0e:38:4f master=none keepalive=none rx-byte=0 tx-byte=516 rx-packet=0 tx-packet=6`,
    );
  });

  it('master by name when known, else by index; unknown keepalive; no counters', () => {
    const t: Tunnel = { ...byName('e_mtu'), master: 4, keepalive: null, stats: undefined };
    expect(formatDetailLine(t, 'br0')).toBe(
      '    flags=X mtu=1400 mac-address=d6:89:6d:5e:16:dd master=br0 keepalive=unknown',
    );
    expect(formatDetailLine(t)).toBe(
      '    flags=X mtu=1400 mac-address=d6:89:6d:5e:16:dd master=4 keepalive=unknown',
    );
  });

  it('formatList with detail: each line followed by its detail line', () => {
    const a = byName('e_ka10');
    const b: Tunnel = { ...byName('e_up'), master: 4 };
    const text = formatList([a, b], true, new Map([[4, 'br0']]));
    expect(text.split('\n')).toEqual([
      '12: e_ka10@0: link/eoip 10.0.0.1 remote 10.0.0.5 tunnel-id 10 ttl 0 tos 0 keepalive 10,10',
      '    flags=X mtu=1458 mac-address=6a:6e:eb:70:d9:4a master=none keepalive=10s,10 rx-byte=0 tx-byte=0 rx-packet=0 tx-packet=0',
      '17: e_up@0: link/eoip 10.0.0.1 remote 10.0.0.6 tunnel-id 21 ttl 0 tos 0 keepalive none',
      '    flags=R mtu=1458 mac-address=2a:2f:94:80:cb:12 master=br0 keepalive=none rx-byte=0 tx-byte=516 rx-packet=0 tx-packet=6',
      '',
    ]);
  });
});

/** The documented JSON shape (docs/cli.md), in order. */
const JSON_KEYS = [
  'index',
  'name',
  'kind',
  'tunnelId',
  'local',
  'remote',
  'link',
  'ttl',
  'tos',
  'keepalive',
  'mtu',
  'address',
  'up',
  'running',
  'operState',
  'master',
  'masterName',
  'stats',
];
const STATS_KEYS = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'multicast',
  'collisions',
];

describe('JSON shape', () => {
  it.each(dumpTunnels().map((x) => [x.tunnel.name, x] as const))(
    '%s agrees with iproute2 and the list line',
    (_n, x) => {
      const j = tunnelToJson(x.tunnel);
      expect(Object.keys(j)).toEqual(JSON_KEYS);
      expect(Object.keys(j.stats ?? {})).toEqual(STATS_KEYS);
      expect(j.index).toBe(x.ip.ifindex);
      expect(j.name).toBe(x.ip.ifname);
      expect(j.mtu).toBe(x.ip.mtu);
      expect(j.address).toBe(x.ip.address);
      expect(j.up).toBe(x.ip.flags.includes('UP'));
      expect(j.master).toBe(null);
      expect(j.masterName).toBe(null);
      const [, , kind, local, , remote, , id, , ttl, , tos] = x.line.split(' ');
      expect([`link/${j.kind}`, j.local, j.remote, String(j.tunnelId), String(j.ttl), String(j.tos)]).toEqual(
        [kind, local, remote, id, ttl, tos],
      );
    },
  );

  it('a tunnel with everything set, and one with nothing optional', () => {
    const full: Tunnel = { ...byName('v6_tid1234'), master: 4, link: 2, ttl: 64, tos: 32 };
    expect(tunnelToJson(full, 'br0')).toEqual({
      index: 28,
      name: 'v6_tid1234',
      kind: 'eoipv6',
      tunnelId: 1234,
      local: 'fd00::1',
      remote: 'fd00::4',
      link: 2,
      ttl: 64,
      tos: 32,
      keepalive: { interval: 5, retries: 0 },
      mtu: 1444,
      address: '3a:bc:dc:66:5b:ab',
      up: false,
      running: false,
      operState: 'down',
      master: 4,
      masterName: 'br0',
      stats: {
        rxPackets: 0,
        txPackets: 0,
        rxBytes: 0,
        txBytes: 0,
        rxErrors: 0,
        txErrors: 0,
        rxDropped: 0,
        txDropped: 0,
        multicast: 0,
        collisions: 0,
      },
    });
    const bare: Tunnel = {
      kind: 'eoip',
      tunnelId: 9,
      local: '0.0.0.0',
      remote: '192.0.2.9',
      link: 0,
      ttl: 0,
      tos: 0,
      keepalive: null,
      index: 40,
      name: 'eoip3',
      flags: 0,
      up: false,
      running: false,
      operState: 'down',
    };
    const j = tunnelToJson(bare, 'ignored');
    expect(Object.keys(j)).toEqual(JSON_KEYS);
    expect(j).toMatchObject({
      keepalive: null,
      mtu: null,
      address: null,
      master: null,
      masterName: null,
      stats: null,
    });
  });

  it('compact by default, two-space indent with pretty', () => {
    expect(toJsonText([{ a: 1 }], false)).toBe('[{"a":1}]\n');
    expect(toJsonText([{ a: 1 }], true)).toBe('[\n  {\n    "a": 1\n  }\n]\n');
  });
});

describe('error lines and exit statuses', () => {
  it('library field names become option words', () => {
    expect(optionWord('tunnelId')).toBe('tunnel-id');
    expect(optionWord('keepalive.interval')).toBe('keepalive');
    expect(optionWord('keepalive.retries')).toBe('keepalive');
    expect(optionWord('target')).toBe('name');
    expect(optionWord('ttl')).toBe('ttl');
  });

  it('invalid input: exit 1, the option word and the text typed', () => {
    const e = new InvalidArgumentError('tunnelId', 70000, '0..65535 for eoip');
    expect(describeFailure(e, { 'tunnel-id': '0x11170' })).toEqual({
      message: 'invalid tunnel-id: 0x11170 (allowed: 0..65535 for eoip)',
      exitCode: 1,
    });
    expect(describeFailure(e)).toEqual({
      message: 'invalid tunnel-id: 70000 (allowed: 0..65535 for eoip)',
      exitCode: 1,
    });
    const n = new InvalidArgumentError('name', 'abcdefghijklmnop', '1..15 bytes');
    expect(describeFailure(n, { name: 'abcdefghijklmnop' }).message).toBe(
      'invalid name: "abcdefghijklmnop" (allowed: 1..15 bytes)',
    );
    const k = new InvalidArgumentError('keepalive.retries', 256, 'an integer 0..255');
    expect(describeFailure(k, { keepalive: '10,256' }).message).toBe(
      'invalid keepalive: "10,256" (allowed: an integer 0..255)',
    );
  });

  it('usage and not-a-tunnel: exit 1; kernel refusals and the rest: exit 2', () => {
    expect(describeFailure(new UsageError('add: tunnel-id is required'))).toEqual({
      message: 'add: tunnel-id is required',
      exitCode: 1,
    });
    expect(describeFailure(new NotATunnelError('d0', 'dummy'))).toEqual({
      message: 'd0 is not an eoip/eoipv6 tunnel (its kind is dummy)',
      exitCode: 1,
    });
    const k = new KindNotAvailableError(
      { errno: 95, operation: 'create', interface: 'e1', hint: 'load its kernel module (modprobe eoip)' },
      'eoip kind not available',
    );
    expect(describeFailure(k)).toEqual({
      message: 'create e1: eoip kind not available (EOPNOTSUPP); load its kernel module (modprobe eoip)',
      exitCode: 2,
    });
    expect(describeFailure(new Error('boom\nsecond line'))).toEqual({
      message: 'boom; second line',
      exitCode: 2,
    });
    expect(describeFailure('weird')).toEqual({ message: 'weird', exitCode: 2 });
  });
});

// --- commands against a fake client ------------------------------------------

interface Call {
  method: string;
  args: unknown[];
}

function fakeClient(opts: { tunnels?: Tunnel[]; fail?: unknown; links?: Record<number, string> } = {}) {
  const calls: Call[] = [];
  let closed = 0;
  const record =
    (method: string, result: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      if (opts.fail !== undefined) throw opts.fail;
      return result(...args);
    };
  const plan = (operation: string) => ({
    operation,
    interface: 'e1',
    // A real change request: RTM_NEWLINK, REQUEST|ACK, ifindex 7, no attributes.
    bytes: Uint8Array.from(
      Buffer.from('2000000010000500000000000000000000000000070000000000000000000000', 'hex'),
    ),
  });
  const client = {
    planCreateTunnel: record('planCreateTunnel', () => plan('create')),
    createTunnel: record('createTunnel', () => opts.tunnels?.[0]),
    planChangeTunnel: record('planChangeTunnel', () => plan('change')),
    changeTunnel: record('changeTunnel', () => opts.tunnels?.[0]),
    listTunnels: record('listTunnels', () => opts.tunnels ?? []),
    getLink: async (target: unknown) => {
      calls.push({ method: 'getLink', args: [target] });
      const name = typeof target === 'number' ? opts.links?.[target] : undefined;
      return name === undefined ? undefined : { name, index: target };
    },
    planDeleteTunnel: record('planDeleteTunnel', () => plan('delete')),
    deleteTunnel: record('deleteTunnel', () => undefined),
    // Each name's result: a name starting with "x" is missing, "lo" is not a tunnel.
    deleteTunnels: record('deleteTunnels', (names) =>
      (names as string[]).map((n) => {
        if (n.startsWith('x')) {
          return {
            status: 'rejected',
            reason: new LinkNotFoundError(
              { errno: 19, operation: 'delete', interface: n },
              'no such interface',
            ),
          };
        }
        if (n === 'lo') return { status: 'rejected', reason: new NotATunnelError('lo', undefined) };
        return { status: 'fulfilled', value: undefined };
      }),
    ),
    close: () => {
      closed++;
    },
  } as unknown as CliClient;
  const opened: unknown[] = [];
  return {
    calls,
    opened,
    closed: () => closed,
    open: async (o: unknown) => {
      opened.push(o);
      return client;
    },
  };
}

async function run(argv: string[], fake: ReturnType<typeof fakeClient>) {
  const io = capture();
  const code = await execute(parseArgs(argv) as KernelCommand, io, fake.open);
  return { code, out: io.out, err: io.err };
}

describe('commands against a fake client', () => {
  const tunnels = dumpTunnels().map((x) => x.tunnel);

  it('list: the reference lines, counters not read, client closed', async () => {
    const f = fakeClient({ tunnels });
    const r = await run(['list'], f);
    expect(r).toEqual({ code: 0, out: formatList(tunnels), err: '' });
    expect(f.calls).toEqual([{ method: 'listTunnels', args: [{ stats: false }] }]);
    expect(f.opened).toEqual([{}]);
    expect(f.closed()).toBe(1);
  });

  it('list with filters and netns: passed to the library', async () => {
    const f = fakeClient({ tunnels: [] });
    const r = await run(['-n', 'blue', 'show', 'name', 'e1', 'kind', 'eoipv6'], f);
    expect(r).toEqual({ code: 0, out: '', err: '' });
    expect(f.opened).toEqual([{ netns: 'blue' }]);
    expect(f.calls).toEqual([
      { method: 'listTunnels', args: [{ kind: 'eoipv6', name: 'e1', stats: false }] },
    ]);
  });

  it('list -j: an array of tunnel objects, masters named', async () => {
    const withMaster: Tunnel = { ...tunnels[0]!, master: 4 };
    const f = fakeClient({ tunnels: [withMaster, tunnels[1]!], links: { 4: 'br0' } });
    const r = await run(['list', '-j'], f);
    expect(r.code).toBe(0);
    expect(r.out.endsWith('\n')).toBe(true);
    expect(r.out.split('\n')).toHaveLength(2);
    const parsed = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(parsed).toEqual([tunnelToJson(withMaster, 'br0'), tunnelToJson(tunnels[1]!)]);
    expect(parsed[0]!['masterName']).toBe('br0');
    expect(f.calls[0]).toEqual({ method: 'listTunnels', args: [{ stats: true }] });
    expect(f.calls.filter((c) => c.method === 'getLink')).toEqual([{ method: 'getLink', args: [4] }]);
  });

  it('list detail: lines and detail lines, counters read', async () => {
    const f = fakeClient({ tunnels: tunnels.slice(0, 2) });
    const r = await run(['list', 'detail'], f);
    expect(r).toEqual({ code: 0, out: formatList(tunnels.slice(0, 2), true), err: '' });
    expect(f.calls).toEqual([{ method: 'listTunnels', args: [{ stats: true }] }]);
  });

  it('add: the spec to createTunnel, nothing printed; with -j the tunnel', async () => {
    const f = fakeClient({ tunnels: [tunnels[0]!] });
    const r = await run(
      ['add', 'name', 'e1', 'remote', '10.0.0.2', 'local', '10.0.0.1', 'tid', '7', 'ttl', '3', 'tos', '4'],
      f,
    );
    expect(r).toEqual({ code: 0, out: '', err: '' });
    expect(f.calls).toEqual([
      {
        method: 'createTunnel',
        args: [{ tunnelId: 7, remote: '10.0.0.2', name: 'e1', local: '10.0.0.1', ttl: 3, tos: 4 }],
      },
    ]);
    const j = await run(
      ['-j', 'add', 'remote', '10.0.0.2', 'tid', '7'],
      fakeClient({ tunnels: [tunnels[0]!] }),
    );
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toEqual([tunnelToJson(tunnels[0]!)]);
  });

  it('set: target and patch to changeTunnel; -p prints the changed tunnel indented', async () => {
    const f = fakeClient({ tunnels: [tunnels[0]!] });
    const r = await run(['set', 'name', 'e_basic', 'ttl', '64', '-p'], f);
    expect(r.code).toBe(0);
    expect(f.calls).toEqual([{ method: 'changeTunnel', args: ['e_basic', { ttl: 64 }] }]);
    expect(r.out).toBe(toJsonText([tunnelToJson(tunnels[0]!)], true));
  });

  it('--dry-run: plans instead of changes, prints the decoded request', async () => {
    for (const [argv, method, operation] of [
      [['--dry-run', 'add', 'remote', '10.0.0.2', 'tid', '7'], 'planCreateTunnel', 'create'],
      [['--dry-run', 'set', 'name', 'e1', 'tos', '5'], 'planChangeTunnel', 'change'],
      [['--dry-run', 'del', 'e1'], 'planDeleteTunnel', 'delete'],
    ] as const) {
      const f = fakeClient();
      const r = await run([...argv], f);
      expect(r.code).toBe(0);
      expect(f.calls.map((c) => c.method)).toEqual([method]);
      const out = JSON.parse(r.out);
      expect(out).toMatchObject({ dryRun: true, operation, interface: 'e1' });
      expect(out.request.nlmsghdr).toMatchObject({ type_name: 'RTM_NEWLINK', len: 32 });
      expect(out.request.ifinfomsg.ifi_index).toBe(7);
      expect(out.hex).toHaveLength(64);
    }
  });

  it('del: deleteTunnel with the name', async () => {
    const f = fakeClient();
    expect(await run(['delete', 'name', 'e1'], f)).toEqual({ code: 0, out: '', err: '' });
    expect(f.calls).toEqual([{ method: 'deleteTunnel', args: ['e1'] }]);
  });

  it('del with several names: one deleteTunnels call, a line per failure, the worst status', async () => {
    const f = fakeClient();
    expect(await run(['del', 'e1', 'e2', 'e3'], f)).toEqual({ code: 0, out: '', err: '' });
    expect(f.calls).toEqual([{ method: 'deleteTunnels', args: [['e1', 'e2', 'e3']] }]);
    const g = fakeClient();
    const r = await run(['del', 'e1', 'xgone', 'lo', 'e4'], g);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^eoip: .*xgone/),
      'eoip: lo is not an eoip/eoipv6 tunnel (its kind is none)',
    ]);
    // A kernel refusal (exit 2) outranks bad usage of a non-tunnel (exit 1).
    expect(r.code).toBe(2);
    expect(g.closed()).toBe(1);
  });

  it('failures: one line on stderr, the right status, client closed', async () => {
    const cases: Array<[unknown, number, string]> = [
      [
        new InvalidArgumentError('tunnelId', 4096, '0..4095 for eoipv6'),
        1,
        'eoip: invalid tunnel-id: 0x1000 (allowed: 0..4095 for eoipv6)\n',
      ],
      [new NotATunnelError('lo', undefined), 1, 'eoip: lo is not an eoip/eoipv6 tunnel (its kind is none)\n'],
      [
        new LinkNotFoundError(
          { errno: 19, operation: 'change', interface: 'x', hint: 'no interface x' },
          'no such interface',
        ),
        2,
        'eoip: change x: no such interface (ENODEV); no interface x\n',
      ],
      [new Error('socket: EMFILE'), 2, 'eoip: socket: EMFILE\n'],
    ];
    for (const [fail, code, err] of cases) {
      const f = fakeClient({ fail });
      const r = await run(['set', 'name', 'x', 'tid', '0x1000'], f);
      expect(r).toEqual({ code, out: '', err });
      expect(f.closed()).toBe(1);
    }
  });

  it('a client that cannot be opened: exit 2', async () => {
    const io = capture();
    const code = await execute(parseArgs(['-n', 'nope', 'list']) as KernelCommand, io, async () => {
      throw new Error('cannot open network namespace /run/netns/nope: ENOENT');
    });
    expect({ code, out: io.out, err: io.err }).toEqual({
      code: 2,
      out: '',
      err: 'eoip: cannot open network namespace /run/netns/nope: ENOENT\n',
    });
  });
});

describe('main: help, version and usage errors in-process', () => {
  it('usage error: exit 1, one line', async () => {
    const io = capture();
    expect(await main(['add', 'remote', '10.0.0.2'], io)).toBe(1);
    expect(io).toMatchObject({ out: '', err: 'eoip: add: tunnel-id is required\n' });
  });

  it('help and version', async () => {
    const io = capture();
    expect(await main(['help', 'li'], io)).toBe(0);
    expect(io.out).toMatch(/^Usage: eoip list/);
    const v = capture();
    expect(await main(['-jp', 'v'], v)).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ name: 'eoip-netlink' });
    expect(v.out).toContain('\n  "version": ');
  });
});
