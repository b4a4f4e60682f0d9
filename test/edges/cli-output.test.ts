/**
 * The `eoip` bin against hostile surroundings: a full disk, a closed pipe,
 * FIFOs and devices where files are expected, a symlink to a secret, an
 * unknown YAML tag, a bad value with a missing interface, and `list` on a
 * kernel without the driver, with and without a terminal. Every run ends
 * with one line on stderr and the documented exit status, never a stack
 * trace, an abort or a hang.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingKindsNotice } from '../../src/cli/run.js';
import { BIN, CAN_UNSHARE, ensureBuilt, HAS_STRACE, runCli } from '../cli/helpers.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a shell line (`$EOIP` is the bin) in a fresh network namespace. */
function inNs(line: string, timeout = 30_000): ShellRun {
  const script = `EOIP="${process.execPath} ${BIN}"; ${line}`;
  const r = spawnSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SECRET = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBZr8XHl0yS0c7V3aP7s1uSx6rJq9pQmE0kQv1Yw8lT2AAAAJiRk6rmkZOq',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');

/** No trace of a stack or a native abort in stderr. */
function expectOneLine(stderr: string): void {
  expect(stderr.split('\n')).toHaveLength(2);
  expect(stderr).not.toMatch(/\n\s+at |node:internal|terminate called|Napi::Error/);
}

describe.skipIf(!CAN_UNSHARE)('eoip: output that cannot be written', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('version > /dev/full: one line, exit 2', () => {
    const r = inNs('$EOIP version >/dev/full');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'eoip: cannot write standard output: ENOSPC (no space left on device)\n',
    });
  });

  it('-j list > /dev/full, with the netlink socket open: one line, exit 2, no abort', () => {
    const r = inNs('$EOIP -j list >/dev/full');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'eoip: cannot write standard output: ENOSPC (no space left on device)\n',
    });
  });

  it('a usage error with stderr on /dev/full too: the exit status still says so', () => {
    expect(inNs('$EOIP frobnicate 2>/dev/full').code).toBe(1);
  });

  it('a reader that closed the pipe first: quietly, exit 0', async () => {
    for (const args of [['-j', 'list'], ['help']]) {
      const child = spawn('unshare', ['-n', process.execPath, BIN, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Closed before the bin is up: its first write meets EPIPE.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect({ args, code, stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });
});

describe.skipIf(!CAN_UNSHARE)('eoip: files that are not what they seem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eoip-cli-edges-'));
  const path = (name: string) => join(dir, name);
  beforeAll(async () => {
    await ensureBuilt();
    expect(spawnSync('mkfifo', [path('fifo'), path('fifo.json')]).status).toBe(0);
    writeFileSync(path('id_ed25519'), SECRET);
    symlinkSync(path('id_ed25519'), path('k.yaml'));
    symlinkSync(path('id_ed25519'), path('k.json'));
    writeFileSync(path('tag.yaml'), 'tunnels: !foo [1]\n');
    writeFileSync(path('ctor.json'), '{"constructor": 1}');
    writeFileSync(path('nan.yaml'), 'tunnels:\n  - {name: e1, tunnelId: .nan, remote: 10.0.0.2}\n');
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('-n with a FIFO: refused at once, exit 2, no hang', () => {
    const r = inNs(`$EOIP -n ${q(path('fifo'))} list`);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `eoip: cannot open network namespace ${path('fifo')}: not a namespace file\n`,
    });
  });

  it('-n with /dev/zero: refused, exit 2', () => {
    expect(inNs('$EOIP -n /dev/zero list')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'eoip: cannot open network namespace /dev/zero: not a namespace file\n',
    });
  });

  it('apply with a FIFO: refused before reading, exit 1, no hang', () => {
    const r = inNs(`$EOIP apply ${q(path('fifo.json'))}`);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `eoip: apply: ${path('fifo.json')}: a FIFO, not a regular file: an apply file must be a regular file (or '-' for standard input)\n`,
    });
  });

  it('apply /dev/zero, and /dev/zero as standard input: refused, exit 1', () => {
    expect(inNs('$EOIP apply /dev/zero')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "eoip: apply: /dev/zero: a character device, not a regular file: an apply file must be a regular file (or '-' for standard input)\n",
    });
    const stdin = inNs('$EOIP apply - </dev/zero');
    expect(stdin.code).toBe(1);
    expect(stdin.stderr).toMatch(
      /^eoip: apply: standard input: too large \([\d,]+ bytes or more; at most 16,777,216 bytes, 16 MiB\)\n$/,
    );
  });

  it('apply with a symlink to a private key: the key never shows, exit 1', () => {
    for (const name of ['k.yaml', 'k.json']) {
      const r = inNs(`$EOIP apply ${q(path(name))}`);
      expect(r.code).toBe(1);
      expectOneLine(r.stderr);
      expect(r.stderr).toMatch(new RegExp(`^eoip: apply: ${path(name).replace(/\./g, '\\.')}:1:1: `));
      for (const line of SECRET.split('\n').filter((l) => l !== '')) {
        expect(r.stderr).not.toContain(line.slice(0, 12));
      }
    }
  });

  it('an unknown YAML tag: one line with the position, exit 1', () => {
    expect(inNs(`$EOIP apply ${q(path('tag.yaml'))}`)).toEqual({
      code: 1,
      stdout: '',
      stderr: `eoip: apply: ${path('tag.yaml')}:1:10: not YAML: Unresolved tag (only the core schema: no custom tags)\n`,
    });
  });

  it('inherited names and NaN in apply files: named as written', () => {
    expect(inNs(`$EOIP apply ${q(path('ctor.json'))}`).stderr).toBe(
      `eoip: apply: ${path('ctor.json')}:1:17: unknown key constructor (allowed: only 'tunnels' and '$schema')\n`,
    );
    expect(inNs(`$EOIP apply ${q(path('nan.yaml'))}`).stderr).toBe(
      `eoip: apply: ${path('nan.yaml')}:2:26: invalid tunnels[0].tunnelId: NaN (allowed: 0..65535 for eoip)\n`,
    );
  });
});

describe.skipIf(!CAN_UNSHARE)('eoip: values are refused before anything is looked up', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  const cases: Array<[string[], string]> = [
    [['set', 'name', 'nosuch', 'ttl', '999'], 'eoip: invalid ttl: 999 (allowed: an integer 0..255)\n'],
    [
      ['set', 'name', 'nosuch', 'tunnel-id', '70000'],
      'eoip: invalid tunnel-id: 70000 (allowed: an integer 0..65535)\n',
    ],
    [
      ['set', 'name', 'nosuch', 'remote', 'x'.repeat(300)],
      `eoip: invalid remote: "${'x'.repeat(63)}…" (300 characters) (allowed: an IPv4 or IPv6 address)\n`,
    ],
    [
      ['add', 'tunnel-id', '1', 'remote', '10.0.0.2', 'link', 'nosuch', 'ttl', '300'],
      'eoip: invalid ttl: 300 (allowed: an integer 0..255)\n',
    ],
  ];
  it.each(cases)('%j: exit 1, nothing sent', (args, stderr) => {
    const r = runCli(args, { netns: true, trace: HAS_STRACE });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 1, stdout: '', stderr });
    // Not even a lookup.
    if (HAS_STRACE) expect(r.sentTypes).toEqual([]);
  });
});

describe('eoip list: the note about a missing driver', () => {
  it('only for a terminal, only for an empty list, only when a kind is missing', () => {
    const line =
      "eoip: no tunnels: the kernel has no eoip and eoipv6 link kinds (driver not loaded); run 'eoip doctor'\n";
    expect(missingKindsNotice(true, 0, ['eoip', 'eoipv6'])).toBe(line);
    expect(missingKindsNotice(true, 0, ['eoipv6'])).toBe(
      "eoip: no tunnels: the kernel has no eoipv6 link kind (driver not loaded); run 'eoip doctor'\n",
    );
    expect(missingKindsNotice(false, 0, ['eoip', 'eoipv6'])).toBeUndefined();
    expect(missingKindsNotice(true, 2, ['eoipv6'])).toBeUndefined();
    expect(missingKindsNotice(true, 0, [])).toBeUndefined();
  });

  describe.skipIf(!CAN_UNSHARE || spawnSync('script', ['-V']).status !== 0)(
    'the bin (no eoip module here)',
    () => {
      beforeAll(async () => {
        await ensureBuilt();
      }, 180_000);

      it('stderr a terminal: the note; stdout still empty', () => {
        // script(1) gives the bin a terminal; stdout goes to a file to tell the two apart.
        const out = join(tmpdir(), `eoip-list-out-${process.pid}`);
        try {
          const r = inNs(
            `script -qec ${q(`${process.execPath} ${BIN} list >${out}; echo rc=$?`)} /dev/null; cat ${out}`,
          );
          expect(r.stdout.replace(/\r/g, '')).toBe(
            "eoip: no tunnels: the kernel has no eoip and eoipv6 link kinds (driver not loaded); run 'eoip doctor'\nrc=0\n",
          );
        } finally {
          rmSync(out, { force: true });
        }
      });

      it('stderr not a terminal: byte-compatible with the reference tool (nothing at all)', () => {
        expect(inNs('$EOIP list')).toEqual({ code: 0, stdout: '', stderr: '' });
      });
    },
  );
});
