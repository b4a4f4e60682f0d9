/**
 * Every shell block of README.md and docs/ that does not open with a
 * `# needs: …` line runs as written: in a fresh network namespace, with
 * `eoip` being the bin built from the sources. (The README's first block,
 * `npm ci && npm test` in a clean copy, is what .ci/run runs.)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../cli/helpers.js';
import { allBlocks, needsOf, where } from '../fixtures/doc-blocks.js';
import { canUseKernel } from './helpers.js';

const runnable = allBlocks().filter(
  (b) => (b.lang === 'sh' || b.lang === 'bash') && needsOf(b) === undefined,
);
const binDir = mkdtempSync(join(tmpdir(), 'eoip-doc-sh-'));
afterAll(() => rmSync(binDir, { recursive: true, force: true }));

describe.skipIf(!canUseKernel)('runnable shell blocks of README.md and docs/', () => {
  beforeAll(async () => {
    await ensureBuilt();
    const shim = join(binDir, 'eoip');
    writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(shim, 0o755);
  });

  it('there are some (the check is not vacuous)', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(1);
  });

  it.each(runnable.map((b) => [where(b), b] as const))('%s runs and exits 0', (_where, block) => {
    const r = spawnSync(
      'unshare',
      ['-n', '--', 'bash', '-e', '-o', 'pipefail', '-c', `ip link set lo up\n${block.code}`],
      {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${binDir}:${process.env['PATH'] ?? ''}` },
        timeout: 60_000,
      },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
});
