/** NetlinkSocket.open checks every option before it opens anything. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/api/errors.js';
import { NetlinkSocket } from '../../src/transport/socket.js';

const fds = () => readdirSync('/proc/self/fd').length;

describe('NetlinkSocket.open refuses bad options, opening nothing', () => {
  it.each([
    ['recvBufferSize', { recvBufferSize: -1 }],
    ['recvBufferSize', { recvBufferSize: '1' }],
    ['datagramSize', { datagramSize: Number.NaN }],
    ['groups', { groups: 1 }],
    ['groups[0]', { groups: [0] }],
    ['groups[1]', { groups: [1, 1] }],
    ['groups[0]', { groups: [2.5] }],
    ['onEvent', { onEvent: 'x' }],
    ['onEventError', { onEventError: {} }],
    ['keepAlive', { keepAlive: 1 }],
    ['maxInFlight', { maxInFlight: 0 }],
    ['maxInFlight', { maxInFlight: Number.POSITIVE_INFINITY }],
    ['netns', { netns: {} }],
    ['nosuch', { nosuch: true }],
  ] as const)('%s: %j', (field, opts) => {
    const before = fds();
    let err: unknown;
    try {
      NetlinkSocket.open(opts as never).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toContain(field);
    expect(fds()).toBe(before);
  });

  it('shows Infinity as such', () => {
    expect(() => NetlinkSocket.open({ maxInFlight: Number.POSITIVE_INFINITY })).toThrow(/Infinity/);
  });
});
