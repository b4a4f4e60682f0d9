/**
 * Acting in other network namespaces over a socket opened inside them, in
 * this process: two namespaces are made for the test, `ip -n` checks that
 * links land (and go) only where asked, and a spy checks that no process is
 * started on the way.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import {
  KindNotAvailableError,
  LinkNotFoundError,
  NotATunnelError,
  PermissionError,
} from '../../src/api/errors.js';
import { changeTunnel, planChangeTunnel } from '../../src/api/tunnels.js';
import { RTM_DELLINK, RTM_NEWLINK } from '../../src/codec/constants.js';
import { decodeLinkBody } from '../../src/codec/link.js';
import { buildDumpLinksRequest } from '../../src/codec/requests.js';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import { createLink } from '../../src/transport/links.js';
import type { NetlinkTransport } from '../../src/transport/socket.js';
import { BIN, ensureBuilt } from '../cli/helpers.js';
import { runAsNobody, type SpawnSpy, spySpawns } from '../edges/inprocess-helpers.js';
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
  beforeAll(async () => {
    // The bin for the CLI test, built before any test watches for started processes.
    await ensureBuilt();
    ip('netns', 'add', A);
    ip('netns', 'add', B);
    ip('-n', B, 'link', 'add', 'vxb', 'type', 'vxlan', 'id', '11', 'dstport', '4789');
  }, 180_000);
  afterAll(() => {
    ip('netns', 'del', A);
    ip('netns', 'del', B);
  });

  // Every test: whatever it does in another namespace starts no process.
  let spawns: SpawnSpy;
  beforeEach(() => {
    spawns = spySpawns();
  });
  afterEach(() => {
    spawns.restore();
    expect(spawns.started.filter(([file]) => file !== 'ip')).toEqual([]);
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

  it("creates a link inside the namespace asked for, and nowhere else: the client's socket is there", async () => {
    const here = linkNames();
    const c = await EoipClient.open({ netns: A });
    try {
      await createLink(c.transport, { name: 'bra', kind: 'bridge' });
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

  it('changes run inside the namespace, in this process: its links are found there, with the same error classes', async () => {
    const c = await EoipClient.open({ netns: B });
    try {
      // vxb exists only in B: finding it proves the change ran there.
      const notTunnel = await c.changeTunnel('vxb', { ttl: 9 }).catch((e) => e);
      expect(notTunnel).toBeInstanceOf(NotATunnelError);
      expect(notTunnel).toMatchObject({ interface: 'vxb', kind: 'vxlan' });
      const missing = await c.changeTunnel('nothere', { ttl: 9 }).catch((e) => e);
      expect(missing).toBeInstanceOf(LinkNotFoundError);
      expect(missing).toMatchObject({ errno: 19, operation: 'change', interface: 'nothere' });
      await expect(c.planChangeTunnel('vxb', { tos: 4 })).rejects.toBeInstanceOf(NotATunnelError);
      await expect(c.deleteTunnel('vxb')).rejects.toBeInstanceOf(NotATunnelError);
    } finally {
      c.close();
    }
    // The one-shot functions too, by name, path and pid alike.
    const sleeper = spawn('ip', ['netns', 'exec', B, 'sleep', '30']);
    await new Promise((r) => setTimeout(r, 300));
    try {
      for (const netns of [B, `/run/netns/${B}`, sleeper.pid!]) {
        const err = await changeTunnel('vxb', { ttl: 9 }, { netns }).catch((e) => e);
        expect(err).toMatchObject({ name: 'NotATunnelError', interface: 'vxb', kind: 'vxlan' });
        await expect(planChangeTunnel('vxb', { ttl: 9 }, { netns })).rejects.toBeInstanceOf(NotATunnelError);
      }
    } finally {
      sleeper.kill();
    }
    expect(namesIn(B)).toEqual(['lo', 'vxb']);
  }, 30000);

  it("a stoppable dump runs on a side socket in the client's namespace too", async () => {
    const c = await EoipClient.open({ netns: B });
    const names: string[] = [];
    try {
      const summary = await c.transport.dump(
        (seq) => buildDumpLinksRequest(seq, {}),
        (h, buf, start, end) => {
          if (h.type === RTM_NEWLINK)
            names.push(decodeLinkBody(buf, undefined, start, end, h.type, h.flags, h.seq).name!);
          return undefined;
        },
        { stoppable: true },
      );
      expect(summary.messages).toBe(2);
    } finally {
      c.close();
    }
    expect(names.sort()).toEqual(['lo', 'vxb']);
  });

  it('deleteLinks over a client of another namespace deletes there, together (one group delete)', async () => {
    const names = ['dla', 'dlb', 'dlc', 'dld'];
    execFileSync('ip', ['-n', A, '-batch', '-'], {
      input: `${names.map((n) => `link add ${n} type bridge`).join('\n')}\n`,
    });
    const here = linkNames();
    const c = await EoipClient.open({ netns: A });
    const deletes: number[] = [];
    try {
      // Count the RTM_DELLINK requests: one each when deleted one by one, one in all when together.
      const t = c.transport;
      const counted: NetlinkTransport = {
        ack: (build, o) =>
          t.ack((seq) => {
            const bytes = build(seq);
            if (new DataView(bytes.buffer, bytes.byteOffset).getUint16(4, true) === RTM_DELLINK)
              deletes.push(seq);
            return bytes;
          }, o),
        reply: (b, o) => t.reply(b, o),
        dump: (b, v, o) => t.dump(b, v, o),
        close: () => t.close(),
      };
      const results = await deleteLinks(counted, [...names.map((name) => ({ name })), { name: 'vxb' }]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
      ]);
      // vxb lives in B, not A.
      expect((results[4] as PromiseRejectedResult).reason).toBeInstanceOf(LinkNotFoundError);
    } finally {
      c.close();
    }
    expect(deletes).toHaveLength(1);
    expect(namesIn(A).filter((n) => names.includes(n))).toEqual([]);
    expect(linkNames()).toEqual(here);
    expect(namesIn(B)).toEqual(['lo', 'vxb']);
  }, 30000);

  it('a namespace the caller may not enter is a PermissionError with the setns hint', () => {
    // A namespace made by root, entered by nobody: setns needs CAP_SYS_ADMIN over it.
    const script = `
      import { changeTunnel } from ${JSON.stringify(new URL('../../src/api/tunnels.ts', import.meta.url).pathname)};
      const e = await changeTunnel('vxb', { ttl: 9 }, { netns: ${JSON.stringify(B)} }).catch((e) => e);
      console.log(JSON.stringify({ name: e.name, errno: e.errno, code: e.code, operation: e.operation, hint: e.hint, message: e.message }));
    `;
    const out = runAsNobody(script, '/tmp');
    const e = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(e).toMatchObject({ name: PermissionError.name, errno: 1, code: 'EPERM', operation: 'netns' });
    expect(e['message']).toBe(`netns: may not enter /run/netns/${B} (EPERM); ${e['hint']}`);
    expect(e['hint']).toContain("CAP_SYS_ADMIN in the namespace's owning user namespace");
  }, 30000);

  it('eoip monitor -n NAME by a user who may not enter it: one line, exit 2', () => {
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '-n', B, 'monitor'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `eoip: netns: may not enter /run/netns/${B} (EPERM); entering a network namespace (setns) needs CAP_SYS_ADMIN in the namespace's owning user namespace: run as root, or from inside that user namespace\n`,
    );
  }, 30_000);

  it('a namespace that does not exist is a clear error', async () => {
    const err = await EoipClient.open({ netns: 'no-such-ns-here' }).catch((e) => e);
    expect(err.message).toContain('/run/netns/no-such-ns-here');
    expect(err.message).toContain('ENOENT');
  });
});
