/**
 * dumpLinks checks its transport and every field of its request before
 * anything is sent, like the other generic link functions.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/api/errors.js';
import { dumpLinks } from '../../src/transport/dump.js';
import type { NetlinkTransport } from '../../src/transport/socket.js';

function recorder(): NetlinkTransport & { calls: number } {
  const t = {
    calls: 0,
    ack: async () => {
      t.calls++;
    },
    reply: async () => {
      t.calls++;
      return [];
    },
    dump: async () => {
      t.calls++;
      return { messages: 0, datagrams: 0, stopped: false };
    },
    close: () => {},
  };
  return t as unknown as NetlinkTransport & { calls: number };
}

describe('dumpLinks refuses bad input before sending', () => {
  it.each([
    ['kind', { kind: '' }],
    ['kind', { kind: 'x'.repeat(56) }],
    ['kind', { kind: 7 }],
    ['master', { master: 0 }],
    ['master', { master: 1.5 }],
    ['stats', { stats: 'no' }],
    ['maxAttempts', { maxAttempts: 0 }],
    ['maxAttempts', { maxAttempts: Number.NaN }],
    ['timeout', { timeout: -1 }],
    ['signal', { signal: {} }],
    ['targetNsid', { targetNsid: -1 }],
    ['request', { nosuch: 1 }],
  ] as const)('%s: %j', async (field, req) => {
    const t = recorder();
    const err = await dumpLinks(t, req as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toContain(field === 'request' ? 'nosuch' : field);
    expect(t.calls).toBe(0);
  });

  it('a transport that is not one', async () => {
    const err = await dumpLinks({} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toBe('sock');
  });

  it('an inherited kind is ignored', async () => {
    const t = recorder();
    await dumpLinks(t, Object.create({ kind: 'bridge', nosuch: 1 }) as never);
    expect(t.calls).toBe(1);
  });
});
