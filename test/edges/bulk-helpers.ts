/**
 * Helpers of the bulk-delete crash and race tests: ~300 links of the kinds
 * this kernel has (bridge, veth, ifb, vxlan) with varied groups and aliases,
 * an exact picture of each, and child processes running deleteLinks.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { toHex } from '../../src/codec/bytes.js';
import { buildSetGroupRequest } from '../../src/codec/link-requests.js';
import { isBorrowedGroup, parseRecord, summarizeLinks } from '../../src/transport/bulk-recovery.js';
import type { NetlinkTransport } from '../../src/transport/socket.js';
import { uniqueName } from '../kernel/helpers.js';
import type { ChildConfig, ChildEvent } from './bulk-child.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./bulk-child.ts', import.meta.url));

/** Original groups, in turn: 0, small, the largest `ip` takes, one inside the borrowed range, above 2^31. */
const GROUPS = [0, 7, 0, 2147483647, 0, 0xee000005, 3000000000, 42];
/** Aliases, in turn (every third link has one): text, UTF-8, bytes that are not UTF-8, long. */
const ALIASES: Buffer[] = [
  Buffer.from('uplink to site A'),
  Buffer.from('héllo wörld ✓'),
  Buffer.from([0xff, 0x41, 0xfe]),
  Buffer.from('x'.repeat(180)),
];
/** Too long to keep beside the record: such a link is deleted on its own. */
export const TOO_LONG_ALIAS = Buffer.from('y'.repeat(240));

let vni = 100;

/** A made set of links, and which ones carry an alias too long for the record. */
export interface LinkSet {
  names: string[];
  tooLong: string[];
}

/**
 * Make 300 links (120 bridges, 60 veth pairs with both ends listed, 30 ifb,
 * 30 vxlan) with the groups and aliases above.
 */
export async function makeLinks(sock: NetlinkTransport, tag: string): Promise<LinkSet> {
  const cmds: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < 120; i++) {
    const n = uniqueName(`${tag}b`);
    names.push(n);
    cmds.push(`link add ${n} type bridge`);
  }
  for (let i = 0; i < 60; i++) {
    const a = uniqueName(`${tag}v`);
    const b = uniqueName(`${tag}w`);
    names.push(a, b);
    cmds.push(`link add ${a} type veth peer name ${b}`);
  }
  for (let i = 0; i < 30; i++) {
    const f = uniqueName(`${tag}i`);
    const x = uniqueName(`${tag}x`);
    names.push(f, x);
    cmds.push(`link add ${f} type ifb`, `link add ${x} type vxlan id ${vni++} dstport 4789`);
  }
  const lines: Buffer[] = cmds.map((c) => Buffer.from(`${c}\n`));
  const tooLong: string[] = [];
  names.forEach((n, i) => {
    const g = GROUPS[i % GROUPS.length]!;
    if (g !== 0 && g <= 2147483647) lines.push(Buffer.from(`link set ${n} group ${g}\n`));
    if (i % 3 === 0) {
      // Two bridges carry an alias too long for the record.
      const alias = i === 3 || i === 6 ? TOO_LONG_ALIAS : ALIASES[(i / 3) % ALIASES.length]!;
      if (alias === TOO_LONG_ALIAS) tooLong.push(n);
      lines.push(Buffer.concat([Buffer.from(`link set ${n} alias "`), alias, Buffer.from('"\n')]));
    }
  });
  execFileSync('ip', ['-batch', '-'], { input: Buffer.concat(lines) });
  // `ip` takes groups up to 2^31 - 1 only.
  const byName = new Map(
    (await summarizeLinks(sock, 5, {}, undefined, false, 'list')).map((l) => [l.name, l]),
  );
  await Promise.all(
    names.map((n, i) => {
      const g = GROUPS[i % GROUPS.length]!;
      if (g <= 2147483647) return undefined;
      return sock.ack((seq) => buildSetGroupRequest(seq, byName.get(n)!.index, g));
    }),
  );
  return { names, tooLong };
}

/** Bridges with a group and an alias, that no test deletes in bulk: they must never change. */
export function makeBridges(tag: string, n: number): string[] {
  const names = Array.from({ length: n }, () => uniqueName(`${tag}s`));
  const input = names
    .map((x) => `link add ${x} group 9 type bridge\nlink set ${x} alias "keep me"\n`)
    .join('');
  execFileSync('ip', ['-batch', '-'], { input });
  return names;
}

/** Everything about a link that a bulk delete could change: `ip -d` details, group and exact alias bytes. */
export type Picture = Record<string, unknown>;

/** Drop what changes by itself (bridge timers). */
function stable(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.endsWith('_timer')) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? stable(v as Record<string, unknown>) : v;
  }
  return out;
}

/** The picture of each named link that exists. */
export async function pictures(sock: NetlinkTransport, names: string[]): Promise<Map<string, Picture>> {
  const ipView = new Map(
    (
      JSON.parse(
        execFileSync('ip', ['-j', '-d', 'link', 'show'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
      ) as Picture[]
    ).map((l) => [l['ifname'] as string, l]),
  );
  const own = new Map((await summarizeLinks(sock, 5, {}, undefined, false, 'list')).map((l) => [l.name, l]));
  const out = new Map<string, Picture>();
  for (const n of names) {
    const l = own.get(n);
    const seen = ipView.get(n);
    if (!l || !seen) continue;
    out.set(n, {
      ...stable(seen),
      exactGroup: l.group,
      exactAlias: l.alias ? toHex(l.alias) : null,
    });
  }
  return out;
}

/** Names (of `names`) in a borrowed group with a record written by process `pid`. */
export async function strandedBy(sock: NetlinkTransport, pid: number, names: string[]): Promise<string[]> {
  const wanted = new Set(names);
  return (await summarizeLinks(sock, 5, {}, undefined, false, 'list'))
    .filter((l) => wanted.has(l.name) && isBorrowedGroup(l.group) && parseRecord(l.alias)?.owner.pid === pid)
    .map((l) => l.name);
}

/** The names of `names` that `ip -j link` shows. */
export function present(names: string[]): string[] {
  const have = new Set(
    (
      JSON.parse(
        execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
      ) as Array<{
        ifname: string;
      }>
    ).map((l) => l.ifname),
  );
  return names.filter((n) => have.has(n));
}

/** A running child: its events in order, a way to resume it, and how it ended. */
export interface Child {
  proc: ChildProcess;
  /** The next event of this name (events before it are skipped). */
  next<E extends ChildEvent['event']>(event: E): Promise<Extract<ChildEvent, { event: E }>>;
  /** Let a paused child go on. */
  go(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start a child running deleteLinks on `cfg.names`. */
export function startChild(cfg: ChildConfig): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: REPO,
    env: { ...process.env, EOIP_BULK_CHILD: JSON.stringify(cfg) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // A child killed while the test writes to it must not fail the test.
  proc.stdin!.on('error', () => undefined);
  const queue: ChildEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const rl = createInterface({ input: proc.stdout! });
  rl.on('line', (line) => {
    queue.push(JSON.parse(line) as ChildEvent);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });
  async function next<E extends ChildEvent['event']>(event: E): Promise<Extract<ChildEvent, { event: E }>> {
    for (;;) {
      const e = queue.shift();
      if (e?.event === event) return e as Extract<ChildEvent, { event: E }>;
      if (e) continue;
      if (ended) throw new Error(`the child ended before '${event}'`);
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  }
  return {
    proc,
    next,
    go: () => void proc.stdin!.write('go\n'),
    exited,
  };
}
