/**
 * The native binding's contract, without the kernel: wrong argument types are
 * TypeErrors (never a crash), a receive range outside the buffer is refused
 * before any read, a closed socket answers EBADF as a value, options are
 * checked before anything is opened, and the loader says what it tried.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BINDING_ENV,
  BINDING_FILE,
  bindingCandidates,
  loadBinding,
  loadFirst,
  NativeNetlinkSocket,
  nativeSocketPair,
} from '../../src/transport/native.js';

type Raw = Record<string, (...a: unknown[]) => unknown>;
const raw = loadBinding() as unknown as Raw;

/** A handle on one end of a datagram pair (no netlink needed). */
function adoptedHandle(): { h: unknown; peer: number } {
  const [a, b] = nativeSocketPair();
  const h = raw['adopt']!(a, () => undefined);
  expect(typeof h).toBe('object');
  raw['ref']!(h, false);
  return { h, peer: b };
}

describe('native binding arguments', () => {
  it('refuses a receive range outside the buffer without reading', () => {
    const { h } = adoptedHandle();
    try {
      const buf = new Uint8Array(16).fill(0xaa);
      const ERANGE = -34;
      expect(raw['recv']!(h, buf, 8, 16, 0)).toBe(ERANGE);
      expect(raw['recv']!(h, buf, -1, 4, 0)).toBe(ERANGE);
      expect(raw['recv']!(h, buf, 0, 17, 0)).toBe(ERANGE);
      expect(raw['recv']!(h, buf, 17, 0, 0)).toBe(ERANGE);
      expect(raw['recv']!(h, buf, 0, 2 ** 31 - 1, 0)).toBe(ERANGE);
      expect(buf.every((b) => b === 0xaa)).toBe(true);
      // In range and nothing queued: EAGAIN, as a value.
      expect(raw['recv']!(h, buf, 0, 16, 0)).toBe(-11);
    } finally {
      raw['close']!(h);
    }
  });

  it('throws TypeError for arguments of the wrong type', () => {
    const { h } = adoptedHandle();
    try {
      expect(() => raw['recv']!(h, 'text', 0, 4, 0)).toThrow(TypeError);
      expect(() => raw['recv']!(h, new Uint16Array(4), 0, 4, 0)).toThrow(TypeError);
      expect(() => raw['recv']!({}, new Uint8Array(4), 0, 4, 0)).toThrow(TypeError);
      expect(() => raw['send']!(h, [new Uint8Array(1), 5])).toThrow(TypeError);
      expect(() => raw['send']!(h, 'text')).toThrow(TypeError);
      expect(() => raw['setOption']!(h, 1, 8, '1')).toThrow(TypeError);
      expect(() => raw['open']!('0', () => undefined)).toThrow(TypeError);
      expect(() => raw['open']!(0, 'not a function')).toThrow(TypeError);
      expect(() => raw['adopt']!(0, null)).toThrow(TypeError);
    } finally {
      raw['close']!(h);
    }
  });

  it('answers EBADF on a closed handle, and closes once', () => {
    const { h } = adoptedHandle();
    raw['close']!(h);
    raw['close']!(h);
    expect(raw['send']!(h, new Uint8Array(16))).toBe(-9);
    expect(raw['recv']!(h, new Uint8Array(16), 0, 16, 0)).toBe(-9);
    expect(raw['port']!(h)).toBe(-9);
    expect(raw['setOption']!(h, 1, 8, 4096)).toBe(-9);
    expect(raw['fd']!(h)).toBe(-9);
  });

  it('reports the kernel refusing an option as a value', () => {
    const { h } = adoptedHandle();
    try {
      // NETLINK_EXT_ACK on an AF_UNIX socket: no such option at that level.
      expect(raw['setOption']!(h, 270, 11, 1)).toBeLessThan(0);
      expect(raw['port']!(h)).toBe(-97); // EAFNOSUPPORT: not a netlink socket
    } finally {
      raw['close']!(h);
    }
  });
});

describe('NativeNetlinkSocket options', () => {
  it('refuses bad sizes, groups and paths before opening anything', () => {
    expect(() => NativeNetlinkSocket.open(0, { recvBufferSize: 2 ** 40 })).toThrow(
      /invalid recvBufferSize: 1099511627776 \(allowed: an integer 0\.\.2147483647\)/,
    );
    expect(() => NativeNetlinkSocket.open(0, { recvBufferSize: 1.5 })).toThrow(RangeError);
    expect(() => NativeNetlinkSocket.open(0, { sendBufferSize: -1 })).toThrow(/invalid sendBufferSize/);
    expect(() => NativeNetlinkSocket.open(0, { datagramSize: 2 ** 30 })).toThrow(/invalid datagramSize/);
    expect(() => NativeNetlinkSocket.open(0, { groups: [-1] })).toThrow(/invalid group: -1/);
    expect(() => NativeNetlinkSocket.open(0, { recvBufferSize: '4096' as unknown as number })).toThrow(
      /invalid recvBufferSize/,
    );
    expect(() => NativeNetlinkSocket.open(0, { netnsPath: '/run/netns/a\0b' })).toThrow(TypeError);
    expect(() => NativeNetlinkSocket.open(99)).toThrow(/invalid protocol: 99/);
  });
});

describe('binding loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eoip-loader-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('looks in prebuilds/ before build/Release/, up to the package root and no further', () => {
    const pkg = join(dir, 'pkg');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{}');
    const saved = process.env[BINDING_ENV];
    delete process.env[BINDING_ENV];
    try {
      const plat = `${process.platform}-${process.arch}`;
      expect(bindingCandidates(join(pkg, 'dist'))).toEqual([
        join(pkg, 'dist', 'prebuilds', plat, BINDING_FILE),
        join(pkg, 'dist', 'prebuilds', `${plat}-musl`, BINDING_FILE),
        join(pkg, 'dist', 'build', 'Release', BINDING_FILE),
        join(pkg, 'prebuilds', plat, BINDING_FILE),
        join(pkg, 'prebuilds', `${plat}-musl`, BINDING_FILE),
        join(pkg, 'build', 'Release', BINDING_FILE),
      ]);
      process.env[BINDING_ENV] = '/opt/custom.node';
      expect(bindingCandidates(join(pkg, 'dist'))[0]).toBe('/opt/custom.node');
    } finally {
      if (saved === undefined) delete process.env[BINDING_ENV];
      else process.env[BINDING_ENV] = saved;
    }
  });

  it('names every file it tried, and why each failed, when none loads', () => {
    const absent = join(dir, 'absent', BINDING_FILE);
    const garbage = join(dir, 'garbage.node');
    writeFileSync(garbage, 'not an ELF file');
    let message = '';
    try {
      loadFirst([absent, garbage]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`no native netlink binding loads on ${process.platform}-${process.arch}`);
    expect(message).toContain(`${absent} (absent)`);
    // The loader's own words for a file that is not a shared object.
    expect(message).toContain(`${garbage} (${garbage}: file too short)`);
    expect(message).toContain('npm run build:native');
  });
});
