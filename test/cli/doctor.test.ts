/**
 * `eoip doctor`: the text and JSON of the library's checks (the tunnel
 * checks run on tunnels of the captured dump), the exit statuses against a
 * fake runner, and the built bin in a fresh network namespace, where the
 * eoip kinds are missing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type DoctorCheck, tunnelChecks } from '../../src/api/doctor.js';
import { SocketError } from '../../src/api/errors.js';
import type { Tunnel } from '../../src/api/types.js';
import { checksToJson, formatChecks, runDoctorCommand } from '../../src/cli/doctor.js';
import { parseArgs } from '../../src/cli/grammar.js';
import {
  CAN_UNSHARE,
  capture,
  dumpTunnel,
  ensureBuilt,
  HAS_STRACE,
  MUTATING_TYPES,
  runCli,
  UNSHARE_SKIP_REASON,
} from './helpers.js';

const PRIVILEGES: DoctorCheck = {
  id: 'privileges',
  status: 'pass',
  detail: 'CAP_NET_ADMIN is available: tunnels can be created and changed',
};
const KIND_MISSING: DoctorCheck = {
  id: 'kind:eoip',
  status: 'fail',
  detail: 'the kernel has no eoip link kind: the module is not loaded (or not installed)',
  fix: 'modprobe eoip (install the eoip driver from the bbonev/eoip project first if modprobe cannot find it)',
};

describe('doctor text', () => {
  it('PASS/WARN/FAIL, the ids padded to one column, fix lines under the detail, a count line', () => {
    // e_basic: keepalive off (warn); e_ka10: keepalive on (pass); e_mtu bridged with MTU 1400 (warn).
    const bridged: Tunnel = { ...dumpTunnel('e_mtu'), master: 4 };
    const checks = [
      PRIVILEGES,
      KIND_MISSING,
      ...tunnelChecks(dumpTunnel('e_basic')),
      ...tunnelChecks(dumpTunnel('e_ka10')),
      ...tunnelChecks(bridged, 'br0'),
    ];
    expect(formatChecks(checks).split('\n')).toEqual([
      'PASS  privileges         CAP_NET_ADMIN is available: tunnels can be created and changed',
      'FAIL  kind:eoip          the kernel has no eoip link kind: the module is not loaded (or not installed)',
      '                         fix: modprobe eoip (install the eoip driver from the bbonev/eoip project first if modprobe cannot find it)',
      'WARN  keepalive:e_basic  e_basic: keepalive is off here; RouterOS sends keepalives by default (10s,10) and shows the tunnel as not running when none come back',
      '                         fix: eoip set name e_basic keepalive 10,10 — or on RouterOS: /interface eoip set [find tunnel-id=7] !keepalive',
      'PASS  keepalive:e_ka10   e_ka10: keepalive 10s,10',
      'WARN  keepalive:e_mtu    e_mtu: keepalive is off here; RouterOS sends keepalives by default (10s,10) and shows the tunnel as not running when none come back',
      '                         fix: eoip set name e_mtu keepalive 10,10 — or on RouterOS: /interface eoip set [find tunnel-id=22] !keepalive',
      'WARN  mtu:e_mtu          e_mtu: bridged into br0 with MTU 1400: full-size (1500) frames from other ports are dropped',
      '                         fix: eoip set name e_mtu mtu 1500 (the outer packets are then fragmented), or lower the MTU of every port of the bridge to 1400',
      '6 checks: 1 failed, 3 warnings',
      '',
    ]);
  });

  it('no checks at all: just the count line', () => {
    expect(formatChecks([])).toBe('0 checks: 0 failed, 0 warnings\n');
  });
});

describe('doctor JSON', () => {
  it('ok, failed, warnings, checks with fix null when there is none', () => {
    const checks = [PRIVILEGES, KIND_MISSING, ...tunnelChecks(dumpTunnel('e_basic'))];
    const j = checksToJson(checks);
    expect(Object.keys(j)).toEqual(['ok', 'failed', 'warnings', 'checks']);
    expect(j).toEqual({
      ok: false,
      failed: 1,
      warnings: 1,
      checks: [
        { ...PRIVILEGES, fix: null },
        KIND_MISSING,
        { id: 'keepalive:e_basic', status: 'warn', detail: checks[2]!.detail, fix: checks[2]!.fix },
      ],
    });
    for (const c of j.checks) expect(Object.keys(c)).toEqual(['id', 'status', 'detail', 'fix']);
    expect(checksToJson([PRIVILEGES]).ok).toBe(true);
  });
});

describe('runDoctorCommand: exit statuses', () => {
  async function run(argv: string[], checks: DoctorCheck[] | Error) {
    const io = capture();
    const asked: Array<string | undefined> = [];
    const code = await runDoctorCommand(parseArgs(argv) as never, io, async (netns) => {
      asked.push(netns);
      if (checks instanceof Error) throw checks;
      return checks;
    });
    return { code, out: io.out, err: io.err, asked };
  }

  it('0 when every check passed, also with warnings', async () => {
    expect(await run(['doctor'], [PRIVILEGES])).toMatchObject({ code: 0, err: '', asked: [undefined] });
    const warned = await run(['doctor'], [PRIVILEGES, ...tunnelChecks(dumpTunnel('e_basic'))]);
    expect(warned.code).toBe(0);
    expect(warned.out).toContain('WARN  keepalive:e_basic');
  });

  it('1 when a check failed; -j prints the object, same status', async () => {
    const r = await run(['doctor'], [PRIVILEGES, KIND_MISSING]);
    expect(r).toEqual({
      code: 1,
      out: formatChecks([PRIVILEGES, KIND_MISSING]),
      err: '',
      asked: [undefined],
    });
    const j = await run(['-n', 'blue', 'do', '-j'], [PRIVILEGES, KIND_MISSING]);
    expect(j.code).toBe(1);
    expect(j.asked).toEqual(['blue']);
    expect(j.out).toBe(`${JSON.stringify(checksToJson([PRIVILEGES, KIND_MISSING]))}\n`);
  });

  it('2 when the checks could not run, one line on stderr', async () => {
    const r = await run(['doctor'], new SocketError('cannot open network namespace /run/netns/x: ENOENT'));
    expect(r).toMatchObject({
      code: 2,
      out: '',
      err: 'eoip: doctor: cannot open network namespace /run/netns/x: ENOENT\n',
    });
  });
});

// --- the bin in a namespace -------------------------------------------------------

if (!CAN_UNSHARE) console.log(`test/cli/doctor.test.ts: namespace tests ${UNSHARE_SKIP_REASON}`);

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

describe.skipIf(!CAN_UNSHARE)('eoip doctor in a fresh network namespace (no eoip module here)', () => {
  it('FAIL kind:eoip and kind:eoipv6 with the modprobe fix; exit 1; nothing created', () => {
    const r = runCli(['doctor'], { netns: true, trace: HAS_STRACE });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines).toEqual([
      'PASS  privileges   CAP_NET_ADMIN is available: tunnels can be created and changed',
      'FAIL  kind:eoip    the kernel has no eoip link kind: the module is not loaded (or not installed)',
      '                   fix: modprobe eoip (install the eoip driver from the bbonev/eoip project first if modprobe cannot find it)',
      'FAIL  kind:eoipv6  the kernel has no eoipv6 link kind: the module is not loaded (or not installed)',
      '                   fix: modprobe eoipv6 (install the eoip driver from the bbonev/eoip project first if modprobe cannot find it)',
      '3 checks: 2 failed, 0 warnings',
      '',
    ]);
    // The probes are create requests the kernel refuses; nothing else changes anything.
    if (r.sentTypes) {
      expect(r.sentTypes.filter((t) => MUTATING_TYPES.includes(t))).toEqual(['RTM_NEWLINK', 'RTM_NEWLINK']);
    }
    expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo']);
  });

  it('-j: the documented object, exit 1', () => {
    const r = runCli(['doctor', '-j'], { netns: true, setup: 'ip link add br0 type bridge' });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toHaveLength(2);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, failed: 2, warnings: 0 });
    expect(j.checks.map((c: DoctorCheck) => [c.id, c.status])).toEqual([
      ['privileges', 'pass'],
      ['kind:eoip', 'fail'],
      ['kind:eoipv6', 'fail'],
    ]);
    expect(j.checks[0].fix).toBe(null);
    expect(j.checks[1].fix).toMatch(/^modprobe eoip /);
    expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo', 'br0']);
  });

  it('a namespace that cannot be opened: exit 2', () => {
    const r = runCli(['-n', 'no-such-ns-here', 'doctor'], { netns: true });
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'eoip: doctor: cannot open network namespace /run/netns/no-such-ns-here: ENOENT\n',
    });
  });
});

describe('eoip help doctor', () => {
  it('help doctor, doctor --help, do -h; d alone is ambiguous', () => {
    const h = runCli(['help', 'doctor']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: eoip doctor\n/);
    expect(runCli(['doctor', '--help']).stdout).toBe(h.stdout);
    expect(runCli(['do', '-h']).stdout).toBe(h.stdout);
    const d = runCli(['d']);
    expect(d).toEqual({
      code: 1,
      stdout: '',
      stderr: `eoip: ambiguous command "d": could be del, delete, doctor (try 'eoip help')\n`,
    });
  });
});
