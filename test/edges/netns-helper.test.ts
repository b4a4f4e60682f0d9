/**
 * The namespace helper process is only started for a request that can reach
 * it: a value that cannot be serialised is refused with a typed error before
 * any process exists, and an aborted request starts none.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const spawn = vi.fn(() => {
  throw new Error('spawn must not be called');
});
vi.mock('node:child_process', () => ({ spawn }));

const { changeInNetns } = await import('../../src/api/netns-exec.js');
const { AbortedError, InvalidArgumentError } = await import('../../src/api/errors.js');

beforeEach(() => {
  spawn.mockClear();
});

describe('changeInNetns', () => {
  it('refuses a BigInt in the patch with InvalidArgumentError and spawns nothing', async () => {
    const err = await changeInNetns('/proc/self/ns/net', {
      op: 'change',
      target: 't1',
      patch: { ttl: 7n as unknown as number },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InstanceType<typeof InvalidArgumentError>).field).toBe('patch');
    expect(spawn).not.toHaveBeenCalled();
  });

  it('refuses a cyclic patch the same way', async () => {
    const patch: Record<string, unknown> = { ttl: 7 };
    patch['self'] = patch;
    const err = await changeInNetns('/proc/self/ns/net', { op: 'plan', target: 't1', patch }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(spawn).not.toHaveBeenCalled();
  });

  it('starts no process for an already aborted request', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await changeInNetns(
      '/proc/self/ns/net',
      { op: 'change', target: 't1', patch: { ttl: 7 } },
      ac.signal,
    ).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(InvalidArgumentError);
    expect(err).toBeDefined();
    expect(spawn).not.toHaveBeenCalled();
    void AbortedError;
  });
});
