/**
 * The `eoip` bin, dist/cli.cjs: only the loader. The command line's code
 * (parser, help, version, `add`/`set`/`list`/`del`) is the bundle
 * dist/cli-main.cjs beside it, loaded with V8's code cache
 * (src/cli/code-cache.ts) so that a start does not compile it again; its
 * entry, src/cli/main.ts, runs the command as it loads and handles its own
 * failures from then on.
 */
import { writeSync } from 'node:fs';
import { cacheProfile } from './cache-profile.js';
import { bundlePath, requireBundle } from './code-cache.js';

const MAIN = 'cli-main.cjs';

try {
  requireBundle(MAIN, cacheProfile(process.argv.slice(2)));
} catch (e) {
  // A copied, half-installed or damaged package: one line, as every other failure, not a stack trace.
  const err = e as NodeJS.ErrnoException;
  const why =
    err?.code === 'ENOENT' || err?.code === 'MODULE_NOT_FOUND'
      ? 'the package is incomplete (reinstall eoip-netlink)'
      : String(err?.message ?? e).split('\n')[0];
  writeSync(2, `eoip: cannot load ${bundlePath(MAIN)}: ${why}\n`);
  process.exitCode = 2;
}
