/**
 * The `eoip` bin, dist/cli.cjs: only the loader. The command line's code
 * (parser, help, version, `add`/`set`/`list`/`del`) is the bundle
 * dist/cli-main.cjs beside it, loaded with V8's code cache
 * (src/cli/code-cache.ts) so that a start does not compile it again; its
 * entry, src/cli/main.ts, runs the command as it loads.
 */
import { existsSync, writeSync } from 'node:fs';
import { cacheProfile } from './cache-profile.js';
import { bundlePath, requireBundle } from './code-cache.js';

const MAIN = 'cli-main.cjs';

if (existsSync(bundlePath(MAIN))) {
  requireBundle(MAIN, cacheProfile(process.argv.slice(2)));
} else {
  // A copied or half-installed bin: one line, as every other failure, not a stack trace.
  writeSync(2, `eoip: cannot load ${bundlePath(MAIN)}: the package is incomplete (reinstall eoip-netlink)\n`);
  process.exitCode = 2;
}
