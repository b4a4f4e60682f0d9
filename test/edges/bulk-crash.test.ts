/**
 * A bulk delete killed with SIGKILL at any moment strands no link: the next
 * bulk delete in the namespace (whatever it is asked for), or
 * recoverLinkGroups, puts every link the killed run moved back exactly as it
 * was (group, alias, everything else), and deleting them again works, with
 * every result true. Children run deleteLinks on 300 links of four kinds and
 * are killed at fixed points (counted over their requests) and after random
 * delays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import {
  isBorrowedGroup,
  parseRecord,
  recoverLinkGroups,
  summarizeLinks,
} from '../../src/transport/bulk-recovery.js';
import { LinkNotFoundError } from '../../src/transport/errors.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel } from '../kernel/helpers.js';
import type { ChildPoint } from './bulk-child.js';
import {
  type Child,
  makeBridges,
  makeLinks,
  type Picture,
  pictures,
  present,
  startChild,
} from './bulk-helpers.js';

/** Links per run that go through the group (300 less the two whose alias is too long). */
const MOVED = 298;

type Recovery = 'next bulk delete' | 'recoverLinkGroups';

describe.skipIf(!canUseKernel)('a bulk delete killed at any moment', () => {
  let sock: NetlinkSocket;
  let bystanders: string[];
  let bystandersBefore: Map<string, Picture>;
  beforeAll(async () => {
    sock = NetlinkSocket.open();
    bystanders = makeBridges('k', 2);
    bystandersBefore = await pictures(sock, bystanders);
  });
  afterAll(async () => {
    // Never touched by any run, recovery included.
    expect(await pictures(sock, bystanders)).toEqual(bystandersBefore);
    await deleteLinks(
      sock,
      bystanders.map((name) => ({ name })),
    );
    sock.close();
  });

  /**
   * Make the links, let `kill` end a child deleting them, repair with
   * `recovery`, check that every link left is exactly as before, then delete
   * them again and check every result against the kernel.
   */
  async function crashRun(
    points: ChildPoint[],
    kill: ((c: Child) => Promise<void>) | undefined,
    recovery: Recovery,
    label: string,
    strands: 'some' | 'none' | 'any',
  ): Promise<void> {
    const set = await makeLinks(sock, 'c');
    const before = await pictures(sock, set.names);
    expect(before.size).toBe(300);
    const child = startChild({ names: set.names, points });
    await kill?.(child);
    const end = await child.exited;
    const pid = child.proc.pid!;

    // Each link is gone, untouched, or stranded by the dead child with a record of its group and alias.
    const all = await summarizeLinks(sock, 5, {}, undefined, false, 'list');
    const now = await pictures(sock, set.names);
    let stranded = 0;
    for (const [name, pic] of now) {
      if (JSON.stringify(pic) === JSON.stringify(before.get(name))) continue;
      stranded++;
      const l = all.find((x) => x.name === name)!;
      const record = parseRecord(l.alias);
      expect({ label, name, borrowed: isBorrowedGroup(l.group), pid: record?.owner.pid }).toEqual({
        label,
        name,
        borrowed: true,
        pid,
      });
      expect(record!.group).toBe(before.get(name)!['exactGroup']);
    }
    if (strands !== 'any') {
      expect({ label, stranded: stranded > 0 }).toEqual({ label, stranded: strands === 'some' });
    }

    if (recovery === 'recoverLinkGroups') {
      const restored = await recoverLinkGroups(sock);
      for (const r of restored.filter((x) => before.has(x.name))) {
        expect(r.group).toBe(before.get(r.name)!['exactGroup']);
      }
    } else {
      // A bulk delete of two other links repairs the namespace first.
      const others = makeBridges('o', 2);
      const r = await deleteLinks(
        sock,
        others.map((name) => ({ name })),
      );
      expect(r.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled']);
    }
    const after = await pictures(sock, set.names);
    for (const [name, pic] of after)
      expect({ label, name, pic }).toEqual({ label, name, pic: before.get(name) });

    // Delete them again: each result is true, and nothing is left.
    const left = new Set(after.keys());
    const again = await deleteLinks(
      sock,
      set.names.map((name) => ({ name })),
    );
    const stillThere = new Set(present(set.names));
    again.forEach((r, i) => {
      const name = set.names[i]!;
      if (r.status === 'fulfilled')
        expect({ name, there: stillThere.has(name) }).toEqual({ name, there: false });
      else {
        // Only a link already gone before may fail, and only as not found.
        expect({ name, left: left.has(name) }).toEqual({ name, left: false });
        expect(r.reason).toBeInstanceOf(LinkNotFoundError);
      }
    });
    expect([...stillThere]).toEqual([]);
    // At a fixed point the child must have died there (a random delay may come after its end).
    if (kill === undefined) expect(end.signal).toBe('SIGKILL');
  }

  /** Where the child kills itself, how the namespace is repaired, and whether links are left stranded. */
  const fixed: Array<[string, ChildPoint[], Recovery, 'some' | 'none']> = [
    [
      'at the first move, before it is sent',
      [{ type: 16, n: 1, action: 'kill-before' }],
      'recoverLinkGroups',
      'none',
    ],
    [
      'at the first move, once answered',
      [{ type: 16, n: 1, action: 'kill-answered' }],
      'next bulk delete',
      'some',
    ],
    [
      'halfway through the moves',
      [{ type: 16, n: 150, action: 'kill-answered' }],
      'recoverLinkGroups',
      'some',
    ],
    ['after the last move', [{ type: 16, n: MOVED, action: 'kill-answered' }], 'next bulk delete', 'some'],
    [
      'just before the group delete',
      [{ type: 17, n: 1, action: 'kill-before' }],
      'recoverLinkGroups',
      'some',
    ],
    [
      'once the group delete is answered',
      [{ type: 17, n: 1, action: 'kill-answered' }],
      'next bulk delete',
      'none',
    ],
    [
      'while reading what is left after the group delete',
      [{ type: 'dump', n: 2, action: 'kill-before' }],
      'recoverLinkGroups',
      'none',
    ],
    [
      'halfway through putting links back after an abort',
      [
        { type: 17, n: 1, action: 'abort' },
        { type: 16, n: MOVED + 100, action: 'kill-answered' },
      ],
      'next bulk delete',
      'some',
    ],
  ];
  for (const [label, points, recovery, strands] of fixed) {
    it(`killed ${label}: ${recovery} puts every link back exactly`, { timeout: 120_000 }, async () => {
      await crashRun(points, undefined, recovery, label, strands);
    });
  }

  for (let run = 1; run <= 4; run++) {
    const recovery: Recovery = run % 2 ? 'next bulk delete' : 'recoverLinkGroups';
    it(`killed after a random delay (run ${run}): ${recovery} puts every link back exactly`, {
      timeout: 120_000,
    }, async () => {
      // A run of 300 links takes about two seconds here, most of it in the group delete.
      const delay = Math.floor(Math.random() * 2500);
      await crashRun(
        [],
        async (c) => {
          await c.next('ready');
          await new Promise((r) => setTimeout(r, delay));
          c.proc.kill('SIGKILL');
        },
        recovery,
        `random delay ${delay} ms`,
        'any',
      );
    });
  }

  it('a repair killed halfway is finished by the next one', { timeout: 120_000 }, async () => {
    const set = await makeLinks(sock, 'h');
    const before = await pictures(sock, set.names);
    const first = startChild({ names: set.names, points: [{ type: 16, n: 150, action: 'kill-answered' }] });
    expect((await first.exited).signal).toBe('SIGKILL');
    // A second run, asked for two other links, dies while putting the first one's links back.
    const others = makeBridges('o', 2);
    const second = startChild({ names: others, points: [{ type: 16, n: 50, action: 'kill-answered' }] });
    expect((await second.exited).signal).toBe('SIGKILL');
    const halfway = await pictures(sock, set.names);
    const unchanged = [...halfway].filter(([n, p]) => JSON.stringify(p) === JSON.stringify(before.get(n)));
    expect(unchanged.length).toBeLessThan(300);
    await recoverLinkGroups(sock);
    expect(await pictures(sock, set.names)).toEqual(before);
    const again = await deleteLinks(
      sock,
      [...set.names, ...others].map((name) => ({ name })),
    );
    expect(again.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(present([...set.names, ...others])).toEqual([]);
  });
});
