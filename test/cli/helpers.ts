/**
 * Helpers of the `eoip` bin tests: build dist/cli.cjs when it is older than
 * the sources, run it as a child process (optionally in a fresh network
 * namespace, optionally traced), and read the captured vectors.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tunnel } from '../../src/api/types.js';
import type { CliIo } from '../../src/cli/run.js';
import { decodeLinkMessage } from '../../src/codec/link.js';

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The bin under test: built from the bin entry of tsup.config.ts exactly as
 * `npm run build` builds dist/cli.cjs, but into a directory of its own
 * (inside node_modules, so `netlink` resolves the same way), because a full
 * `tsup` run elsewhere cleans dist/ and would pull the file away mid-test.
 */
export const BIN_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'eoip-cli-test');
/** The built bin. */
export const BIN = join(BIN_DIR, 'cli.cjs');
/** The captured vectors, kept in the repository. */
export const VECTORS_DIR = resolve(REPO_ROOT, 'test', 'fixtures', 'vectors');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

function isStale(): boolean {
  let built: number;
  try {
    built = statSync(BIN).mtimeMs;
  } catch {
    return true;
  }
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, 'src')),
    statSync(join(REPO_ROOT, 'package.json')).mtimeMs,
    statSync(join(REPO_ROOT, 'tsup.config.ts')).mtimeMs,
  );
  return built < sources;
}

/**
 * Build the bin with the bin entry of tsup.config.ts, and the entries that
 * ship beside it, into {@link BIN_DIR} when it is missing or older than src/. Test files run in parallel: a lock
 * directory makes one of them build.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(tmpdir(), `eoip-cli-build-${Buffer.from(REPO_ROOT).toString('hex').slice(-16)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!isStale()) return;
    try {
      mkdirSync(lock);
    } catch {
      // Someone else builds; a lock older than two minutes is stale.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error('timed out waiting for the cli build');
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      if (!isStale()) return;
      const { build } = await import('tsup');
      const configs = (await import('../../tsup.config.js')).default as unknown as Array<{
        entry?: unknown;
        clean?: boolean;
      }>;
      if (!configs.some((c) => JSON.stringify(c.entry).includes('src/cli/bin.ts'))) {
        throw new Error('tsup.config.ts has no src/cli/bin.ts entry');
      }
      // The bin and any files that ship beside it in dist/; the library build
      // (the one that cleans dist/) is left out.
      // Built into a fresh directory, then renamed into place (the bin last),
      // so a reader never sees a half-written file.
      const staging = `${BIN_DIR}.${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      const cwd = process.cwd();
      process.chdir(REPO_ROOT);
      try {
        for (const c of configs.filter((x) => x.clean !== true)) {
          // config: false, or tsup loads tsup.config.ts again and builds every
          // entry of it with these options merged in, all at once into the
          // same directory: concurrent writers of one file left the tail of
          // the longer version behind (a bin-banner build of one entry
          // raced the plain one, leaving a corrupt file).
          await build({ ...(c as object), config: false, outDir: staging, silent: true } as Parameters<
            typeof build
          >[0]);
        }
      } finally {
        process.chdir(cwd);
      }
      mkdirSync(BIN_DIR, { recursive: true });
      const files = readdirSync(staging).sort((a, b) => Number(a === 'cli.cjs') - Number(b === 'cli.cjs'));
      for (const f of files) renameSync(join(staging, f), join(BIN_DIR, f));
      rmSync(staging, { recursive: true, force: true });
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Whether this process may create network namespaces (root and `unshare -n` works). */
export const CAN_UNSHARE: boolean = (() => {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('unshare', ['-n', 'true']).status === 0;
})();

/** Why namespace tests are skipped, printed once per file. */
export const UNSHARE_SKIP_REASON =
  'skipped: needs root and `unshare -n` to run the bin in a fresh network namespace';

/** Whether strace is available to watch what the bin sends. */
export const HAS_STRACE: boolean = spawnSync('strace', ['-V']).status === 0;

/** The outcome of one run of the bin. */
export interface RunResult {
  /** Exit status. */
  code: number;
  stdout: string;
  stderr: string;
  /** `ip -j link` in the namespace after the run (with `netns`). */
  linksAfter?: Array<{ ifname: string; ifindex: number }>;
  /** Netlink messages the bin sent, as strace names their types (with `trace`). */
  sentTypes?: string[];
}

/** How to run the bin. */
export interface RunOptions {
  /** Run in a fresh network namespace (`unshare -n`) and list its links afterwards. */
  netns?: boolean;
  /** Trace sendmsg/sendto with strace and report the netlink message types sent. */
  trace?: boolean;
  /** Shell commands run in the namespace before the bin (with `netns`), e.g. `ip link add d0 type bridge`. */
  setup?: string;
  /** Standard input of the bin (default: none). */
  input?: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Run `node dist/cli.cjs ...args`. With `netns`, it runs in a fresh network
 * namespace (only `lo` exists there) and the links left afterwards are
 * reported; with `trace`, strace records what it sent.
 */
export function runCli(args: readonly string[], opts: RunOptions = {}): RunResult {
  const node = [process.execPath, BIN, ...args];
  if (opts.setup !== undefined && !opts.netns) throw new Error('setup needs netns');
  if (!opts.netns && !opts.trace) {
    const r = spawnSync(node[0]!, node.slice(1), {
      encoding: 'utf8',
      timeout: 30_000,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  const traceFile = join(tmpdir(), `eoip-cli-trace-${process.pid}-${Math.random().toString(16).slice(2)}`);
  const cmd = opts.trace
    ? ['strace', '-f', '-qq', '-e', 'trace=sendmsg,sendto', '-o', traceFile, ...node]
    : node;
  // The links are listed inside the same namespace, after the bin exited.
  const setup = opts.setup !== undefined ? `{ ${opts.setup}; } >/dev/null || exit 99; ` : '';
  const script = `${setup}${cmd.map(q).join(' ')}; rc=$?; echo "@@LINKS@@" >&2; ip -j link >&2; exit $rc`;
  const spawnOpts = {
    encoding: 'utf8' as const,
    timeout: 30_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  };
  const r = opts.netns
    ? spawnSync('unshare', ['-n', 'sh', '-c', script], spawnOpts)
    : spawnSync('sh', ['-c', script], spawnOpts);
  const [stderr, links] = r.stderr.split('@@LINKS@@\n');
  const out: RunResult = { code: r.status ?? -1, stdout: r.stdout, stderr: stderr ?? '' };
  if (opts.netns) out.linksAfter = JSON.parse(links ?? '[]');
  if (opts.trace) {
    let trace = '';
    try {
      trace = readFileSync(traceFile, 'utf8');
    } finally {
      rmSync(traceFile, { force: true });
    }
    out.sentTypes = [...trace.matchAll(/nlmsg_type=([A-Z_0-9]+|0x[0-9a-f]+)/g)].map((m) => m[1]!);
  }
  return out;
}

/** Netlink message types that change something. */
export const MUTATING_TYPES = ['RTM_NEWLINK', 'RTM_DELLINK', 'RTM_SETLINK'];

// --- vectors -----------------------------------------------------------------

/** One run of the reference tool (requests.json), the fields used here. */
export interface RequestCase {
  id: string;
  description: string;
  argv: string[];
  request_sent: boolean;
  exit_code: number;
}

/** One link of the captured dump (dumps.json), the fields used here. */
export interface DumpLink {
  name: string;
  ifindex: number;
  kind: string | null;
  rtm_newlink_hex: string;
  eoip_list_line: string | null;
  ip_d_j_link_show: {
    ifindex: number;
    ifname: string;
    flags: string[];
    mtu: number;
    address?: string;
    master?: string;
  };
}

/** requests.json cases. */
export function requestCases(): RequestCase[] {
  return (JSON.parse(readFileSync(join(VECTORS_DIR, 'requests.json'), 'utf8')) as { cases: RequestCase[] })
    .cases;
}

/** dumps.json links, in dump (kernel) order. */
export function dumpLinks(): DumpLink[] {
  return (JSON.parse(readFileSync(join(VECTORS_DIR, 'dumps.json'), 'utf8')) as { links: DumpLink[] }).links;
}

/** Bytes of a hex string. */
export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Offset of ifi_flags in an RTM_NEWLINK message (after nlmsghdr, family, pad, type, index). */
const IFI_FLAGS_OFFSET = 16 + 8;

/**
 * A tunnel of the captured dump, decoded from its recorded RTM_NEWLINK
 * bytes; with `flags`, its ifi_flags are first set (`set`) and cleared
 * (`clear`) in the bytes, as the kernel would report the tunnel after such a
 * change (e.g. IFF_RUNNING | IFF_LOWER_UP cleared: the carrier dropped).
 */
export function dumpTunnel(name: string, flags: { set?: number; clear?: number } = {}): Tunnel {
  const link = dumpLinks().find((l) => l.name === name);
  if (!link) throw new Error(`no ${name} in dumps.json`);
  const bytes = hexBytes(link.rtm_newlink_hex);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f = view.getUint32(IFI_FLAGS_OFFSET, true);
  view.setUint32(IFI_FLAGS_OFFSET, ((f | (flags.set ?? 0)) & ~(flags.clear ?? 0)) >>> 0, true);
  const tunnel = decodeLinkMessage(bytes).tunnel;
  if (!tunnel) throw new Error(`${name} did not decode as a tunnel`);
  return tunnel;
}

/** IFF_UP, IFF_RUNNING and IFF_LOWER_UP (linux/if.h). */
export const IFF = { UP: 0x1, RUNNING: 0x40, LOWER_UP: 0x10000 } as const;

/** A CliIo that keeps what a command writes, for assertions. */
export function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}
