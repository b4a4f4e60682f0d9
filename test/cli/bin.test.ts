/**
 * The built `eoip` bin (the tsup bin entry, see helpers.ts) as a child process: a table of valid
 * argument vectors checked through the request `--dry-run` prints, a table of
 * invalid ones checked for exit 1, the field named and nothing sent, the
 * reference tool's recorded cases, and the kernel's answers in a fresh
 * network namespace (where this kernel has no eoip module).
 *
 * Nothing here touches the host's interfaces: every command that could send
 * a change runs in its own `unshare -n` namespace or with --dry-run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveTunnelMac } from '../../src/api/validate.js';
import type { DryRunJson } from '../../src/cli/dry-run.js';
import type { DescribedAttribute } from '../../src/codec/describe.js';
import {
  BIN,
  BIN_DIR,
  CAN_UNSHARE,
  ensureBuilt,
  HAS_STRACE,
  MUTATING_TYPES,
  REPO_ROOT,
  type RunResult,
  requestCases,
  runCli,
  UNSHARE_SKIP_REASON,
} from './helpers.js';

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

if (!CAN_UNSHARE) console.log(`test/cli/bin.test.ts: namespace tests ${UNSHARE_SKIP_REASON}`);

/** Dry runs go into a fresh namespace when possible, so `lo` (ifindex 1) is the only link. */
function dryRun(args: readonly string[]): RunResult {
  return runCli(['--dry-run', ...args], { netns: CAN_UNSHARE });
}

interface Decoded {
  plan: DryRunJson;
  flags: string[];
  ifi: { index: number; flags: number; change: number };
  kind: string | undefined;
  /** IFLA_INFO_DATA children by name (absent attributes are absent keys). */
  info: Record<string, string | number | undefined> | undefined;
  /** Top-level attributes other than IFLA_LINKINFO, by name. */
  attrs: Record<string, string | number | undefined>;
}

function byName(
  list: readonly DescribedAttribute[] | undefined,
): Record<string, string | number | undefined> {
  const out: Record<string, string | number | undefined> = {};
  for (const a of list ?? []) out[a.name] = a.value;
  return out;
}

function decode(stdout: string): Decoded {
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.trimEnd().split('\n')).toHaveLength(1); // compact JSON: one line
  const plan = JSON.parse(stdout) as DryRunJson;
  const r = plan.request;
  const linkinfo = r.attrs?.find((a) => a.name === 'IFLA_LINKINFO');
  const kind = linkinfo?.nested?.find((a) => a.name === 'IFLA_INFO_KIND')?.value;
  const data = linkinfo?.nested?.find((a) => a.name === 'IFLA_INFO_DATA');
  return {
    plan,
    flags: r.nlmsghdr.flag_names,
    ifi: { index: r.ifinfomsg!.ifi_index, flags: r.ifinfomsg!.ifi_flags, change: r.ifinfomsg!.ifi_change },
    kind: typeof kind === 'string' ? kind : undefined,
    info: data ? byName(data.nested) : undefined,
    attrs: byName(r.attrs?.filter((a) => a.name !== 'IFLA_LINKINFO')),
  };
}

const CREATE = ['NLM_F_REQUEST', 'NLM_F_ACK', 'NLM_F_EXCL', 'NLM_F_CREATE'];

/** Tunnel parameters as the request carries them (IFLA_GRE_* / IFLA_EOIP_KA_*). */
function info(p: {
  id: number;
  local: string;
  remote: string;
  link?: number;
  ttl?: number;
  tos?: number;
  ka?: [number, number];
}): Record<string, string | number | undefined> {
  const out: Record<string, string | number | undefined> = {
    IFLA_GRE_IKEY: p.id,
    IFLA_GRE_LOCAL: p.local,
    IFLA_GRE_REMOTE: p.remote,
    IFLA_GRE_LINK: p.link ?? 0,
    IFLA_GRE_TTL: p.ttl ?? 0,
    IFLA_GRE_TOS: p.tos ?? 0,
  };
  if (p.ka) {
    out['IFLA_EOIP_KA_INTERVAL'] = p.ka[0];
    out['IFLA_EOIP_KA_RETRIES'] = p.ka[1];
  }
  return out;
}

interface ValidCase {
  args: string[];
  kind: 'eoip' | 'eoipv6';
  info: Record<string, string | number | undefined>;
  /** Top-level attributes besides IFLA_LINKINFO, exactly. */
  attrs?: Record<string, string | number | undefined>;
  /** ifi_flags / ifi_change. */
  ifi?: { flags: number; change: number };
}

const V4 = { local: '10.0.0.1', remote: '10.0.0.2' };

const VALID: ValidCase[] = [
  {
    args: ['add', 'name', 'e1', 'local', '10.0.0.1', 'remote', '10.0.0.2', 'tunnel-id', '7'],
    kind: 'eoip',
    info: info({ id: 7, ...V4 }),
    attrs: { IFLA_IFNAME: 'e1' },
  },
  {
    args: ['new', 'remote', '10.0.0.3', 'tid', '1'],
    kind: 'eoip',
    info: info({ id: 1, local: '0.0.0.0', remote: '10.0.0.3' }),
    attrs: {},
  },
  // Abbreviations: a = add, rem = remote, tu = tunnel-id, tt = ttl, to = tos.
  {
    args: ['a', 'rem', '10.0.0.4', 'tu', '0x10', 'tt', '010', 'to', '9'],
    kind: 'eoip',
    info: info({ id: 16, local: '0.0.0.0', remote: '10.0.0.4', ttl: 8, tos: 9 }),
  },
  {
    args: ['ad', 'n', 'e2', 'lo', '192.0.2.1', 'r', '198.51.100.7', 'ti', '1234'],
    kind: 'eoip',
    info: info({ id: 1234, local: '192.0.2.1', remote: '198.51.100.7' }),
    attrs: { IFLA_IFNAME: 'e2' },
  },
  {
    args: ['ne', 're', '10.0.0.5', 'tid', '5', 'k', '20,5'],
    kind: 'eoip',
    info: info({ id: 5, local: '0.0.0.0', remote: '10.0.0.5', ka: [20, 5] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '5', 'keepalive', '10'],
    kind: 'eoip',
    info: info({ id: 5, local: '0.0.0.0', remote: '10.0.0.5', ka: [10, 10] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '6', 'keepalive', '10,3'],
    kind: 'eoip',
    info: info({ id: 6, local: '0.0.0.0', remote: '10.0.0.5', ka: [10, 3] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '7', 'keepalive', '5,0'],
    kind: 'eoip',
    info: info({ id: 7, local: '0.0.0.0', remote: '10.0.0.5', ka: [5, 0] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '8', 'keepalive', 'none'],
    kind: 'eoip',
    info: info({ id: 8, local: '0.0.0.0', remote: '10.0.0.5', ka: [0, 0] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '9', 'keepalive', '0'],
    kind: 'eoip',
    info: info({ id: 9, local: '0.0.0.0', remote: '10.0.0.5', ka: [0, 0] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '9', 'keepalive', '0,7'],
    kind: 'eoip',
    info: info({ id: 9, local: '0.0.0.0', remote: '10.0.0.5', ka: [0, 0] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '9', 'keepalive', '0x1e,07'],
    kind: 'eoip',
    info: info({ id: 9, local: '0.0.0.0', remote: '10.0.0.5', ka: [30, 7] }),
  },
  {
    args: ['add', 'remote', '10.0.0.5', 'tunnel-id', '9', 'keepalive', '3600,255'],
    kind: 'eoip',
    info: info({ id: 9, local: '0.0.0.0', remote: '10.0.0.5', ka: [3600, 255] }),
  },
  {
    args: ['add', 'name', 'v6a', 'local', 'fd00::1', 'remote', 'fd00::2', 'tunnel-id', '4095'],
    kind: 'eoipv6',
    info: info({ id: 4095, local: 'fd00::1', remote: 'fd00::2' }),
    attrs: { IFLA_IFNAME: 'v6a' },
  },
  {
    args: ['add', 'remote', '2001:DB8:0:0::7', 'tid', '0'],
    kind: 'eoipv6',
    info: info({ id: 0, local: '::', remote: '2001:db8::7' }),
  },
  {
    args: ['add', 'remote', 'fd00::4', 'tid', '07777', 'ttl', '64', 'tos', '32', 'keepalive', '10,3'],
    kind: 'eoipv6',
    info: info({ id: 4095, local: '::', remote: 'fd00::4', ttl: 64, tos: 32, ka: [10, 3] }),
  },
  {
    args: ['add', 'remote', '10.0.0.6', 'tunnel-id', '8', 'link', 'lo'],
    kind: 'eoip',
    info: info({ id: 8, local: '0.0.0.0', remote: '10.0.0.6', link: 1 }),
  },
  {
    args: ['add', 'remote', '10.0.0.6', 'tunnel-id', '9', 'li', '1'],
    kind: 'eoip',
    info: info({ id: 9, local: '0.0.0.0', remote: '10.0.0.6', link: 1 }),
  },
  {
    args: ['add', 'remote', '10.0.0.6', 'tunnel-id', '9', 'link', 'none'],
    kind: 'eoip',
    info: info({ id: 9, local: '0.0.0.0', remote: '10.0.0.6', link: 0 }),
  },
  {
    args: ['add', 'remote', '10.0.0.7', 'tunnel-id', '65535', 'ttl', '255', 'tos', '0'],
    kind: 'eoip',
    info: info({ id: 65535, local: '0.0.0.0', remote: '10.0.0.7', ttl: 255 }),
  },
  {
    args: ['add', 'remote', '10.0.0.7', 'tunnel-id', '0xffff', 'ttl', '0x40', 'tos', '0x10'],
    kind: 'eoip',
    info: info({ id: 65535, local: '0.0.0.0', remote: '10.0.0.7', ttl: 64, tos: 16 }),
  },
  {
    args: [
      'add',
      'name',
      'tall',
      'local',
      '10.0.0.1',
      'remote',
      '10.0.0.9',
      'tunnel-id',
      '4321',
      'link',
      'lo',
      'ttl',
      '32',
      'tos',
      '8',
      'keepalive',
      '15,4',
    ],
    kind: 'eoip',
    info: info({ id: 4321, local: '10.0.0.1', remote: '10.0.0.9', link: 1, ttl: 32, tos: 8, ka: [15, 4] }),
    attrs: { IFLA_IFNAME: 'tall' },
    ifi: { flags: 0, change: 0 },
  },
  // The last value given wins.
  {
    args: ['add', 'remote', '10.0.0.2', 'tunnel-id', '7', 'tunnel-id', '8'],
    kind: 'eoip',
    info: info({ id: 8, local: '0.0.0.0', remote: '10.0.0.2' }),
  },
  // New options.
  {
    args: ['add', 'remote', '10.0.0.8', 'tunnel-id', '3', 'mtu', '1400'],
    kind: 'eoip',
    info: info({ id: 3, local: '0.0.0.0', remote: '10.0.0.8' }),
    attrs: { IFLA_MTU: 1400 },
  },
  {
    args: ['add', 'remote', '10.0.0.8', 'tunnel-id', '3', 'address', '02:00:5e:10:00:01'],
    kind: 'eoip',
    info: info({ id: 3, local: '0.0.0.0', remote: '10.0.0.8' }),
    attrs: { IFLA_ADDRESS: '02:00:5e:10:00:01' },
  },
  {
    args: ['add', 'remote', '10.0.0.8', 'tunnel-id', '3', 'ad', 'auto'],
    kind: 'eoip',
    info: info({ id: 3, local: '0.0.0.0', remote: '10.0.0.8' }),
    attrs: { IFLA_ADDRESS: deriveTunnelMac('eoip', 3, '10.0.0.8') },
  },
  {
    args: ['add', 'remote', '10.0.0.8', 'tunnel-id', '3', 'master', 'lo', 'up'],
    kind: 'eoip',
    info: info({ id: 3, local: '0.0.0.0', remote: '10.0.0.8' }),
    attrs: { IFLA_MASTER: 1 },
    ifi: { flags: 1, change: 1 },
  },
  {
    args: ['add', 'remote', '10.0.0.8', 'tunnel-id', '3', 'ma', '1', 'mt', '9000', 'u'],
    kind: 'eoip',
    info: info({ id: 3, local: '0.0.0.0', remote: '10.0.0.8' }),
    attrs: { IFLA_MASTER: 1, IFLA_MTU: 9000 },
    ifi: { flags: 1, change: 1 },
  },
  {
    args: ['add', 'remote', '10.0.0.8', 'tunnel-id', '3', 'down'],
    kind: 'eoip',
    info: info({ id: 3, local: '0.0.0.0', remote: '10.0.0.8' }),
    ifi: { flags: 0, change: 1 },
  },
  {
    args: ['add', 'remote', '10.0.0.8', 'tunnel-id', '3', 'up', 'do'],
    kind: 'eoip',
    info: info({ id: 3, local: '0.0.0.0', remote: '10.0.0.8' }),
    ifi: { flags: 0, change: 1 },
  },
  // Flags among the option words, before and after.
  {
    args: ['-j', 'add', 'remote', '10.0.0.8', '--json', 'tunnel-id', '4'],
    kind: 'eoip',
    info: info({ id: 4, local: '0.0.0.0', remote: '10.0.0.8' }),
  },
];

describe('valid argument vectors: the request --dry-run prints', () => {
  it.each(VALID)('eoip --dry-run $args', (c) => {
    const r = dryRun(c.args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = decode(r.stdout);
    expect(d.plan.dryRun).toBe(true);
    expect(d.plan.operation).toBe('create');
    expect(d.flags).toEqual(CREATE);
    expect(d.plan.request.nlmsghdr.type_name).toBe('RTM_NEWLINK');
    expect(d.kind).toBe(c.kind);
    expect(d.info).toEqual(c.info);
    if (c.attrs) expect(d.attrs).toEqual(c.attrs);
    if (c.ifi) expect({ flags: d.ifi.flags, change: d.ifi.change }).toEqual(c.ifi);
    expect(d.plan.interface).toBe(
      typeof c.attrs?.['IFLA_IFNAME'] === 'string' ? c.attrs['IFLA_IFNAME'] : null,
    );
    expect(d.plan.hex).toMatch(/^([0-9a-f]{2})+$/);
    expect(d.plan.hex.length / 2).toBe(d.plan.request.nlmsghdr.len);
    if (CAN_UNSHARE) expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo']);
  });

  it('-p prints the same request indented', () => {
    const args = ['add', 'remote', '10.0.0.2', 'tunnel-id', '0x2a', 'ttl', '3', 'tos', '4'];
    const compact = dryRun(args);
    const pretty = dryRun(['-p', ...args]);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout.split('\n').length).toBeGreaterThan(20);
    expect(pretty.stdout).toContain('\n  "operation": "create",\n');
    expect(JSON.parse(pretty.stdout)).toEqual(JSON.parse(compact.stdout));
  });

  it('--dry-run may come after the options', () => {
    const r = runCli(['add', 'remote', '10.0.0.2', 'tunnel-id', '42', 'ttl', '3', '--dry-run'], {
      netns: CAN_UNSHARE,
    });
    expect(r.code).toBe(0);
    expect(decode(r.stdout).info).toEqual(info({ id: 42, local: '0.0.0.0', remote: '10.0.0.2', ttl: 3 }));
  });
});

/** The capture's d0 was ifindex 2: in a fresh namespace the first link made gets ifindex 2 as well. */
const D0 = 'ip link add d0 type bridge';

describe.skipIf(!CAN_UNSHARE)('the reference tool recorded requests: same bytes from --dry-run', () => {
  // Created tunnels the reference tool sent and the kernel accepted, except
  // link 99 (an ifindex that does not exist, which this tool refuses: below).
  const cases = requestCases().filter(
    (c) => c.request_sent && c.exit_code === 0 && c.argv[1] === 'add' && !c.argv.includes('99'),
  );

  it('covers the recorded add cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(17);
    expect(cases.filter((c) => c.argv.includes('d0')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(cases)('$id: $description', (c) => {
    const recorded = requestCases().find((x) => x.id === c.id) as unknown as {
      request_hex_seq_zeroed: string;
    };
    const r = runCli(['--dry-run', ...c.argv.slice(1)], { netns: true, setup: D0 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(decode(r.stdout).plan.hex).toBe(recorded.request_hex_seq_zeroed);
  });

  it('link 99 (no such ifindex): the reference sent it, this tool refuses it before sending', () => {
    const c = requestCases().find((x) => x.id === 'add_link_nonexistent_index')!;
    expect(c.argv).toContain('99');
    expectRefused(runCli(c.argv.slice(1), { netns: true, trace: HAS_STRACE }), 'invalid link: 99');
  });
});

describe.skipIf(!CAN_UNSHARE)('link and master by name in a namespace with a bridge', () => {
  const setup = `${D0}; ip link add br0 type bridge`; // d0 = 2, br0 = 3

  it('names resolve to their ifindex', () => {
    const r = runCli(
      ['--dry-run', 'add', 'remote', '10.0.0.2', 'tid', '3', 'link', 'd0', 'master', 'br0', 'up'],
      {
        netns: true,
        setup,
      },
    );
    expect(r.code).toBe(0);
    const d = decode(r.stdout);
    expect(d.info).toEqual(info({ id: 3, local: '0.0.0.0', remote: '10.0.0.2', link: 2 }));
    expect(d.attrs).toEqual({ IFLA_MASTER: 3 });
    expect(d.ifi).toEqual({ index: 0, flags: 1, change: 1 });
    expect(r.linksAfter?.map((l) => [l.ifname, l.ifindex])).toEqual([
      ['lo', 1],
      ['d0', 2],
      ['br0', 3],
    ]);
  });

  it('a real add with master fails on this kernel (exit 2) and leaves the links as they were', () => {
    const r = runCli(['add', 'name', 'e9', 'remote', '10.0.0.2', 'tid', '3', 'master', 'br0', 'up'], {
      netns: true,
      setup,
      trace: HAS_STRACE,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^eoip: create e9: eoip kind not available/);
    expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo', 'd0', 'br0']);
  });

  it('set and del refuse a bridge: not a tunnel (exit 1), nothing sent', () => {
    for (const args of [
      ['set', 'name', 'br0', 'ttl', '3'],
      ['del', 'br0'],
      ['--dry-run', 'del', 'd0'],
    ]) {
      const r = runCli(args, { netns: true, setup, trace: HAS_STRACE });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^eoip: (br0|d0) is not an eoip\/eoipv6 tunnel \(its kind is bridge\)\n$/);
      if (r.sentTypes) expect(r.sentTypes.filter((t) => MUTATING_TYPES.includes(t))).toEqual([]);
      expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo', 'd0', 'br0']);
    }
  });

  it('list with only non-tunnel links prints nothing', () => {
    for (const args of [['list'], ['list', 'name', 'br0'], ['-j', 'list', 'detail']]) {
      const r = runCli(args, { netns: true, setup });
      expect({ args, code: r.code, out: r.stdout, err: r.stderr }).toEqual({
        args,
        code: 0,
        out: args[0] === '-j' ? '[]\n' : '',
        err: '',
      });
    }
  });
});

interface InvalidCase {
  args: string[];
  /** What the one-line message must contain (the option word at fault, or the word typed). */
  says: string | RegExp;
}

const BASE = ['local', '10.0.0.1', 'remote', '10.0.0.2'];

const INVALID: InvalidCase[] = [
  { args: ['add', 'name', 'x', ...BASE], says: 'tunnel-id is required' },
  { args: ['add', 'name', 'x', 'local', '10.0.0.1', 'tunnel-id', '6'], says: 'remote is required' },
  { args: ['add', ...BASE, 'tunnel-id', '65536'], says: 'invalid tunnel-id: 65536' },
  { args: ['add', ...BASE, 'tunnel-id', '0x10000'], says: 'invalid tunnel-id: 0x10000' },
  { args: ['add', ...BASE, 'tunnel-id', '-1'], says: 'invalid tunnel-id: "-1"' },
  {
    args: ['add', 'local', 'fd00::1', 'remote', 'fd00::2', 'tunnel-id', '4096'],
    says: /invalid tunnel-id: 4096 .*4095/,
  },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'keepalive', '3601'], says: 'invalid keepalive: 3601' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'keepalive', '10,256'], says: 'invalid keepalive: "10,256"' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'keepalive', '10,'], says: 'invalid keepalive' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'keepalive', '10,3,1'], says: 'invalid keepalive' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'keepalive', 'off'], says: 'invalid keepalive' },
  { args: ['add', 'local', '10.0.0.1', 'remote', 'fd00::2', 'tunnel-id', '1'], says: 'invalid local' },
  { args: ['add', 'local', 'fd00::1', 'remote', '10.0.0.2', 'tunnel-id', '1'], says: 'invalid local' },
  { args: ['add', 'name', 'abcdefghijklmnop', ...BASE, 'tunnel-id', '1'], says: 'invalid name' },
  { args: ['add', 'name', 'a/b', ...BASE, 'tunnel-id', '1'], says: 'invalid name' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'ttl', '256'], says: 'invalid ttl: 256' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'ttl', '08'], says: 'invalid ttl: "08"' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'ttl', '12abc'], says: 'invalid ttl' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'ttl', ''], says: 'invalid ttl: ""' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'tos', '0x'], says: 'invalid tos' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'tos', '+5'], says: 'invalid tos' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'tos', '0x100'], says: 'invalid tos: 0x100' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'ttl'], says: 'ttl needs a value' },
  { args: ['add', 'local', '10.0.0.1', 'remote', '0.0.0.0', 'tunnel-id', '3'], says: 'invalid remote' },
  { args: ['add', 'local', 'fd00::1', 'remote', '::', 'tunnel-id', '1'], says: 'invalid remote' },
  { args: ['add', 'remote', 'ff02::1', 'tunnel-id', '1'], says: 'invalid remote' },
  { args: ['add', 'remote', '10.0.0.300', 'tunnel-id', '1'], says: 'invalid remote' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'link', 'nosuchdev'], says: 'invalid link: "nosuchdev"' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'master', 'nosuchbr'], says: 'invalid master' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'mtu', '67'], says: 'invalid mtu: 67' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'mtu', '65536'], says: 'invalid mtu' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'address', '01:00:5e:00:00:01'], says: 'invalid address' },
  { args: ['add', ...BASE, 'tunnel-id', '1', 'address', '00:00:00:00:00:00'], says: 'invalid address' },
  { args: ['add', 'name', 'x', 'foo', '1', 'tunnel-id', '1'], says: 'unknown option "foo"' },
  // Ambiguous prefixes: l (local, link) and t (tunnel-id, tid, ttl, tos) already in the reference; m among the new words.
  {
    args: ['add', 'l', '10.0.0.1', 'remote', '10.0.0.2', 'tunnel-id', '1'],
    says: /ambiguous option "l".*local.*link/,
  },
  { args: ['add', 't', '1', 'remote', '10.0.0.2'], says: /ambiguous option "t".*tunnel-id.*tid.*ttl.*tos/ },
  {
    args: ['add', 'm', '1400', 'remote', '10.0.0.2', 'tunnel-id', '1'],
    says: /ambiguous option "m".*mtu.*master/,
  },
  { args: ['s', 'name', 'e1', 'ttl', '3'], says: /ambiguous command "s".*set.*show/ },
  { args: ['frobnicate'], says: 'unknown command "frobnicate"' },
  { args: ['d', 'e1'], says: /ambiguous command "d".*del, delete, doctor/ },
  { args: ['apply'], says: 'apply: which file?' },
  { args: ['doctor', 'now'], says: 'doctor: unexpected argument "now"' },
  { args: ['monitor', 'kind', 'gre'], says: 'invalid kind: "gre"' },
  { args: ['--prune', 'add', ...BASE, 'tunnel-id', '1'], says: '--prune is only for apply' },
  { args: ['x'], says: 'unknown command "x"' },
  { args: ['set', ...BASE, 'tunnel-id', '1'], says: 'name is required' },
  { args: ['set', 'name', 'e1'], says: 'nothing to change' },
  { args: ['del'], says: 'which tunnel' },
  { args: ['--dry-run', 'del', 'a', 'b'], says: '--dry-run shows one request' },
  { args: ['del', 'a', '-j', 'b', '--dry-run'], says: '--dry-run shows one request' },
  { args: ['list', 'kind', 'gre'], says: 'invalid kind: "gre"' },
  { args: ['list', 'foo'], says: 'unknown option "foo"' },
  { args: ['list', 'name'], says: 'name needs a value' },
  { args: ['-d', 'add', ...BASE, 'tunnel-id', '1'], says: '-d/--detail is only for list' },
  { args: ['add', ...BASE, 'tunnel-id', '1', '--bogus'], says: 'unknown flag "--bogus"' },
  { args: ['version', 'extra'], says: 'unexpected argument "extra"' },
  { args: ['help', 'frob'], says: 'unknown command "frob"' },
  { args: ['-n'], says: '-n needs a namespace name' },
  { args: ['set', 'name', 'lo', 'ttl', '3'], says: 'lo is not an eoip/eoipv6 tunnel' },
  { args: ['del', 'lo'], says: 'lo is not an eoip/eoipv6 tunnel' },
];

function expectRefused(r: RunResult, says: string | RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n');
  expect(lines).toHaveLength(2); // one line and its newline
  expect(lines[0]).toMatch(/^eoip: /);
  if (typeof says === 'string') expect(lines[0]).toContain(says);
  else expect(lines[0]).toMatch(says);
  expect(lines[0]).not.toMatch(/not available|modprobe/);
  if (r.sentTypes) expect(r.sentTypes.filter((t) => MUTATING_TYPES.includes(t))).toEqual([]);
  if (r.linksAfter) expect(r.linksAfter.map((l) => l.ifname)).toEqual(['lo']);
}

describe('invalid argument vectors: exit 1, the field named, nothing sent', () => {
  it('has at least 40 valid and invalid vectors together', () => {
    expect(VALID.length + INVALID.length).toBeGreaterThanOrEqual(40);
    expect(INVALID.length).toBeGreaterThanOrEqual(40);
  });

  // For real (no --dry-run) in a fresh namespace, traced; without root, with --dry-run.
  it.each(INVALID)('eoip $args', (c) => {
    const r = CAN_UNSHARE
      ? runCli(c.args, { netns: true, trace: HAS_STRACE })
      : runCli(['--dry-run', ...c.args]);
    expectRefused(r, c.says);
  });

  it.each(INVALID.filter((c) => ['add', 'set', 'del'].includes(c.args[0]!)))('eoip --dry-run $args', (c) => {
    expectRefused(dryRun(c.args), c.says);
  });
});

describe('the reference tool cases refused before sending (request_sent false)', () => {
  const cases = requestCases().filter((c) => !c.request_sent);

  it('are all here', () => {
    expect(cases.map((c) => c.id)).toContain('err_no_tid');
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  it.each(cases)('$id: $argv', (c) => {
    const args = c.argv.slice(1);
    const r = CAN_UNSHARE ? runCli(args, { netns: true, trace: HAS_STRACE }) : runCli(['--dry-run', ...args]);
    expect(r.code).toBe(c.exit_code);
    if (c.exit_code === 0) {
      expect(r.stderr).toBe('');
      expect(r.stdout.length).toBeGreaterThan(0);
    } else {
      expectRefused(r, /^eoip: /);
    }
    if (r.sentTypes) expect(r.sentTypes.filter((t) => MUTATING_TYPES.includes(t))).toEqual([]);
  });

  // The reference sent these and the kernel refused them (exit 1): they are refused here before sending.
  const kernelRefusedInput = requestCases().filter((c) =>
    ['add_no_remote', 'add_remote_zero_explicit', 'add_v6_remote_any'].includes(c.id),
  );
  it.each(kernelRefusedInput)('$id is refused before sending: $argv', (c) => {
    expect(c.exit_code).toBe(1);
    const args = c.argv.slice(1);
    const r = CAN_UNSHARE ? runCli(args, { netns: true, trace: HAS_STRACE }) : runCli(['--dry-run', ...args]);
    expectRefused(r, 'remote');
  });
});

describe.skipIf(!CAN_UNSHARE)('in a fresh network namespace (this kernel has no eoip module)', () => {
  it('list prints nothing and exits 0 (also show, -j, detail, the default)', () => {
    for (const args of [
      ['list'],
      [],
      ['show'],
      ['l', 'detail'],
      ['list', 'kind', 'eoipv6'],
      ['list', 'name', 'lo'],
    ]) {
      const r = runCli(args, { netns: true });
      expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        args,
        code: 0,
        stdout: '',
        stderr: '',
      });
    }
    const j = runCli(['-j', 'list'], { netns: true });
    expect(j.code).toBe(0);
    expect(j.stdout).toBe('[]\n');
  });

  it('add fails with the kind-not-available answer and exit 2; nothing is left behind', () => {
    const r = runCli(['add', 'name', 'e1', 'local', '10.0.0.1', 'remote', '10.0.0.2', 'tunnel-id', '7'], {
      netns: true,
      trace: HAS_STRACE,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      // The kernel's own words (extended ack) come after the errno name.
      /^eoip: create e1: eoip kind not available \(EOPNOTSUPP: Unknown device type\).*\(modprobe eoip\)\n$/,
    );
    if (r.sentTypes) expect(r.sentTypes).toContain('RTM_NEWLINK');
    expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo']);
  });

  it('add of an eoipv6 tunnel names the eoipv6 kind', () => {
    const r = runCli(['-j', 'add', 'remote', 'fd00::2', 'tunnel-id', '7'], { netns: true });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/eoipv6 kind not available.*modprobe eoipv6/);
  });

  it('set on a missing name fails with exit 2 and creates nothing', () => {
    const r = runCli(
      ['set', 'name', 'newbyset', 'local', '10.0.0.1', 'remote', '10.0.0.10', 'tunnel-id', '50'],
      {
        netns: true,
        trace: HAS_STRACE,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('eoip: change newbyset: no such interface (ENODEV); no interface newbyset\n');
    if (r.sentTypes) {
      expect(r.sentTypes).toContain('RTM_GETLINK');
      expect(r.sentTypes.filter((t) => MUTATING_TYPES.includes(t))).toEqual([]);
    }
    expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo']);
  });

  it('the reference set cases on a fresh namespace fail (exit 2) and never create', () => {
    const cases = requestCases().filter(
      (x) => x.request_sent && (x.argv[1] === 'set' || x.argv[1] === 'change'),
    );
    expect(cases.length).toBeGreaterThanOrEqual(8);
    for (const c of cases) {
      const r = runCli(c.argv.slice(1), { netns: true });
      expect({ id: c.id, code: r.code }).toEqual({ id: c.id, code: 2 });
      expect(r.stderr).toMatch(/no such interface \(ENODEV\)/);
      expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo']);
    }
  });

  it('set --dry-run on a missing name fails the same way', () => {
    const r = runCli(['--dry-run', 'set', 'name', 'nosuch', 'ttl', '3'], { netns: true });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no such interface');
  });

  it('del of a missing name: exit 2; del name form and dry run too', () => {
    for (const args of [
      ['del', 'nosuch'],
      ['delete', 'name', 'nosuch'],
      ['--dry-run', 'de', 'n', 'nosuch'],
    ]) {
      const r = runCli(args, { netns: true, trace: HAS_STRACE });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('eoip: delete nosuch: no such interface (ENODEV); no interface nosuch\n');
      if (r.sentTypes) expect(r.sentTypes.filter((t) => MUTATING_TYPES.includes(t))).toEqual([]);
    }
  });

  describe('-n / --netns', () => {
    let holder: ChildProcess | undefined;
    let nsPath = '';
    beforeAll(async () => {
      // A process in a namespace of its own holds the namespace the bin is pointed at.
      holder = spawn('unshare', ['-n', 'sh', '-c', 'ip link add l1 type bridge && exec sleep 60'], {
        stdio: 'ignore',
      });
      nsPath = `/proc/${holder.pid}/ns/net`;
      await new Promise((r) => setTimeout(r, 300));
    });
    afterAll(() => {
      holder?.kill();
    });

    it('list in another namespace', () => {
      for (const args of [['-n', nsPath, 'list'], [`--netns=${nsPath}`], ['list', '--netns', nsPath]]) {
        const r = runCli(args, { netns: true });
        expect({ args, code: r.code, out: r.stdout, err: r.stderr }).toEqual({
          args,
          code: 0,
          out: '',
          err: '',
        });
      }
    });

    it('the dry-run request is the plain request: the socket, not the request, is in the namespace', () => {
      const r = runCli(['-n', nsPath, '--dry-run', 'add', 'remote', '10.0.0.2', 'tunnel-id', '12'], {
        netns: true,
      });
      expect(r.code).toBe(0);
      const d = decode(r.stdout);
      expect(d.info).toEqual(info({ id: 12, local: '0.0.0.0', remote: '10.0.0.2' }));
      expect(d.attrs['IFLA_TARGET_NETNSID']).toBeUndefined();
      const plain = runCli(['--dry-run', 'add', 'remote', '10.0.0.2', 'tunnel-id', '12'], { netns: true });
      expect(JSON.parse(r.stdout).hex).toBe(JSON.parse(plain.stdout).hex);
    });

    it('set there: a missing name is exit 2, a bridge is not a tunnel (exit 1); dry run alike', () => {
      const cases: Array<[string[], number, RegExp]> = [
        [
          ['-n', nsPath, 'set', 'name', 'nosuch', 'ttl', '3'],
          2,
          /^eoip: change nosuch: no such interface \(ENODEV\)/,
        ],
        [['-n', nsPath, '--dry-run', 'set', 'name', 'nosuch', 'ttl', '3'], 2, /no such interface/],
        [
          ['-n', nsPath, 'set', 'name', 'l1', 'ttl', '3'],
          1,
          /^eoip: l1 is not an eoip\/eoipv6 tunnel \(its kind is bridge\)\n$/,
        ],
        [['-n', nsPath, 'del', 'l1'], 1, /^eoip: l1 is not an eoip\/eoipv6 tunnel/],
      ];
      for (const [args, code, err] of cases) {
        const r = runCli(args, { netns: true });
        expect({ args, code: r.code, out: r.stdout }).toEqual({ args, code, out: '' });
        expect(r.stderr).toMatch(err);
      }
    });

    it('a namespace that does not exist: exit 2', () => {
      const r = runCli(['-n', 'no-such-ns-here', 'list'], { netns: true });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^eoip: cannot open network namespace \/run\/netns\/no-such-ns-here/);
    });
  });
});

describe('version and help', () => {
  it('version, --version, -v and abbreviations print eoip-netlink <version>', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const args of [['version'], ['--version'], ['-v'], ['ver'], ['v']]) {
      const r = runCli(args);
      expect({ args, code: r.code, out: r.stdout, err: r.stderr }).toEqual({
        args,
        code: 0,
        out: `eoip-netlink ${version}\n`,
        err: '',
      });
    }
    expect(JSON.parse(runCli(['-j', 'version']).stdout)).toEqual({ name: 'eoip-netlink', version });
  });

  /**
   * Run a copy of the bin in a fresh directory of its own, with the bundles
   * `fill` puts beside it (or none), from that directory; then remove it.
   */
  function runCopiedBin(args: string[], fill: (dir: string) => void = () => {}) {
    const dir = mkdtempSync(join(tmpdir(), 'eoip-cli-copy-'));
    try {
      copyFileSync(BIN, join(dir, 'cli.cjs'));
      fill(dir);
      const r = spawnSync(process.execPath, [join(dir, 'cli.cjs'), ...args], { encoding: 'utf8', cwd: dir });
      return { dir, code: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('the bin works from another directory (version inlined at build time)', () => {
    const r = runCopiedBin(['--version'], (dir) => {
      for (const f of readdirSync(BIN_DIR).filter((f) => f.endsWith('.cjs') && f !== 'cli.cjs')) {
        copyFileSync(join(BIN_DIR, f), join(dir, f));
      }
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^eoip-netlink \d+\.\d+\.\d+/);
  });

  it('the bin without its bundle says so in one line and exits 2', () => {
    const r = runCopiedBin(['list']);
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 2, out: '' });
    expect(r.stderr).toBe(
      `eoip: cannot load ${join(r.dir, 'cli-main.cjs')}: the package is incomplete (reinstall eoip-netlink)\n`,
    );
  });

  it('a damaged bundle is one line and exit 2, not a stack trace', () => {
    const r = runCopiedBin(['--version'], (dir) => {
      writeFileSync(join(dir, 'cli-main.cjs'), 'this is not { JavaScript');
    });
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 2, out: '' });
    expect(r.stderr.split('\n')).toEqual([
      `eoip: cannot load ${join(r.dir, 'cli-main.cjs')}: Unexpected identifier 'is'`,
      '',
    ]);
  });

  it('help, --help, -h print the overview; help CMD and CMD --help the command', () => {
    const overview = runCli(['help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toMatch(/^Usage: eoip /);
    for (const w of ['add', 'set', 'list', 'del', 'monitor', 'apply', 'doctor', 'version'])
      expect(overview.stdout).toContain(w);
    expect(runCli(['--help']).stdout).toBe(overview.stdout);
    expect(runCli(['-h']).stdout).toBe(overview.stdout);
    expect(runCli(['h']).stdout).toBe(overview.stdout);

    const add = runCli(['help', 'add']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^Usage: eoip add /);
    for (const args of [
      ['add', '--help'],
      ['a', '-h'],
      ['help', 'new'],
      ['--help', 'add'],
      ['add', 'remote', '10.0.0.2', '--help'],
    ]) {
      const r = runCli(args);
      expect({ args, code: r.code, same: r.stdout === add.stdout }).toEqual({ args, code: 0, same: true });
    }
    expect(runCli(['help', 'set']).stdout).toMatch(/^Usage: eoip set name NAME/);
    expect(runCli(['show', '--help']).stdout).toMatch(/^Usage: eoip list/);
    expect(runCli(['del', '-h']).stdout).toMatch(/^Usage: eoip del NAME/);
    expect(runCli(['help', 'de']).stdout).toMatch(/^Usage: eoip del NAME/);
    // With doctor, d is ambiguous among the new words; a, the reference tool's add, is not.
    expect(runCli(['help', 'd'])).toMatchObject({ code: 1, stdout: '' });
    expect(runCli(['help', 'a']).stdout).toBe(add.stdout);
    expect(runCli(['help', 'ap']).stdout).toMatch(/^Usage: eoip apply FILE/);
  });
});
