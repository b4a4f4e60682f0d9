/**
 * Two processes deleting the same links at once, one of them killed halfway:
 * the survivor reports a link deleted only when `ip -j link` shows it gone.
 * Each child pauses at a chosen request until the test lets it go on, so
 * the interleavings are exact.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel } from '../kernel/helpers.js';
import { type Child, type LinkSet, makeLinks, present, startChild } from './bulk-helpers.js';

describe.skipIf(!canUseKernel)('two bulk deletes of the same links, one killed', () => {
  let sock: NetlinkSocket;
  let set: LinkSet | undefined;
  beforeAll(() => {
    sock = NetlinkSocket.open();
    return () => sock.close();
  });
  afterEach(async () => {
    // Whatever a failed run left behind goes.
    if (set)
      await deleteLinks(
        sock,
        present(set.names).map((name) => ({ name })),
      );
    set = undefined;
  });

  /** The survivor's results: every link it reports deleted is gone, and it reports each one. */
  async function checkSurvivor(a: Child, names: string[]): Promise<void> {
    const { results } = await a.next('done');
    expect(results).toHaveLength(names.length);
    const there = new Set(present(names));
    const falseClaims = names.filter((n, i) => results[i]!.status === 'fulfilled' && there.has(n));
    expect(falseClaims).toEqual([]);
    // A link the survivor did not delete is one the other process deleted first.
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') expect({ name: names[i], r }).toMatchObject({ r: { errno: 19 } });
    }
  }

  it('the other process moved some links into its own group after our moves, then died', {
    timeout: 120_000,
  }, async () => {
    set = await makeLinks(sock, 'r');
    // A moves every link and stops before its group delete.
    const a = startChild({ names: set.names, points: [{ type: 17, n: 1, action: 'pause' }] });
    await a.next('paused');
    // B reads the links now, then dies once 100 of its requests are answered.
    const b = startChild({ names: set.names, points: [{ n: 100, action: 'kill-answered' }] });
    expect((await b.exited).signal).toBe('SIGKILL');
    a.go();
    await checkSurvivor(a, set.names);
    expect((await a.exited).code).toBe(0);
    // Nothing is left of the links, except what a killed run would leave to the next one.
    const left = present(set.names);
    const again = await deleteLinks(
      sock,
      left.map((name) => ({ name })),
    );
    expect(again.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(present(set.names)).toEqual([]);
  });

  it('both read the links before either moved one; the other process died after 100 moves', {
    timeout: 120_000,
  }, async () => {
    set = await makeLinks(sock, 'q');
    // Both stop at their first move, after reading the links.
    const a = startChild({
      names: set.names,
      points: [
        { type: 16, n: 1, action: 'pause' },
        { type: 17, n: 1, action: 'pause' },
      ],
    });
    const b = startChild({
      names: set.names,
      points: [
        { type: 16, n: 1, action: 'pause' },
        { type: 16, n: 100, action: 'kill-answered' },
      ],
    });
    await a.next('paused');
    await b.next('paused');
    // A moves everything and stops before its group delete; B moves 100 links out of A's group and dies.
    a.go();
    await a.next('paused');
    b.go();
    expect((await b.exited).signal).toBe('SIGKILL');
    a.go();
    await checkSurvivor(a, set.names);
    expect((await a.exited).code).toBe(0);
    expect(present(set.names)).toEqual([]);
  });
});
