/**
 * deleteLinks against the real kernel: many links go in one group delete,
 * each selector gets its own answer, and nothing is left half-done when the
 * kernel refuses or the caller aborts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkSelector } from '../../src/codec/requests.js';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import {
  beginRun,
  buildGroupAliasRequest,
  encodeRecord,
  endRun,
  recoverLinkGroups,
} from '../../src/transport/bulk-recovery.js';
import { AbortedError, KernelError, LinkNotFoundError } from '../../src/transport/errors.js';
import { NetlinkSocket, type NetlinkTransport, type RequestOptions } from '../../src/transport/socket.js';
import { canUseKernel, ip, ipLinks, uniqueName } from './helpers.js';

/** Group of each named link (`ip -d` shows it as text; 0 is "default"). */
function groupsOf(names: string[]): Record<string, string | undefined> {
  const all = JSON.parse(ip('-j', '-d', 'link', 'show')) as Array<{ ifname: string; group?: string }>;
  const out: Record<string, string | undefined> = {};
  for (const n of names) out[n] = all.find((l) => l.ifname === n)?.group;
  return out;
}

function bridges(prefix: string, n: number, group?: number): string[] {
  const names = Array.from({ length: n }, (_, i) => uniqueName(`${prefix}${i}_`));
  const g = group !== undefined ? ` group ${group}` : '';
  execFileSync('ip', ['-batch', '-'], {
    input: `${names.map((x) => `link add ${x}${g} type bridge`).join('\n')}\n`,
  });
  return names;
}

/**
 * `sock`, calling `see` with the message type (16 RTM_NEWLINK, 17 RTM_DELLINK)
 * and the options of each ack request just before it is handed over.
 */
function watched(sock: NetlinkTransport, see: (type: number, o?: RequestOptions) => void): NetlinkTransport {
  return {
    ack: (build, o) => {
      see(build(0)[4]!, o);
      return sock.ack(build, o);
    },
    reply: (b, o) => sock.reply(b, o),
    dump: (b, v, o) => sock.dump(b, v, o),
    close: () => undefined,
  };
}

/** Alias of each named link (undefined: none). */
function aliasesOf(names: string[]): Record<string, string | undefined> {
  const all = JSON.parse(ip('-j', 'link', 'show')) as Array<{ ifname: string; ifalias?: string }>;
  const out: Record<string, string | undefined> = {};
  for (const n of names) out[n] = all.find((l) => l.ifname === n)?.ifalias;
  return out;
}

const present = (names: string[]) => {
  const have = new Set(ipLinks().map((l) => l.ifname));
  return names.filter((n) => have.has(n));
};

describe.skipIf(!canUseKernel)('deleteLinks on the real kernel', () => {
  let sock: NetlinkSocket;
  beforeAll(() => {
    sock = NetlinkSocket.open();
  });
  afterAll(() => sock.close());

  it('deletes many links in one group delete; each selector gets its own result', async () => {
    const names = bridges('bd', 40);
    const bystander = bridges('bs', 1, 7)[0]!;
    const lo = ipLinks().find((l) => l.ifname === 'lo')!.ifindex;
    expect(lo).toBe(1);
    const index0 = ipLinks().find((l) => l.ifname === names[0])!.ifindex;
    // What reaches the kernel: count the RTM_DELLINK messages.
    let dellinks = 0;
    const spy = watched(sock, (type) => {
      if (type === 17) dellinks++;
    });
    const sels: LinkSelector[] = [
      ...names.map((name) => ({ name })),
      { name: 'no-such-link' },
      { index: index0 }, // the first bridge again, by index
    ];
    const r = await deleteLinks(spy, sels);
    expect(r).toHaveLength(42);
    expect(r.slice(0, 40).map((x) => x.status)).toEqual(Array(40).fill('fulfilled'));
    expect(r[41]!.status).toBe('fulfilled');
    const missing = r[40] as PromiseRejectedResult;
    expect(missing.status).toBe('rejected');
    expect(missing.reason).toBeInstanceOf(LinkNotFoundError);
    expect(missing.reason).toMatchObject({ errno: 19, operation: 'delete', interface: 'no-such-link' });
    expect(dellinks).toBe(1);
    expect(present(names)).toEqual([]);
    // Links that were not named are untouched, group included.
    expect(present([bystander])).toEqual([bystander]);
    expect(groupsOf([bystander, 'lo'])).toEqual({ [bystander]: '7', lo: 'default' });
    ip('link', 'del', bystander);
  });

  it('when the kernel refuses the group delete, every link goes back to its group and gets its own answer', async () => {
    const names = bridges('bf', 5, 42);
    const sels: LinkSelector[] = [
      { name: names[0]! },
      { name: 'lo' },
      ...names.slice(1).map((name) => ({ name })),
    ];
    const r = await deleteLinks(sock, sels);
    // lo cannot be deleted (EOPNOTSUPP): the group delete is refused whole, then each link alone.
    const refused = r[1] as PromiseRejectedResult;
    expect(refused.status).toBe('rejected');
    expect(refused.reason).toBeInstanceOf(KernelError);
    expect(refused.reason).toMatchObject({ errno: 95, operation: 'delete', interface: 'lo' });
    expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(5);
    expect(present(names)).toEqual([]);
    expect(groupsOf(['lo'])).toEqual({ lo: 'default' });
  });

  it('a link refused by check is left alone, with the check error as its result', async () => {
    const keep = bridges('bk', 2, 5);
    const drop = bridges('bx', 3, 6);
    const r = await deleteLinks(
      sock,
      [...keep, ...drop].map((name) => ({ name })),
      {
        check: (l) =>
          keep.includes(l.name) ? new Error(`keep ${l.name} (${l.kind}, group ${l.group})`) : undefined,
      },
    );
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((r[0] as PromiseRejectedResult).reason.message).toBe(`keep ${keep[0]} (bridge, group 5)`);
    expect(present([...keep, ...drop])).toEqual(keep);
    expect(groupsOf(keep)).toEqual({ [keep[0]!]: '5', [keep[1]!]: '5' });
    for (const k of keep) ip('link', 'del', k);
  });

  it('an abort between the group moves and the delete leaves every link as it was', async () => {
    const names = bridges('ba', 4, 9);
    const ac = new AbortController();
    // Abort at the moment the group delete is about to be sent.
    const spy = watched(sock, (type) => {
      if (type === 17) ac.abort(new Error('stop'));
    });
    const r = await deleteLinks(
      spy,
      names.map((name) => ({ name })),
      { signal: ac.signal },
    );
    for (const x of r) {
      expect(x.status).toBe('rejected');
      expect((x as PromiseRejectedResult).reason).toBeInstanceOf(AbortedError);
    }
    expect(present(names)).toEqual(names);
    expect(Object.values(groupsOf(names))).toEqual(['9', '9', '9', '9']);
    for (const n of names) ip('link', 'del', n);
  });

  it('an abort after the moves were sent, before their answers, leaves every link as it was', async () => {
    const names = bridges('bm', 6, 11);
    const ac = new AbortController();
    let moves = 0;
    const spy = watched(sock, (type, o) => {
      // After the moves were sent (the socket sends in the check phase) and
      // applied by the kernel, before their ACK is read.
      if (type === 16 && o?.signal && ++moves === 1) setImmediate(() => ac.abort(new Error('stop')));
    });
    const r = await deleteLinks(
      spy,
      names.map((name) => ({ name })),
      { signal: ac.signal },
    );
    for (const x of r) expect((x as PromiseRejectedResult).reason).toBeInstanceOf(AbortedError);
    expect(present(names)).toEqual(names);
    expect(Object.values(groupsOf(names))).toEqual(Array(6).fill('11'));
    for (const n of names) ip('link', 'del', n);
  });

  it('an abort after the group delete was sent reports the links deleted, as they are', async () => {
    const names = bridges('bg', 3, 12);
    const ac = new AbortController();
    const spy = watched(sock, (type, o) => {
      if (type === 17 && o?.signal) setImmediate(() => ac.abort(new Error('late')));
    });
    const r = await deleteLinks(
      spy,
      names.map((name) => ({ name })),
      { signal: ac.signal },
    );
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(present(names)).toEqual([]);
  });

  it('a link moved out of the group before the group delete is not reported deleted on the ack alone', async () => {
    const names = bridges('bo', 4, 13);
    ip('link', 'set', names[1]!, 'alias', 'moved away');
    // Another actor moves one link out of the borrowed group just before the group delete.
    const spy = watched(sock, (type) => {
      if (type === 17) ip('link', 'set', names[1]!, 'group', '77');
    });
    let dellinks = 0;
    const counting = watched(spy, (type) => {
      if (type === 17) dellinks++;
    });
    const r = await deleteLinks(
      counting,
      names.map((name) => ({ name })),
    );
    // The group delete took three; the fourth was found still there and deleted on its own.
    expect(dellinks).toBe(2);
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(present(names)).toEqual([]);
  });

  it('an abort before the group delete puts every group and alias back exactly, "no alias" included', async () => {
    const names = bridges('bl', 3, 14);
    ip('link', 'set', names[0]!, 'alias', 'site A uplink');
    ip('link', 'set', names[1]!, 'alias', 'x'.repeat(150));
    const before = aliasesOf(names);
    const ac = new AbortController();
    const seen: Array<string | undefined> = [];
    const spy = watched(sock, (type) => {
      if (type === 17 && seen.length === 0) {
        seen.push(...Object.values(aliasesOf(names)));
        ac.abort(new Error('stop'));
      }
    });
    const r = await deleteLinks(
      spy,
      names.map((name) => ({ name })),
      { signal: ac.signal },
    );
    // While in the borrowed group, each alias held the record.
    expect(seen).toHaveLength(3);
    for (const a of seen) expect(a).toMatch(/^eoipnl-del1:/);
    for (const x of r) expect((x as PromiseRejectedResult).reason).toBeInstanceOf(AbortedError);
    expect(aliasesOf(names)).toEqual(before);
    expect(before[names[2]!]).toBeUndefined();
    expect(Object.values(groupsOf(names))).toEqual(['14', '14', '14']);
    for (const n of names) ip('link', 'del', n);
  });

  it('a link whose alias leaves no room for the record is deleted on its own, never moved', async () => {
    const names = bridges('bt', 3, 15);
    ip('link', 'set', names[2]!, 'alias', 'y'.repeat(240));
    const moved: number[] = [];
    const spy = watched(sock, (type) => {
      if (type === 16) moved.push(type);
    });
    const r = await deleteLinks(
      spy,
      names.map((name) => ({ name })),
    );
    expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    // Two moves, none for the third link.
    expect(moved).toHaveLength(2);
    expect(present(names)).toEqual([]);
  });

  it("the next delete, even of a single link, puts back what a dead run left; a live run's links stay", async () => {
    const [dead1, dead2, live, other] = bridges('bz', 4, 21);
    ip('link', 'set', dead1!, 'alias', 'first');
    const index = (n: string) => ipLinks().find((l) => l.ifname === n)!.ifindex;
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const initStart = readFileSync('/proc/1/stat', 'latin1').split(') ')[1]!.split(' ')[19]!;
    const run = beginRun();
    endRun(run);
    const strand = async (name: string, owner: Partial<typeof run.owner>, alias?: string) => {
      const link = {
        index: index(name),
        name,
        kind: undefined,
        group: 21,
        alias: alias ? Buffer.from(alias) : undefined,
      };
      const record = encodeRecord({ owner: { ...run.owner, ...owner } }, link)!;
      await sock.ack((seq) => buildGroupAliasRequest(seq, link.index, 0xee00abcd, record));
    };
    await strand(dead1!, { pid: deadPid, run: 1 }, 'first');
    await strand(dead2!, { pid: deadPid, run: 1 });
    // pid 1 is alive: its run is going on.
    await strand(live!, { pid: 1, start: initStart, run: 1 });
    const r = await deleteLinks(sock, [{ name: other! }]);
    expect(r).toEqual([{ status: 'fulfilled', value: undefined }]);
    expect(groupsOf([dead1!, dead2!])).toEqual({ [dead1!]: '21', [dead2!]: '21' });
    expect(aliasesOf([dead1!, dead2!])).toEqual({ [dead1!]: 'first', [dead2!]: undefined });
    expect(aliasesOf([live!])[live!]).toMatch(/^eoipnl-del1:/);
    expect((await recoverLinkGroups(sock)).map((l) => l.name)).not.toContain(live);
    expect(aliasesOf([live!])[live!]).toMatch(/^eoipnl-del1:/);
    // Deleting the live run's link takes it on its own, never into another group.
    const again = await deleteLinks(
      sock,
      [dead1!, dead2!, live!].map((name) => ({ name })),
    );
    expect(again.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(present([dead1!, dead2!, live!])).toEqual([]);
  });

  it('a single link, or none, takes the plain path', async () => {
    expect(await deleteLinks(sock, [])).toEqual([]);
    const [one] = bridges('b1', 1);
    const r = await deleteLinks(sock, [{ name: one! }]);
    expect(r).toEqual([{ status: 'fulfilled', value: undefined }]);
    expect(present([one!])).toEqual([]);
  });
});
