/**
 * How the `eoip` bin loads its bundles (dist/cli-main.cjs, dist/cli-commands.cjs;
 * see tsup.config.ts): with V8's code cache, so that a command does not
 * parse and compile its bundle at every start. Node 20
 * has no compile cache of its own for CommonJS (`module.enableCompileCache()`
 * came with Node 22.1), so the bin keeps one: the bytecode V8 made for a
 * bundle during the run that wrote it, in `$XDG_CACHE_HOME/eoip-netlink`
 * (default `~/.cache/eoip-netlink`), one file per installed bundle and
 * command (see cache-profile.ts), written when a run that found none (or
 * one V8 refused) exits.
 *
 * The cache is used only when that is safe: the cache directory's parent
 * ($XDG_CACHE_HOME or ~/.cache) must belong to the user the process runs as,
 * or be missing in a directory of that user's (it is then made); `sudo`
 * keeping another user's HOME reads and writes nothing there. A cache file
 * must belong to that user and be writable by no one else, and its first
 * line must name the exact bundle file (device, inode, size, mtime) and the
 * exact Node and V8 that made it. Otherwise, or with NODE_DISABLE_COMPILE_CACHE
 * set, the bundle is required the ordinary way. No failure of the cache
 * reaches the command.
 *
 * Used by the bundled bin only; the sources import the commands directly.
 */

import { isAscii } from 'node:buffer';
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script, constants as vmConstants } from 'node:vm';

/** Start of a cache file's first line; the line goes on with what the cache was made for. */
const MAGIC = 'eoip-netlink code cache 1';
/** A cache file larger than this is not read (a bundle's cache is a few hundred KiB). */
const MAX_CACHE_BYTES = 16 * 1024 * 1024;

/** The parent of our cache directory: $XDG_CACHE_HOME when absolute, else ~/.cache. */
function cacheBase(): string | undefined {
  const xdg = process.env['XDG_CACHE_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return xdg;
  const home = homedir();
  return home !== '' && isAbsolute(home) ? join(home, '.cache') : undefined;
}

/** What a profile may be in a file name; anything else is cached as `other`. */
const PROFILE_NAME = /^[a-z]{1,16}$/;

/** A short stable name for a path (FNV-1a, 32 bits): one cache file per installed bundle. */
function pathTag(path: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** True when `path` is a directory that belongs to this process's user. */
function ownDirectory(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isDirectory() && st.uid === process.geteuid?.();
  } catch {
    return false;
  }
}

/** The first line a cache file must have to be used for the bundle open as `fd`, in this Node. */
function cacheKey(fd: number): string {
  const st = fstatSync(fd);
  const v = process.versions;
  return `${MAGIC} node ${v.node} v8 ${v.v8} ${process.arch} bundle ${st.dev}:${st.ino} ${st.size} ${st.mtimeMs}`;
}

/** The cached data in `file` when the file is ours and made for `key`, else undefined. */
function readCache(file: string, key: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return undefined;
    if (st.size > MAX_CACHE_BYTES) return undefined;
    const bytes = readFileSync(fd);
    const eol = bytes.indexOf(10);
    if (eol < 0 || bytes.toString('latin1', 0, eol) !== key) return undefined;
    return bytes.subarray(eol + 1);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * `path` as a directory of our own: made (private) when missing, if its
 * parent is ours. False when it is someone else's: nothing is made there.
 */
function ownOrMake(path: string): boolean {
  if (ownDirectory(path)) return true;
  if (!ownDirectory(dirname(path))) return false;
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch {
    return false;
  }
  return ownDirectory(path);
}

/**
 * Write all of `bytes`: a write may store only part of them (a nearly full
 * disk does that before it fails), and a cut-short cache must never be renamed into place.
 */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) {
    const n = writeSync(fd, bytes, at, bytes.length - at);
    if (n <= 0) throw new Error('short write');
    at += n;
  }
}

/** True when no process `pid` runs (as far as this process can tell). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Remove the temporary files of `file` that a killed run left (`FILE.PID.tmp`
 * whose process is gone); a running writer's is left alone.
 */
function removeLeftovers(dir: string, file: string): void {
  const prefix = `${basename(file)}.`;
  for (const name of readdirSync(dir)) {
    const m = name.startsWith(prefix) ? /^(\d{1,10})\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (m === null || !gone(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {}
  }
}

/** Write the cache: a private file of our own, renamed into place. */
function writeCache(base: string, dir: string, file: string, key: string, data: Buffer): void {
  if (!ownOrMake(base) || !ownOrMake(dir)) return;
  removeLeftovers(dir, file);
  const temp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    writeAll(fd, Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), data]));
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {}
  }
}

type ModuleFunction = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => void;

/**
 * The text of a bundle: read as Latin-1 when it is all ASCII (the bundles
 * are), which makes the one-byte string V8 wants without a UTF-8 decode.
 */
function bundleText(fd: number): string {
  const bytes = readFileSync(fd);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/**
 * Compile the bundle at `path` as a CommonJS module with the cache of
 * `profile` in `base` when there is one, and return the call that runs it
 * and gives its exports. Throws when it cannot be compiled this way.
 */
function compileWithCache(path: string, base: string, profile: string): () => unknown {
  const dir = join(base, 'eoip-netlink');
  const name = PROFILE_NAME.test(profile) ? profile : 'other';
  const file = join(dir, `${basename(path, '.cjs')}-${name}-${pathTag(path)}.v8`);
  const fd = openSync(path, 'r');
  let source: string;
  let key: string;
  try {
    key = cacheKey(fd);
    source = bundleText(fd);
  } finally {
    closeSync(fd);
  }
  const cached = ownDirectory(base) ? readCache(file, key) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: path,
    ...(cached !== undefined ? { cachedData: cached } : {}),
    // The bundles' import() calls are built as require(); this is for safety only.
    ...(vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== undefined
      ? { importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER }
      : {}),
  });
  const fn = script.runInThisContext() as ModuleFunction;
  if (cached === undefined || script.cachedDataRejected === true) {
    // At exit, so that the data holds the functions this run compiled too.
    process.once('exit', () => {
      try {
        writeCache(base, dir, file, key, script.createCachedData());
      } catch {}
    });
  }
  return () => {
    const mod = { exports: {} };
    fn.call(mod.exports, mod.exports, createRequire(path), mod, path, dirname(path));
    return mod.exports;
  };
}

/** The path of the bundle `name`, beside the bin. */
export function bundlePath(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), name);
}

/** The bundles already loaded, by path. */
const loaded = new Map<string, unknown>();

/**
 * The exports of the bundle `name` that lies beside the bin (e.g.
 * `cli-main.cjs`), loaded once, with the code cache of `profile` (the
 * command, see cache-profile.ts) when it can be used.
 */
export function requireBundle(name: string, profile: string): unknown {
  const path = bundlePath(name);
  if (loaded.has(path)) return loaded.get(path);
  let run: (() => unknown) | undefined;
  try {
    const base = process.env['NODE_DISABLE_COMPILE_CACHE'] ? undefined : cacheBase();
    if (base !== undefined) run = compileWithCache(path, base, profile);
  } catch {
    run = undefined;
  }
  const exports = run === undefined ? createRequire(path)(path) : run();
  loaded.set(path, exports);
  return exports;
}
