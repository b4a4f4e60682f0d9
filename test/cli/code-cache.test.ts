/**
 * The bin's code cache (src/cli/code-cache.ts): one private file per bundle
 * and command, written once, and used only when it is safe. The proof that
 * a cache file is used: V8 takes cached code for any source of the same
 * length, so a cache made from a copy of the bundle with another version
 * string ("9.9.9") makes `--version` print that version. The same file is
 * then refused when it belongs to another user, may be written by others,
 * is a symbolic link, names another Node, or when the cache is turned off.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN_DIR, ensureBuilt } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const tmp = mkdtempSync(join(tmpdir(), 'eoip-code-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An installed copy of the bin and its bundles. */
const INSTALL = join(tmp, 'install');
/** The same with another version string of the same length in cli-main.cjs. */
const ALTERED = join(tmp, 'altered');
let version = '';
let alteredVersion = '';

beforeAll(async () => {
  await ensureBuilt();
  for (const dir of [INSTALL, ALTERED]) {
    mkdirSync(dir);
    for (const f of readdirSync(BIN_DIR).filter((f) => f.endsWith('.cjs')))
      copyFileSync(join(BIN_DIR, f), join(dir, f));
  }
  version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  alteredVersion = version.replace(/\d/g, '9');
  expect(alteredVersion).not.toBe(version);
  const main = join(ALTERED, 'cli-main.cjs');
  const text = readFileSync(main, 'latin1');
  const quoted = JSON.stringify(version);
  expect(text.includes(quoted)).toBe(true);
  writeFileSync(main, text.replace(quoted, JSON.stringify(alteredVersion)), 'latin1');
}, 120_000);

/** Run the bin of `dir` with this cache home (and environment). */
function run(dir: string, args: string[], cacheHome: string, env: NodeJS.ProcessEnv = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome, ...env };
  if (!('NODE_DISABLE_COMPILE_CACHE' in env)) delete base['NODE_DISABLE_COMPILE_CACHE'];
  const r = spawnSync(process.execPath, [join(dir, 'cli.cjs'), ...args], { encoding: 'utf8', env: base });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** A fresh cache home (a directory of ours). */
let homes = 0;
function freshHome(): string {
  const home = join(tmp, `home-${homes++}`);
  mkdirSync(home, { mode: 0o755 });
  return home;
}

/** The cache files in a cache home, by name. */
const cacheFiles = (home: string) => readdirSync(join(home, 'eoip-netlink')).sort();

/**
 * A cache home holding, under the name and first line the installed bin
 * uses for `--version`, the cached code of the altered bundle.
 */
function forgedHome(): { home: string; file: string; forged: Buffer } {
  const alteredHome = freshHome();
  expect(run(ALTERED, ['--version'], alteredHome)).toBe(`eoip-netlink ${alteredVersion}\n`);
  const [alteredName] = cacheFiles(alteredHome);
  const altered = readFileSync(join(alteredHome, 'eoip-netlink', alteredName!));
  const home = freshHome();
  expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
  const [name] = cacheFiles(home);
  const file = join(home, 'eoip-netlink', name!);
  const own = readFileSync(file);
  const forged = Buffer.concat([
    own.subarray(0, own.indexOf(10) + 1),
    altered.subarray(altered.indexOf(10) + 1),
  ]);
  writeFileSync(file, forged, { mode: 0o600 });
  return { home, file, forged };
}

describe('the code cache of the eoip bin', () => {
  it('writes one private file per bundle and command, once, named for the Node that made it', () => {
    const home = freshHome();
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    expect(cacheFiles(home)).toEqual([expect.stringMatching(/^cli-main-version-[0-9a-f]{8}\.v8$/)]);
    expect(run(INSTALL, ['help', 'list'], home)).toMatch(/^Usage: eoip list/);
    expect(run(INSTALL, ['-n', 'somewhere', '--help'], home)).toMatch(/^Usage: eoip \[FLAGS\]/);
    const files = cacheFiles(home);
    expect(files.map((f) => f.replace(/-[0-9a-f]{8}\.v8$/, ''))).toEqual([
      'cli-main-help',
      'cli-main-version',
    ]);
    expect(statSync(join(home, 'eoip-netlink')).mode & 0o777).toBe(0o700);
    const file = join(home, 'eoip-netlink', files[1]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const firstLine = readFileSync(file, 'latin1').split('\n')[0]!;
    expect(firstLine).toContain(
      `node ${process.versions.node} v8 ${process.versions.v8} ${process.arch} bundle `,
    );
    const before = statSync(file).mtimeMs;
    const bytes = readFileSync(file);
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    expect(statSync(file).mtimeMs).toBe(before);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('uses a cache file of its own: the altered code runs (the proof the refusals below can fail)', () => {
    const { home } = forgedHome();
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${alteredVersion}\n`);
  });

  it('refuses a cache file others may write', () => {
    const { home, file } = forgedHome();
    chmodSync(file, 0o620);
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
  });

  it('refuses a cache file that is a symbolic link', () => {
    const { home, file, forged } = forgedHome();
    const elsewhere = join(tmp, `forged-${homes}`);
    writeFileSync(elsewhere, forged, { mode: 0o600 });
    rmSync(file);
    symlinkSync(elsewhere, file);
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
  });

  it('refuses a cache file made for another Node, and writes its own in its place', () => {
    const { home, file, forged } = forgedHome();
    const text = forged.toString('latin1');
    writeFileSync(file, text.replace(`node ${process.versions.node} `, 'node 0.0.1 '), {
      encoding: 'latin1',
      mode: 0o600,
    });
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    expect(readFileSync(file, 'latin1').split('\n')[0]).toContain(`node ${process.versions.node} `);
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
  });

  it('runs right on a cache V8 refuses (garbage after a valid first line), then writes a good one', () => {
    const { home, file, forged } = forgedHome();
    const garbage = Buffer.concat([forged.subarray(0, forged.indexOf(10) + 1), Buffer.alloc(4096, 0x5a)]);
    writeFileSync(file, garbage, { mode: 0o600 });
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    const rewritten = readFileSync(file);
    expect(rewritten.equals(garbage)).toBe(false);
    expect(rewritten.subarray(0, forged.indexOf(10)).equals(forged.subarray(0, forged.indexOf(10)))).toBe(
      true,
    );
  });

  it('reads and writes nothing with NODE_DISABLE_COMPILE_CACHE set', () => {
    const { home, file, forged } = forgedHome();
    expect(run(INSTALL, ['--version'], home, { NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(
      `eoip-netlink ${version}\n`,
    );
    expect(run(INSTALL, ['help'], home, { NODE_DISABLE_COMPILE_CACHE: '1' })).toMatch(/^Usage: eoip/);
    expect(readFileSync(file).equals(forged)).toBe(true);
    expect(cacheFiles(home)).toHaveLength(1);
  });

  it('ignores a relative XDG_CACHE_HOME and uses ~/.cache', () => {
    const home = freshHome();
    const r = run(INSTALL, ['--version'], 'relative/cache', { HOME: home });
    expect(r).toBe(`eoip-netlink ${version}\n`);
    expect(readdirSync(join(home, '.cache', 'eoip-netlink'))).toHaveLength(1);
    expect(lstatSync(join(home, '.cache')).mode & 0o777).toBe(0o700);
  });

  it('removes what a killed run left behind when it writes, and leaves a running writer alone', () => {
    const home = freshHome();
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    const [name] = cacheFiles(home);
    const file = join(home, 'eoip-netlink', name!);
    rmSync(file);
    // A process that has exited, and one that runs (this one).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const stale = `${file}.${dead.stdout}.tmp`;
    const live = `${file}.${process.pid}.tmp`;
    const other = join(home, 'eoip-netlink', 'notes.1.tmp');
    for (const f of [stale, live, other]) writeFileSync(f, 'partial', { mode: 0o600 });
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    expect(cacheFiles(home)).toEqual([name, `${name}.${process.pid}.tmp`, 'notes.1.tmp'].sort());
  });

  it('20 first runs at once all answer, and leave one whole cache file', async () => {
    const home = freshHome();
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: home };
    delete env['NODE_DISABLE_COMPILE_CACHE'];
    const runs = Array.from(
      { length: 20 },
      () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, [join(INSTALL, 'cli.cjs'), '--version'], { env });
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
          });
          child.on('close', (code) => resolve(`${code} ${out}`));
        }),
    );
    expect(new Set(await Promise.all(runs))).toEqual(new Set([`0 eoip-netlink ${version}\n`]));
    const files = cacheFiles(home);
    expect(files).toEqual([expect.stringMatching(/^cli-main-version-[0-9a-f]{8}\.v8$/)]);
    // Whole: V8 takes it, so the next run leaves it as it is (a refused one is rewritten).
    const before = readFileSync(join(home, 'eoip-netlink', files[0]!));
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    expect(readFileSync(join(home, 'eoip-netlink', files[0]!)).equals(before)).toBe(true);
  });

  const canMount = isRoot && spawnSync('unshare', ['-m', 'true']).status === 0;
  it.skipIf(!canMount)('runs right on a full disk, leaving no partial file behind (needs root)', () => {
    const home = freshHome();
    // A private mount namespace: a tmpfs of 16 KiB, too small for a cache file of some 100 KiB.
    const script = [
      `mount -t tmpfs -o size=16k,mode=0755 tmpfs '${home}'`,
      `'${process.execPath}' '${join(INSTALL, 'cli.cjs')}' --version`,
      `echo "status $?"`,
      `ls -A '${home}/eoip-netlink'`,
      `df -k '${home}' | tail -1`,
    ].join('; ');
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: home };
    delete env['NODE_DISABLE_COMPILE_CACHE'];
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
      encoding: 'utf8',
      env,
    });
    expect(r.stderr).toBe('');
    const [versionLine, status, ...rest] = r.stdout.trim().split('\n');
    expect([versionLine, status]).toEqual([`eoip-netlink ${version}`, 'status 0']);
    // The directory was made; neither a cache file nor a temporary one is left in it.
    expect(rest.filter((l) => !l.startsWith('tmpfs'))).toEqual([]);
  });

  it.skipIf(!isRoot)('refuses a cache file of another user (needs root)', () => {
    const { home, file } = forgedHome();
    chownSync(file, NOBODY, NOBODY);
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
  });

  it.skipIf(!isRoot)('neither reads nor writes in a cache home of another user (needs root)', () => {
    const { home, file, forged } = forgedHome();
    chownSync(home, NOBODY, NOBODY);
    expect(run(INSTALL, ['--version'], home)).toBe(`eoip-netlink ${version}\n`);
    expect(run(INSTALL, ['help'], home)).toMatch(/^Usage: eoip/);
    expect(readFileSync(file).equals(forged)).toBe(true);
    expect(cacheFiles(home)).toHaveLength(1);
  });
});
