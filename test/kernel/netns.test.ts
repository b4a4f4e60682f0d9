/**
 * Acting in other network namespaces without entering them: two namespaces
 * are made for the test, and `ip -n` checks that links land only where asked.
 */
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { KindNotAvailableError, LinkNotFoundError, NotATunnelError } from '../../src/api/errors.js';
import { createLink } from '../../src/transport/links.js';
import { canUseKernel, ip, linkNames } from './helpers.js';

const A = `eoipt-a-${process.pid}`;
const B = `eoipt-b-${process.pid}`;

function namesIn(ns: string): string[] {
  const links = JSON.parse(
    execFileSync('ip', ['-n', ns, '-j', 'link', 'show'], { encoding: 'utf8' }),
  ) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname).sort();
}

describe.skipIf(!canUseKernel)('network namespaces', () => {
  beforeAll(() => {
    ip('netns', 'add', A);
    ip('netns', 'add', B);
    ip('-n', B, 'link', 'add', 'vxb', 'type', 'vxlan', 'id', '11', 'dstport', '4789');
  });
  afterAll(() => {
    ip('netns', 'del', A);
    ip('netns', 'del', B);
  });

  it('lists and gets links of another namespace by name, path and pid', async () => {
    const byName = await EoipClient.open({ netns: B });
    const byPath = await EoipClient.open({ netns: `/run/netns/${B}` });
    const sleeper = spawn('ip', ['netns', 'exec', B, 'sleep', '30']);
    await new Promise((r) => setTimeout(r, 300));
    const byPid = await EoipClient.open({ netns: sleeper.pid! });
    try {
      for (const c of [byName, byPath, byPid]) {
        expect((await c.listLinks()).map((l) => l.name).sort()).toEqual(['lo', 'vxb']);
        expect((await c.getLink('vxb'))?.linkInfo?.kind).toBe('vxlan');
        expect(await c.listTunnels()).toEqual([]);
      }
    } finally {
      sleeper.kill();
      for (const c of [byName, byPath, byPid]) c.close();
    }
  });

  it('creates a link inside the namespace asked for, and nowhere else', async () => {
    const here = linkNames();
    const c = await EoipClient.open({ netns: A });
    try {
      const nsid = (c as unknown as { ns: { nsid: number } }).ns.nsid;
      await createLink(c.transport, { name: 'bra', kind: 'bridge' }, { targetNsid: nsid });
    } finally {
      c.close();
    }
    expect(namesIn(A)).toEqual(['bra', 'lo']);
    expect(namesIn(B)).toEqual(['lo', 'vxb']);
    expect(linkNames()).toEqual(here);
  });

  it('a tunnel create aimed at a namespace fails there with the kind error, leaving all three unchanged', async () => {
    const here = linkNames();
    const beforeA = namesIn(A);
    const c = await EoipClient.open({ netns: A });
    try {
      const err = await c
        .createTunnel({ name: 'tun-a', tunnelId: 3, local: '192.0.2.1', remote: '192.0.2.9' })
        .catch((e) => e);
      expect(err).toBeInstanceOf(KindNotAvailableError);
    } finally {
      c.close();
    }
    expect(namesIn(A)).toEqual(beforeA);
    expect(linkNames()).toEqual(here);
  });

  it('changes run inside the namespace: its links are found there, with the same error classes', async () => {
    const c = await EoipClient.open({ netns: B });
    try {
      // vxb exists only in B: finding it proves the change ran there.
      const notTunnel = await c.changeTunnel('vxb', { ttl: 9 }).catch((e) => e);
      expect(notTunnel).toBeInstanceOf(NotATunnelError);
      expect(notTunnel).toMatchObject({ interface: 'vxb', kind: 'vxlan' });
      const missing = await c.changeTunnel('nothere', { ttl: 9 }).catch((e) => e);
      expect(missing).toBeInstanceOf(LinkNotFoundError);
      expect(missing).toMatchObject({ errno: 19, operation: 'change', interface: 'nothere' });
      await expect(c.deleteTunnel('vxb')).rejects.toBeInstanceOf(NotATunnelError);
    } finally {
      c.close();
    }
    expect(namesIn(B)).toEqual(['lo', 'vxb']);
  }, 30000);

  it('a namespace that does not exist is a clear error', async () => {
    const err = await EoipClient.open({ netns: 'no-such-ns-here' }).catch((e) => e);
    expect(err.message).toContain('/run/netns/no-such-ns-here');
    expect(err.message).toContain('ENOENT');
  });
});
