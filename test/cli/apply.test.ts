/**
 * `eoip apply FILE`: the JSON shape and the failure line in-process, the
 * command against a fake `applyTunnels`, and the built bin in a fresh
 * network namespace (no eoip module here): refused files exit 1 naming the
 * field and send nothing, dry runs print the plan and send nothing, a real
 * apply exits 2 with the kernel's answer and leaves nothing behind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApplyError,
  type ApplyOptions,
  type ApplyResult,
  type ApplyStep,
  type DesiredTunnel,
  formatPlan,
  parseApplyFile,
} from '../../src/api/apply.js';
import {
  InvalidArgumentError,
  KindNotAvailableError,
  NotATunnelError,
  SocketError,
} from '../../src/api/errors.js';
import { applyFailureLine, applyResultToJson, fileFormat, runApply } from '../../src/cli/apply.js';
import { parseArgs } from '../../src/cli/grammar.js';
import {
  CAN_UNSHARE,
  capture,
  dumpTunnel,
  ensureBuilt,
  HAS_STRACE,
  MUTATING_TYPES,
  type RunResult,
  runCli,
  UNSHARE_SKIP_REASON,
} from './helpers.js';

// --- fixtures -----------------------------------------------------------------------

const kindMissing = (name: string, kind = 'eoip') =>
  new KindNotAvailableError(
    {
      errno: 95,
      operation: 'create',
      interface: name,
      hint: `the ${kind} link kind is not available: load its kernel module (modprobe ${kind})`,
    },
    `${kind} kind not available`,
  );

/** A plan of every action: delete, change, replace, create, unchanged. */
function plan(status: (action: ApplyStep['action']) => ApplyStep['status']): ApplyResult {
  const cur = dumpTunnel('e_ka10');
  const steps: ApplyStep[] = [
    { action: 'delete', name: 'eoip0', diffs: [], status: status('delete'), current: dumpTunnel('eoip0') },
    {
      action: 'change',
      name: 'e_ka10',
      diffs: [
        { field: 'ttl', from: 0, to: 64 },
        { field: 'keepalive', from: { interval: 10, retries: 10 }, to: { interval: 0, retries: 0 } },
      ],
      status: status('change'),
      desired: { name: 'e_ka10', tunnelId: 10, remote: '10.0.0.5', ttl: 64 },
      current: cur,
    },
    {
      action: 'create',
      name: 'e-new',
      diffs: [
        { field: 'kind', from: undefined, to: 'eoip' },
        { field: 'tunnelId', from: undefined, to: 300 },
        { field: 'remote', from: undefined, to: '203.0.113.5' },
        { field: 'link', from: undefined, to: 0 },
      ],
      status: status('create'),
      desired: { name: 'e-new', tunnelId: 300, remote: '203.0.113.5' },
    },
    {
      action: 'unchanged',
      name: 'e_basic',
      diffs: [],
      status: status('unchanged'),
      current: dumpTunnel('e_basic'),
    },
  ];
  return {
    steps,
    dryRun: steps.every((s) => s.status === 'planned'),
    changed: true,
    counts: { create: 1, change: 1, replace: 0, delete: 1, unchanged: 1 },
  };
}

/** The plan after the create was refused: delete and change done. */
function failedPlan(): { result: ApplyResult; error: ApplyError } {
  const result = plan((a) => (a === 'create' ? 'failed' : 'done'));
  const step = result.steps[2]!;
  step.error = kindMissing('e-new');
  return { result, error: new ApplyError(result, step, step.error) };
}

describe('apply -j shape', () => {
  it('a dry run: dryRun, changed, counts, steps with action, name, status, diffs (from null for a create)', () => {
    const j = applyResultToJson(plan(() => 'planned'));
    expect(Object.keys(j)).toEqual(['dryRun', 'changed', 'counts', 'steps']);
    expect(j.dryRun).toBe(true);
    expect(j.counts).toEqual({ create: 1, change: 1, replace: 0, delete: 1, unchanged: 1 });
    expect(j.steps.map((s) => Object.keys(s))).toEqual([
      ['action', 'name', 'status', 'diffs'],
      ['action', 'name', 'status', 'diffs'],
      ['action', 'name', 'status', 'diffs'],
      ['action', 'name', 'status', 'diffs'],
    ]);
    expect(j.steps[1]).toEqual({
      action: 'change',
      name: 'e_ka10',
      status: 'planned',
      diffs: [
        { field: 'ttl', from: 0, to: 64 },
        { field: 'keepalive', from: { interval: 10, retries: 10 }, to: { interval: 0, retries: 0 } },
      ],
    });
    expect(j.steps[2]!.diffs[0]).toEqual({ field: 'kind', from: null, to: 'eoip' });
    // Round trip: it is plain JSON.
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it('after a failure: the failed step carries the error code and message; a failed replace says deleted', () => {
    const { result } = failedPlan();
    const j = applyResultToJson(result);
    expect(j.steps.map((s) => s.status)).toEqual(['done', 'done', 'failed', 'done']);
    expect(j.steps[2]!.error).toEqual({
      code: 'EOPNOTSUPP',
      message:
        'create e-new: eoip kind not available (EOPNOTSUPP); the eoip link kind is not available: load its kernel module (modprobe eoip)',
    });
    expect(j.steps[0]).not.toHaveProperty('error');
    const replace: ApplyResult = {
      ...result,
      steps: [
        {
          action: 'replace',
          name: 'e5',
          diffs: [{ field: 'kind', from: 'eoip', to: 'eoipv6' }],
          status: 'failed',
          error: new Error('boom'),
          deleted: true,
        },
      ],
    };
    expect(applyResultToJson(replace).steps[0]).toEqual({
      action: 'replace',
      name: 'e5',
      status: 'failed',
      diffs: [{ field: 'kind', from: 'eoip', to: 'eoipv6' }],
      error: { code: null, message: 'boom' },
      deleted: true,
    });
  });
});

describe('apply: file format and failure line', () => {
  it.each([
    ['t.yaml', 'yaml'],
    ['/etc/eoip/T.YML', 'yaml'],
    ['t.json', 'json'],
    ['t', 'json'],
    ['t.yaml.json', 'json'],
    ['-', 'json'],
  ] as const)('%s is %s', (file, format) => {
    expect(fileFormat(file)).toBe(format);
  });

  it('names the failed step, the answer without repeating the step, and what was applied', () => {
    const { result, error } = failedPlan();
    expect(applyFailureLine(result, error.step, error.cause)).toBe(
      'apply: create e-new failed: eoip kind not available (EOPNOTSUPP); the eoip link kind is not available: load its kernel module (modprobe eoip); 2 of 3 changes applied: delete eoip0, change e_ka10',
    );
    const first = plan((a) => (a === 'delete' ? 'failed' : a === 'unchanged' ? 'done' : 'skipped'));
    expect(applyFailureLine(first, first.steps[0]!, new Error('delete eoip0: operation not permitted'))).toBe(
      'apply: delete eoip0 failed: operation not permitted; nothing applied (0 of 3 changes)',
    );
    const replaced = { ...first.steps[0]!, action: 'replace' as const, deleted: true };
    expect(applyFailureLine(first, replaced, new Error('create eoip0: exists'))).toBe(
      'apply: replace eoip0 failed: create eoip0: exists; nothing applied (0 of 3 changes); eoip0 was deleted and not re-created',
    );
  });
});

// --- the command against a fake applyTunnels ------------------------------------------

const GOOD_JSON = JSON.stringify({
  tunnels: [{ name: 'e1', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', keepalive: 10 }],
});

function fakeApply(outcome: ApplyResult | { throws: unknown }) {
  const calls: Array<{ desired: DesiredTunnel[]; opts: ApplyOptions }> = [];
  const apply = async (desired: DesiredTunnel[], opts: ApplyOptions) => {
    calls.push({ desired, opts });
    if ('throws' in outcome) throw outcome.throws;
    return outcome;
  };
  return { apply, calls };
}

async function run(argv: string[], deps: Parameters<typeof runApply>[2]) {
  const io = capture();
  const code = await runApply(parseArgs(argv) as never, io, deps);
  return { code, out: io.out, err: io.err };
}

describe('runApply', () => {
  it('reads, parses by extension, applies with prune/dryRun/netns, prints formatPlan', async () => {
    const result = plan(() => 'planned');
    const f = fakeApply(result);
    const reads: string[] = [];
    const r = await run(['-n', 'blue', 'apply', 'in.json', '--prune', '--dry-run'], {
      read: async (file) => {
        reads.push(file);
        return GOOD_JSON;
      },
      parse: parseApplyFile,
      apply: f.apply,
    });
    expect(r).toEqual({ code: 0, out: `${formatPlan(result)}\n`, err: '' });
    expect(reads).toEqual(['in.json']);
    expect(f.calls).toEqual([
      {
        desired: [{ name: 'e1', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', keepalive: 10 }],
        opts: { prune: true, dryRun: true, netns: 'blue' },
      },
    ]);
  });

  it('no flags: no options; -j prints the result as one JSON line', async () => {
    const result = plan(() => 'done');
    const f = fakeApply(result);
    const r = await run(['apply', 'x.json', '-j'], { read: async () => GOOD_JSON, apply: f.apply });
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(2);
    expect(JSON.parse(r.out)).toEqual(applyResultToJson(result));
    expect(f.calls[0]!.opts).toEqual({});
  });

  it('YAML by extension', async () => {
    const f = fakeApply(plan(() => 'done'));
    const yaml = 'tunnels:\n  - name: e6\n    tunnelId: 0x10\n    remote: fd00::2\n';
    const r = await run(['apply', 'x.yml'], { read: async () => yaml, apply: f.apply });
    expect(r.code).toBe(0);
    expect(f.calls[0]!.desired).toEqual([{ name: 'e6', tunnelId: 16, remote: 'fd00::2' }]);
  });

  it('a refused step: the plan with statuses on stdout, the line on stderr, exit 2', async () => {
    const { result, error } = failedPlan();
    const r = await run(['apply', 'x.json'], {
      read: async () => GOOD_JSON,
      apply: fakeApply({ throws: error }).apply,
    });
    expect(r.code).toBe(2);
    expect(r.out).toBe(`${formatPlan(result)}\n`);
    expect(r.out).toContain('[failed: create e-new: eoip kind not available');
    expect(r.out).toContain('- delete eoip0 [done]');
    expect(r.err).toBe(`eoip: ${applyFailureLine(result, error.step, error.cause)}\n`);
    const j = await run(['apply', 'x.json', '-j'], {
      read: async () => GOOD_JSON,
      apply: fakeApply({ throws: error }).apply,
    });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toEqual(applyResultToJson(result));
    expect(j.err).toBe(r.err);
  });

  it('refused before anything changed: exit 1, the file and the field named', async () => {
    const cases: Array<[unknown, string]> = [
      [
        new InvalidArgumentError('tunnels[0].link', 'eth9', 'an existing interface'),
        'eoip: apply: x.json: invalid tunnels[0].link: "eth9" (allowed: an existing interface)\n',
      ],
      [
        new NotATunnelError('e1', 'bridge'),
        'eoip: apply: x.json: e1 is not an eoip/eoipv6 tunnel (its kind is bridge)\n',
      ],
    ];
    for (const [e, err] of cases) {
      const r = await run(['apply', 'x.json'], {
        read: async () => GOOD_JSON,
        apply: fakeApply({ throws: e }).apply,
      });
      expect(r).toEqual({ code: 1, out: '', err });
    }
  });

  it('the state could not be read: exit 2', async () => {
    const e = new SocketError('cannot open network namespace /run/netns/x: ENOENT');
    const r = await run(['apply', 'x.json'], {
      read: async () => GOOD_JSON,
      apply: fakeApply({ throws: e }).apply,
    });
    expect(r).toEqual({
      code: 2,
      out: '',
      err: 'eoip: apply: cannot open network namespace /run/netns/x: ENOENT\n',
    });
  });

  it('an unreadable file, or one that is not JSON/YAML: exit 1, nothing applied', async () => {
    const f = fakeApply(plan(() => 'done'));
    const missing = await run(['apply', 'nope.json'], {
      read: async () => {
        throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      },
      apply: f.apply,
    });
    expect(missing).toEqual({ code: 1, out: '', err: 'eoip: apply: cannot read nope.json: ENOENT\n' });
    const notJson = await run(['apply', '-'], { read: async () => '{"tunnels": [', apply: f.apply });
    expect(notJson.code).toBe(1);
    expect(notJson.err).toMatch(/^eoip: apply: standard input:1:14: not JSON: .+\n$/);
    const notYaml = await run(['apply', 'x.yaml'], {
      read: async () => 'tunnels:\n  - name: [\n',
      apply: f.apply,
    });
    expect(notYaml.code).toBe(1);
    expect(notYaml.err).toMatch(/^eoip: apply: x\.yaml:\d+:\d+: not YAML: [^\n]*[^:]\n$/);
    expect(f.calls).toEqual([]);
  });
});

// --- the bin in a namespace -------------------------------------------------------

if (!CAN_UNSHARE) console.log(`test/cli/apply.test.ts: namespace tests ${UNSHARE_SKIP_REASON}`);

let dir = '';

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'eoip-cli-apply-'));
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Run the bin in a fresh namespace, traced when strace is there. */
function inNs(args: string[], opts: { setup?: string; input?: string } = {}): RunResult {
  return runCli(args, { netns: true, trace: HAS_STRACE, ...opts });
}

function expectNothingChanged(r: RunResult, links = ['lo']): void {
  if (r.sentTypes) expect(r.sentTypes.filter((t) => MUTATING_TYPES.includes(t))).toEqual([]);
  expect(r.linksAfter?.map((l) => l.ifname)).toEqual(links);
}

interface BadFile {
  what: string;
  json: unknown;
  /** The YAML form (defaults to the JSON text, which is YAML too). */
  yaml?: string;
  says: string | RegExp;
}

const BAD_FILES: BadFile[] = [
  {
    what: 'tunnel id out of range',
    json: { tunnels: [{ name: 'e1', tunnelId: 70000, remote: '10.0.0.2' }] },
    yaml: 'tunnels:\n  - name: e1\n    tunnelId: 70000\n    remote: 10.0.0.2\n',
    says: 'invalid tunnels[0].tunnelId: 70000 (allowed: 0..65535 for eoip)',
  },
  {
    what: 'eoipv6 tunnel id out of range, second tunnel',
    json: {
      tunnels: [
        { name: 'e1', tunnelId: 1, remote: '10.0.0.2' },
        { name: 'e2', tunnelId: 4096, remote: 'fd00::2' },
      ],
    },
    yaml: 'tunnels:\n  - { name: e1, tunnelId: 1, remote: 10.0.0.2 }\n  - name: e2\n    tunnelId: 0x1000\n    remote: fd00::2\n',
    says: /invalid tunnels\[1\]\.tunnelId: 4096 .*4095/,
  },
  {
    what: 'tunnel id missing',
    json: { tunnels: [{ name: 'e1', remote: '10.0.0.2' }] },
    says: 'tunnels[0].tunnelId',
  },
  {
    what: 'name missing',
    json: [{ tunnelId: 1, remote: '10.0.0.2' }],
    says: 'tunnels[0].name',
  },
  {
    what: 'duplicate name',
    json: {
      tunnels: [
        { name: 'e1', tunnelId: 1, remote: '10.0.0.2' },
        { name: 'e1', tunnelId: 2, remote: '10.0.0.3' },
      ],
    },
    says: 'invalid tunnels[1].name: "e1" (allowed: a name not already used by tunnels[0])',
  },
  {
    what: 'bad remote',
    json: { tunnels: [{ name: 'e1', tunnelId: 1, remote: '0.0.0.0' }] },
    says: 'tunnels[0].remote',
  },
  {
    what: 'keepalive retries out of range',
    json: {
      tunnels: [{ name: 'e1', tunnelId: 1, remote: '10.0.0.2', keepalive: { interval: 5, retries: 256 } }],
    },
    says: 'tunnels[0].keepalive.retries',
  },
  {
    what: 'unknown top-level key',
    json: { tunnel: [] },
    says: 'unknown key tunnel ',
  },
  {
    what: 'link that does not exist',
    json: { tunnels: [{ name: 'e1', tunnelId: 1, remote: '10.0.0.2', link: 'nosuch0' }] },
    says: 'tunnels[0].link',
  },
];

describe.skipIf(!CAN_UNSHARE)('eoip apply in a fresh network namespace (no eoip module here)', () => {
  describe.each(['json', 'yaml'] as const)(
    'refused %s files: exit 1, the field named, nothing sent',
    (format) => {
      it.each(BAD_FILES)('$what', (c) => {
        const text = format === 'json' ? JSON.stringify(c.json) : (c.yaml ?? `${JSON.stringify(c.json)}\n`);
        const path = file(`bad-${BAD_FILES.indexOf(c)}.${format}`, text);
        const r = inNs(['apply', path]);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const lines = r.stderr.split('\n');
        expect(lines).toHaveLength(2);
        // The file, then the line and column when the fault is in the file itself.
        expect(lines[0]!.startsWith(`eoip: apply: ${path}:`)).toBe(true);
        if (typeof c.says === 'string') expect(lines[0]).toContain(c.says);
        else expect(lines[0]).toMatch(c.says);
        expectNothingChanged(r);
      });
    },
  );

  it('not JSON, not YAML, no such file, no file: exit 1', () => {
    const cases: Array<[string[], RegExp]> = [
      [['apply', file('broken.json', '{"tunnels": [')], /^eoip: apply: .*broken\.json:1:14: not JSON: /],
      [
        ['apply', file('broken.yaml', 'tunnels:\n  - name: [\n')],
        /^eoip: apply: .*broken\.yaml:\d+:\d+: not YAML: /,
      ],
      [['apply', join(dir, 'missing.json')], /^eoip: apply: cannot read .*missing\.json: ENOENT\n$/],
      [['apply'], /^eoip: apply: which file\?/],
      [['apply', 'a.json', 'b.json'], /^eoip: apply: unexpected argument "b\.json"/],
    ];
    for (const [args, err] of cases) {
      const r = inNs(args);
      expect({ args, code: r.code, out: r.stdout }).toEqual({ args, code: 1, out: '' });
      expect(r.stderr).toMatch(err);
      expectNothingChanged(r);
    }
  });

  it('a name held by a bridge: exit 1, nothing changed', () => {
    const path = file(
      'bridge.json',
      JSON.stringify({ tunnels: [{ name: 'br0', tunnelId: 1, remote: '10.0.0.2' }] }),
    );
    const r = inNs(['apply', path], { setup: 'ip link add br0 type bridge' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`eoip: apply: ${path}: br0 is not an eoip/eoipv6 tunnel (its kind is bridge)\n`);
    expectNothingChanged(r, ['lo', 'br0']);
  });

  const YAML = [
    '# two tunnels',
    'tunnels:',
    '  - name: e1',
    '    tunnelId: 7',
    '    local: 10.0.0.1',
    '    remote: 10.0.0.2',
    '    keepalive: 10',
    '    up: true',
    '  - name: e6',
    '    tunnelId: 0x10',
    '    remote: "fd00::8"',
    '    ttl: 64',
    '',
  ].join('\n');
  const JSON_TEXT = JSON.stringify({
    $schema: './node_modules/eoip-netlink/schema/tunnels.schema.json',
    tunnels: [
      { name: 'e1', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', keepalive: 10, up: true },
      { name: 'e6', tunnelId: 16, remote: 'fd00::8', ttl: 64 },
    ],
  });
  const PLAN = [
    '+ create e1: kind eoip, tunnelId 7, local 10.0.0.1, remote 10.0.0.2, link none, ttl 0, tos 0, keepalive 10,10, up true',
    '+ create e6: kind eoipv6, tunnelId 16, local ::, remote fd00::8, link none, ttl 64, tos 0, keepalive none',
    '2 to create, 0 to change, 0 to replace, 0 to delete, 0 unchanged',
    '',
  ].join('\n');

  it('--dry-run prints the plan and sends nothing: YAML, JSON and JSON on standard input alike', () => {
    const runs = [
      inNs(['apply', file('t.yaml', YAML), '--dry-run']),
      inNs(['--dry-run', 'ap', file('t.json', JSON_TEXT)]),
      inNs(['apply', '-', '--dry-run', '--prune'], { input: JSON_TEXT }),
    ];
    for (const r of runs) {
      expect({ code: r.code, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: PLAN, err: '' });
      expectNothingChanged(r);
    }
  });

  it('--dry-run -j: the documented shape, every step planned', () => {
    const r = inNs(['apply', file('t2.yaml', YAML), '--dry-run', '-j']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      dryRun: true,
      changed: true,
      counts: { create: 2, change: 0, replace: 0, delete: 0, unchanged: 0 },
    });
    expect(
      j.steps.map((s: { action: string; name: string; status: string }) => [s.action, s.name, s.status]),
    ).toEqual([
      ['create', 'e1', 'planned'],
      ['create', 'e6', 'planned'],
    ]);
    expect(j.steps[0].diffs).toContainEqual({
      field: 'keepalive',
      from: null,
      to: { interval: 10, retries: 10 },
    });
    expectNothingChanged(r);
  });

  it('a real apply: exit 2 with the kind-not-available answer, the plan with statuses, nothing left behind', () => {
    const r = inNs(['apply', file('t3.yaml', YAML)]);
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')).toEqual([
      '+ create e1: kind eoip, tunnelId 7, local 10.0.0.1, remote 10.0.0.2, link none, ttl 0, tos 0, keepalive 10,10, up true [failed: create e1: eoip kind not available (EOPNOTSUPP: Unknown device type); the eoip link kind is not available: load its kernel module (modprobe eoip)]',
      '+ create e6: kind eoipv6, tunnelId 16, local ::, remote fd00::8, link none, ttl 64, tos 0, keepalive none [skipped]',
      '0 of 2 changes applied, 0 unchanged',
      '',
    ]);
    expect(r.stderr).toBe(
      'eoip: apply: create e1 failed: eoip kind not available (EOPNOTSUPP: Unknown device type); the eoip link kind is not available: load its kernel module (modprobe eoip); nothing applied (0 of 2 changes)\n',
    );
    if (r.sentTypes) expect(r.sentTypes.filter((t) => t === 'RTM_NEWLINK')).toHaveLength(1);
    expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo']);
  });

  it('a real apply -j: exit 2, the result with the failed step', () => {
    const r = inNs(['-j', 'apply', file('t4.json', JSON_TEXT), '--prune']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.dryRun).toBe(false);
    expect(j.steps.map((s: { status: string }) => s.status)).toEqual(['failed', 'skipped']);
    expect(j.steps[0].error).toEqual({
      code: 'EOPNOTSUPP',
      message:
        'create e1: eoip kind not available (EOPNOTSUPP: Unknown device type); the eoip link kind is not available: load its kernel module (modprobe eoip)',
    });
    expect(r.stderr).toMatch(/^eoip: apply: create e1 failed: eoip kind not available/);
    expect(r.linksAfter?.map((l) => l.ifname)).toEqual(['lo']);
  });

  it('an empty list: nothing to do, exit 0 (with --prune too)', () => {
    for (const args of [
      ['apply', file('empty.json', '{"tunnels": []}')],
      ['apply', file('empty.yaml', 'tunnels: []\n'), '--prune'],
    ]) {
      const r = inNs(args);
      expect({ code: r.code, out: r.stdout, err: r.stderr }).toEqual({
        code: 0,
        out: '0 created, 0 changed, 0 replaced, 0 deleted, 0 unchanged\n',
        err: '',
      });
      expectNothingChanged(r);
    }
  });
});

describe('eoip help apply', () => {
  it('help apply, apply --help, ap -h', () => {
    const h = runCli(['help', 'apply']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: eoip apply FILE \[--prune\] \[--dry-run\]\n/);
    expect(runCli(['apply', '--help']).stdout).toBe(h.stdout);
    expect(runCli(['ap', 'x.json', '-h']).stdout).toBe(h.stdout);
  });
});
