/**
 * Another namespace is reached by a socket opened inside it, in this
 * process: the `netns` open option of NetlinkSocket is checked like any
 * input (own fields only, one of path or fd), a file that is not a namespace
 * is refused without blocking, the descriptor it holds goes with the socket,
 * and nothing in the library starts a process any more.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, PermissionError, SocketError } from '../../src/api/errors.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { runAsNobody } from './inprocess-helpers.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const isRoot = process.getuid?.() === 0;

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** This process's open descriptors. */
const fdCount = () => readdirSync('/proc/self/fd').length;

const tmp = mkdtempSync(join(tmpdir(), 'eoip-inprocess-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the library runs in one process', () => {
  it('no source file loads node:child_process, and the build has no helper entries', async () => {
    const loading = sources(SRC).filter((f) => /child_process/.test(readFileSync(f, 'utf8')));
    expect(loading).toEqual([]);
    const configs = (await import('../../tsup.config.js')).default as unknown as Array<{ entry: object }>;
    const entries = configs.flatMap((c) => Object.keys(c.entry)).sort();
    // The library, the bin, and the bin's two bundles (loaded in its process): no helper entry.
    expect(entries).toEqual(['cli', 'cli-commands', 'cli-main', 'index']);
  });
});

describe('NetlinkSocket.open({ netns })', () => {
  const bad: Array<[string, unknown, string]> = [
    ['a string', '/run/netns/x', 'netns'],
    ['a number', 3, 'netns'],
    ['null', null, 'netns'],
    ['an array', ['/proc/self/ns/net'], 'netns'],
    ['neither field', {}, 'netns'],
    ['both fields', { path: '/proc/self/ns/net', fd: 0 }, 'netns'],
    ['an inherited path', Object.create({ path: '/proc/self/ns/net' }), 'netns'],
    [
      'a path behind a getter',
      Object.defineProperty({}, 'path', { get: () => '/proc/self/ns/net', enumerable: true }),
      'netns',
    ],
    ['an empty path', { path: '' }, 'netns.path'],
    ['a path with NUL', { path: '/proc/self/ns/net\0x' }, 'netns.path'],
    ['a path of 5000 bytes', { path: `/${'a'.repeat(5000)}` }, 'netns.path'],
    ['a numeric path', { path: 7 }, 'netns.path'],
    ['a negative fd', { fd: -1 }, 'netns.fd'],
    ['a fractional fd', { fd: 1.5 }, 'netns.fd'],
    ['an fd past 2^31-1', { fd: 2 ** 31 }, 'netns.fd'],
    ['an fd as a string', { fd: '3' }, 'netns.fd'],
  ];
  it.each(bad)(
    'refuses %s with InvalidArgumentError naming the field, opening nothing',
    (_, netns, field) => {
      const before = fdCount();
      let err: unknown;
      try {
        NetlinkSocket.open({ netns: netns as never }).close();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ field });
      expect((err as Error).message).toMatch(/path|fd/);
      expect(fdCount()).toBe(before);
    },
  );

  it('a FIFO, a directory or a plain file is refused at once, never waited on, never entered', () => {
    const fifo = join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const plain = join(tmp, 'plain');
    closeSync(openSync(plain, 'w'));
    const before = fdCount();
    for (const path of [fifo, tmp]) {
      const err = (() => {
        try {
          NetlinkSocket.open({ netns: { path } }).close();
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(SocketError);
      expect((err as Error).message).toBe(`cannot open network namespace ${path}: not a namespace file`);
    }
    // An empty regular file looks like a namespace file until setns says it is not one (EINVAL).
    const err = (() => {
      try {
        NetlinkSocket.open({ netns: { path: plain } }).close();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SocketError);
    expect(err).toMatchObject({ errno: 22 });
    expect((err as Error).message).toBe(`cannot open network namespace ${plain}: not a network namespace`);
    expect(fdCount()).toBe(before);
  });

  it('a missing namespace file names the file and the reason', () => {
    const path = join(tmp, 'absent');
    expect(() => NetlinkSocket.open({ netns: { path } })).toThrow(
      `cannot open network namespace ${path}: ENOENT`,
    );
  });

  it.skipIf(!isRoot)(
    'opens in the namespace of a path or an fd, and gives its descriptor back on close',
    () => {
      const before = fdCount();
      const byPath = NetlinkSocket.open({ netns: { path: '/proc/self/ns/net' } });
      const nsFd = openSync('/proc/self/ns/net', 'r');
      const byFd = NetlinkSocket.open({ netns: { fd: nsFd } });
      // The caller's fd may close at once: the socket holds its own.
      closeSync(nsFd);
      expect(byPath.port).toBeGreaterThan(0);
      expect(byFd.port).toBeGreaterThan(0);
      // Each socket: its own descriptor and the namespace file's.
      expect(fdCount()).toBe(before + 4);
      byPath.close();
      byFd.close();
      expect(fdCount()).toBe(before);
    },
  );

  it.skipIf(!isRoot)(
    'a namespace this process may not enter is a PermissionError with the setns hint',
    () => {
      // As nobody, entering the namespace of pid 1 is refused (its file cannot even be opened).
      const script = `
      import { NetlinkSocket } from ${JSON.stringify(join(SRC, 'transport/socket.ts'))};
      try { NetlinkSocket.open({ netns: { path: '/proc/1/ns/net' } }); console.log('opened'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, errno: e.errno, operation: e.operation, hint: e.hint, message: e.message })); }
    `;
      const out = runAsNobody(script, tmp, join(SRC, '..'));
      const e = JSON.parse(out.trim()) as Record<string, unknown>;
      expect(e).toMatchObject({ name: PermissionError.name, operation: 'netns' });
      expect([1, 13]).toContain(e['errno']);
      expect(e['hint']).toContain('CAP_SYS_ADMIN');
      expect(e['message']).toContain('may not enter /proc/1/ns/net');
    },
  );
});
