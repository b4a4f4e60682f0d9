/**
 * A stopped dump reads no more than it must: on a host with thousands of
 * links, listing a kind the kernel does not know stops at the first message,
 * and the kernel is made to drop the rest (the socket is closed before the
 * next datagram is read), so a `listTunnels()` reads one or two datagrams,
 * not the whole link table.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { NativeNetlinkSocket } from '../../src/transport/native.js';
import { canUseKernel } from '../kernel/helpers.js';

const LINKS = 2000;
const prefix = `st${process.pid % 10000}x`;
const ns = `${prefix}ns`;

describe.skipIf(!canUseKernel)('a stopped dump on a large host', () => {
  beforeAll(() => {
    const batch = join(tmpdir(), `${prefix}.batch`);
    writeFileSync(
      batch,
      Array.from({ length: LINKS }, (_, i) => `link add ${prefix}${i} type ifb\n`).join(''),
    );
    // A namespace of its own: dropped whole afterwards (no per-link delete).
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, '-batch', batch]);
  }, 120_000);

  afterAll(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('listTunnels reads at most two datagrams per kind, whatever the number of links', async () => {
    const proto = NativeNetlinkSocket.prototype as unknown as { readOne: () => boolean };
    const original = proto.readOne;
    let reads = 0;
    proto.readOne = function (this: unknown) {
      const got = original.call(this);
      if (got) reads++;
      return got;
    };
    const client = await EoipClient.open({ netns: ns });
    try {
      reads = 0;
      expect(await client.listTunnels()).toEqual([]);
      // Two kinds (eoip, eoipv6), each stopped at its first datagram; a
      // full dump of this namespace is dozens of 32 KiB datagrams.
      expect(reads).toBeLessThanOrEqual(4);
      expect(reads).toBeGreaterThanOrEqual(2);
    } finally {
      client.close();
      proto.readOne = original;
    }
  });
});
