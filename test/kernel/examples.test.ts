/**
 * The examples run for real where this kernel allows: without the eoip module
 * each one must report the kernel's refusal cleanly (code and message, exit 1,
 * no stack trace), and the ones that need no module must succeed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canUseKernel, ip, linkNames } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function run(example: string, ...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', `examples/${example}.ts`, ...args],
    // tsx reads the examples' tsconfig, which maps 'eoip-netlink' to the sources.
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.examples.json' },
    },
  );
}

describe.skipIf(!canUseKernel)('examples on a kernel without the eoip module', () => {
  it('create-and-list reports the missing kind', () => {
    const r = run('create-and-list');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('EOPNOTSUPP');
    expect(r.stderr).toContain('modprobe eoip');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('bridge-a-tunnel makes the bridge, fails on the tunnel, and removes the bridge', () => {
    const before = linkNames();
    const r = run('bridge-a-tunnel');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('created bridge');
    expect(r.stderr).toContain('EOPNOTSUPP');
    expect(linkNames()).toEqual(before);
  });

  it('doctor lists its checks and fails on the missing kinds', () => {
    const r = run('doctor');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAIL  kind:eoip ');
    expect(r.stdout).toContain('2 failed');
  });

  it('apply-file dry-runs its sample and prints the plan', () => {
    const r = run('apply-file');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('+ create eoip-hq');
    expect(r.stdout).toContain('2 to create');
  });

  it('watch-events watches and stops on its timeout', () => {
    const r = run('watch-events', '1');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('done');
  });

  it('bulk-links creates bridges together and deletes them in one call, naming the missing one', () => {
    const before = linkNames();
    const r = run('bulk-links', '50');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('created 50 bridges');
    expect(r.stdout).toContain('the kernel lists 50 of them');
    expect(r.stdout).toContain('deleted 50 bridges');
    expect(r.stdout).toContain('refused: ');
    expect(r.stdout).toContain('bulk-missing');
    expect(linkNames()).toEqual(before);
  });

  it('act-in-namespace acts in the namespace it is given', () => {
    const ns = `eoipt-ex-${process.pid}`;
    ip('netns', 'add', ns);
    try {
      const r = run('act-in-namespace', ns);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('EOPNOTSUPP');
    } finally {
      ip('netns', 'del', ns);
    }
  });
});
