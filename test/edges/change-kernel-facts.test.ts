/**
 * The kernel behaviour the change model (change-kernel-model.ts) copies,
 * checked on this kernel with links it has (bridge, veth): one change request
 * is applied in steps, the steps before a refused one stay applied, and a new
 * master that cannot be one is refused only after the old master let go.
 * Runs only inside a private network namespace.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { canUseKernel, ipLinks, uniqueName } from '../kernel/helpers.js';

function ip(...args: string[]): { ok: boolean; stderr: string } {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return { ok: true, stderr: '' };
  } catch (e) {
    return { ok: false, stderr: String((e as { stderr?: Buffer }).stderr ?? '') };
  }
}

function link(name: string) {
  return ipLinks(['dev', name])[0]!;
}

describe.skipIf(!canUseKernel)('what a refused link change leaves behind (real kernel)', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const name of made.splice(0)) ip('link', 'del', name);
  });

  function setup() {
    const br = uniqueName('cfb');
    const a = uniqueName('cfa');
    const b = uniqueName('cfv');
    made.push(a, br);
    expect(ip('link', 'add', br, 'type', 'bridge').ok).toBe(true);
    expect(ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b).ok).toBe(true);
    expect(ip('link', 'set', a, 'master', br).ok).toBe(true);
    expect(link(a).master).toBe(br);
    return { br, a, b };
  }

  it('a master that cannot be one: refused after the old master released the link', () => {
    const { a, b } = setup();
    const r = ip('link', 'set', a, 'master', b);
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('Operation not supported');
    expect(link(a).master).toBeUndefined();
  });

  it('the MTU of the same request is applied before the master is refused, and stays', () => {
    const { a, b } = setup();
    const before = link(a).mtu;
    expect(before).not.toBe(1400);
    expect(ip('link', 'set', a, 'mtu', '1400', 'master', b).ok).toBe(false);
    expect(link(a)).toMatchObject({ mtu: 1400 });
    expect(link(a).master).toBeUndefined();
  });
});
