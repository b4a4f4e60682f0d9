/**
 * Faults and limits against the real kernel: interrupted dumps are retried,
 * operations without CAP_NET_ADMIN fail with the permission error, and many
 * mixed operations on one client all settle with the right answers.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { KindNotAvailableError } from '../../src/api/errors.js';
import type { AttributeWriter } from '../../src/codec/attributes.js';
import { DumpInterruptedError } from '../../src/transport/errors.js';
import { createLink, deleteLink, dumpLinks } from '../../src/transport/links.js';
import type { DumpSummary, NetlinkSocket, NetlinkTransport } from '../../src/transport/socket.js';
import { canUseKernel, linkNames } from './helpers.js';

const vxlan = (vni: number) => (w: AttributeWriter) => {
  w.u32(1, vni);
  w.bytes(15, new Uint8Array([0x12, 0xb5]));
};

/** A transport that counts dump attempts and how many came back interrupted. */
function counting(sock: NetlinkSocket) {
  const stats = { dumps: 0, interrupted: 0 };
  const t: NetlinkTransport = {
    ack: (b, o) => sock.ack(b, o),
    reply: (b, o) => sock.reply(b, o),
    dump: async (b, v, o) => {
      stats.dumps++;
      const s: DumpSummary = await sock.dump(b, v, o);
      if (s.interrupted) stats.interrupted++;
      return s;
    },
    close: () => sock.close(),
  };
  return { t, stats };
}

describe.skipIf(!canUseKernel)('faults on the real kernel', () => {
  it('retries a dump that concurrent changes interrupted (NLM_F_DUMP_INTR), and gives up after maxAttempts', async () => {
    // A namespace of its own, deleted whole at the end (deleting links one by one is slow).
    const ns = `eoipt-intr-${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    const pairs = 300;
    const add = Array.from({ length: pairs }, (_, i) => `link add a${i} type veth peer name b${i}`);
    execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${add.join('\n')}\n` });
    // Another process keeps adding and deleting a link there while we dump.
    const churn = spawn(
      'sh',
      ['-c', `while true; do ip -n ${ns} link add x type bridge; ip -n ${ns} link del x; done`],
      {
        stdio: 'ignore',
      },
    );
    const client = await EoipClient.open({ netns: ns });
    // The client's socket is inside the namespace: its dumps list that namespace's links.
    const { t, stats } = counting(client.transport as NetlinkSocket);
    try {
      let retried = false;
      let gaveUp = false;
      for (let round = 0; round < 200 && !(retried && gaveUp); round++) {
        const before = stats.interrupted;
        const links = await dumpLinks(t, { stats: false, maxAttempts: 20 });
        if (stats.interrupted > before) {
          retried = true;
          // The answer that was kept is a complete one: every veth end is there.
          const names = new Set(links.map((l) => l.name));
          for (const n of ['lo', 'a0', `b${pairs - 1}`, `a${pairs >> 1}`]) expect(names.has(n)).toBe(true);
        }
        const once = await dumpLinks(t, { stats: false, maxAttempts: 1 }).catch((e) => e);
        if (once instanceof DumpInterruptedError) {
          gaveUp = true;
          expect(once.attempts).toBe(1);
          expect(once.code).toBe('EINTR');
        }
      }
      expect(stats.interrupted).toBeGreaterThan(0);
      expect(retried).toBe(true);
      expect(gaveUp).toBe(true);
    } finally {
      churn.kill();
      client.close();
      execFileSync('ip', ['netns', 'del', ns]);
    }
  }, 60000);

  it('without CAP_NET_ADMIN: listing works, changes fail with PermissionError and its hint', () => {
    const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    if (!existsSync(dist)) throw new Error('build first (npm test builds dist/)');
    const script = fileURLToPath(new URL('./fixtures/unprivileged.mjs', import.meta.url));
    for (const b of ['npbulk1', 'npbulk2'])
      execFileSync('ip', ['link', 'add', b, 'group', '3', 'type', 'bridge']);
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, script],
      { encoding: 'utf8', timeout: 20000 },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.list).toBe(0);
    expect(out.links).toContain('lo');
    expect(out.create).toMatchObject({
      name: 'PermissionError',
      errno: 1,
      code: 'EPERM',
      operation: 'create',
    });
    expect(out.create.hint).toContain('CAP_NET_ADMIN');
    expect(out.bridge).toMatchObject({ name: 'PermissionError', errno: 1 });
    expect(linkNames()).not.toContain('npbr');
    expect(out.bulk).toEqual([
      { name: 'PermissionError', errno: 1 },
      { name: 'PermissionError', errno: 1 },
    ]);
    const bulk = JSON.parse(
      execFileSync('ip', ['-j', '-d', 'link', 'show', 'group', '3'], { encoding: 'utf8' }),
    );
    // (ip -j prints an empty object for each link outside the group.)
    expect(
      bulk
        .map((l: { ifname?: string }) => l.ifname)
        .filter(Boolean)
        .sort(),
    ).toEqual(['npbulk1', 'npbulk2']);
    for (const b of ['npbulk1', 'npbulk2']) execFileSync('ip', ['link', 'del', b]);
  });

  it('the eoip command without CAP_NET_ADMIN: list exits 0, add exits 2 with the permission hint', () => {
    const bin = fileURLToPath(new URL('../../dist/cli.cjs', import.meta.url));
    if (!existsSync(bin)) throw new Error('build first (npm test builds dist/)');
    const asNobody = (...args: string[]) =>
      spawnSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--inh-caps=-all',
          process.execPath,
          bin,
          ...args,
        ],
        { encoding: 'utf8', timeout: 20000 },
      );
    const list = asNobody('list');
    expect(list.status).toBe(0);
    expect(list.stdout).toBe('');
    const add = asNobody('add', 'name', 'np1', 'tunnel-id', '9', 'local', '192.0.2.1', 'remote', '192.0.2.9');
    expect(add.status).toBe(2);
    expect(add.stdout).toBe('');
    expect(add.stderr).toContain('EPERM');
    expect(add.stderr).toContain('CAP_NET_ADMIN');
    expect(add.stderr.trim().split('\n')).toHaveLength(1);
    expect(linkNames()).not.toContain('np1');
  });

  it('1,000 mixed operations on one client all settle with the right result, leaving no listeners', async () => {
    const client = await EoipClient.open();
    const ac = new AbortController();
    const opts = { signal: ac.signal };
    const before = linkNames();
    const made: string[] = [];
    try {
      const ops: Array<Promise<unknown>> = [];
      const expected: unknown[] = [];
      for (let i = 0; i < 1000; i++) {
        switch (i % 5) {
          case 0:
            ops.push(client.getLink(1, opts).then((l) => l?.name));
            expected.push('lo');
            break;
          case 1: {
            const name = `mx${i}`;
            made.push(name);
            ops.push(
              createLink(
                client.transport,
                { name, kind: 'vxlan', infoData: vxlan(i), mtu: 1000 + i },
                opts,
              ).then(() => client.getLink(name, opts).then((l) => l?.mtu)),
            );
            expected.push(1000 + i);
            break;
          }
          case 2:
            ops.push(client.getTunnel(`none${i}`, opts));
            expected.push(undefined);
            break;
          case 3:
            ops.push(
              client
                .createTunnel({ tunnelId: i, local: '192.0.2.1', remote: '192.0.2.2' }, opts)
                .catch((e) => e instanceof KindNotAvailableError && e.errno),
            );
            expected.push(95);
            break;
          default:
            ops.push(client.listTunnels(opts).then((l) => l.length));
            expected.push(0);
        }
      }
      const got = await Promise.all(ops);
      expect(got).toEqual(expected);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      for (const n of made) await deleteLink(client.transport, { name: n });
      expect(linkNames()).toEqual(before);
    } finally {
      client.close();
    }
    expect(await client.getLink(1).catch((e) => e.code)).toBe('SOCKET_CLOSED');
  }, 120000);
});
