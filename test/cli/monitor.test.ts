/**
 * `eoip monitor`: the event lines and JSON objects, built from tunnels of the
 * captured dump (decoded from their recorded bytes, with flags changed to
 * flip `running`); the command against a fake watcher (options, whole-line
 * writes, stop, failure); and the built bin in a fresh network namespace,
 * where no eoip module exists: it starts, prints nothing for links of other
 * kinds, resyncs after its socket overflowed, and ends cleanly with exit 0 on
 * SIGINT/SIGTERM, having started no process (events are read in the bin,
 * from a socket opened inside the namespace with -n), and a namespace it may
 * not enter is one line and exit 2.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocketError } from '../../src/api/errors.js';
import type { Tunnel } from '../../src/api/types.js';
import type { TunnelEvent, WatchOptions } from '../../src/api/watch.js';
import { parseArgs } from '../../src/cli/grammar.js';
import { describeChanges, eventToJson, formatEvent, runMonitor } from '../../src/cli/monitor.js';
import { tunnelToJson } from '../../src/cli/output.js';
import type { CliIo } from '../../src/cli/run.js';
import {
  BIN,
  CAN_UNSHARE,
  dumpLinks,
  dumpTunnel,
  ensureBuilt,
  IFF,
  runCli,
  UNSHARE_SKIP_REASON,
} from './helpers.js';

const LINE = Object.fromEntries(
  dumpLinks()
    .filter((l) => l.eoip_list_line !== null)
    .map((l) => [l.name, l.eoip_list_line!]),
);

const CARRIER = IFF.RUNNING | IFF.LOWER_UP;

describe('event lines', () => {
  const names = Object.keys(LINE);

  it('the fixtures: every tunnel of the dump, running ones among them', () => {
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(dumpTunnel('e_up').running).toBe(true);
    expect(dumpTunnel('e_up', { clear: CARRIER }).running).toBe(false);
    expect(dumpTunnel('e_ka1_1', { set: CARRIER }).running).toBe(true);
  });

  it.each(names)('added / removed %s: the type, then the reference list line', (name) => {
    const t = dumpTunnel(name);
    expect(formatEvent({ type: 'added', tunnel: t })).toBe(`added ${LINE[name]}`);
    expect(formatEvent({ type: 'removed', tunnel: t })).toBe(`removed ${LINE[name]}`);
  });

  it('keepalive liveness: the carrier drops, then returns', () => {
    const up = dumpTunnel('e_up');
    const silent = dumpTunnel('e_up', { clear: CARRIER });
    expect(formatEvent({ type: 'changed', tunnel: silent, previous: up })).toBe(
      'changed 17: e_up@0: link/eoip 10.0.0.1 remote 10.0.0.6 tunnel-id 21 ttl 0 tos 0 keepalive none (was: running true -> false)',
    );
    const lost = dumpTunnel('e_ka1_1');
    const back = dumpTunnel('e_ka1_1', { set: CARRIER });
    expect(formatEvent({ type: 'changed', tunnel: back, previous: lost })).toBe(
      `changed ${LINE['e_ka1_1']} (was: running false -> true)`,
    );
  });

  it('a change of several fields names each, in a fixed order, with the new state on the line', () => {
    const before = dumpTunnel('e_ka10');
    const after: Tunnel = {
      ...dumpTunnel('e_ka10', { set: IFF.UP | CARRIER }),
      mtu: 1400,
      ttl: 64,
      keepalive: { interval: 5, retries: 3 },
      master: 4,
    };
    expect(formatEvent({ type: 'changed', tunnel: after, previous: before })).toBe(
      'changed 12: e_ka10@0: link/eoip 10.0.0.1 remote 10.0.0.5 tunnel-id 10 ttl 64 tos 0 keepalive 5,3' +
        ' (was: running false -> true, up false -> true, mtu 1458 -> 1400, keepalive 10,10 -> 5,3, ttl 0 -> 64, master none -> 4)',
    );
  });

  it('rename, addresses, link, tunnel id, MAC', () => {
    const before = dumpTunnel('e_basic');
    const after: Tunnel = {
      ...before,
      name: 'e_renamed',
      tunnelId: 8,
      local: '10.0.0.9',
      remote: '10.0.0.10',
      link: 2,
      tos: 16,
      address: '02:00:5e:00:00:01',
    };
    expect(describeChanges(before, after)).toEqual([
      { field: 'name', from: 'e_basic', to: 'e_renamed' },
      { field: 'tunnel-id', from: '7', to: '8' },
      { field: 'local', from: '10.0.0.1', to: '10.0.0.9' },
      { field: 'remote', from: '10.0.0.2', to: '10.0.0.10' },
      { field: 'link', from: 'none', to: '2' },
      { field: 'tos', from: '0', to: '16' },
      { field: 'address', from: before.address, to: '02:00:5e:00:00:01' },
    ]);
  });

  it('keepalive unknown (an old driver) and off', () => {
    const before: Tunnel = { ...dumpTunnel('e_basic'), keepalive: null };
    const after = dumpTunnel('e_basic');
    expect(formatEvent({ type: 'changed', tunnel: after, previous: before })).toBe(
      `changed ${LINE['e_basic']} (was: keepalive unknown -> none)`,
    );
  });

  it('nothing of the above changed: the operational state, else the flags', () => {
    const t = dumpTunnel('v6_mtu');
    const dormant: Tunnel = { ...t, operState: 'dormant' };
    expect(formatEvent({ type: 'changed', tunnel: dormant, previous: t })).toBe(
      `changed ${LINE['v6_mtu']} (was: operstate ${t.operState} -> dormant)`,
    );
    const promisc = dumpTunnel('v6_mtu', { set: 0x100 });
    expect(describeChanges(t, promisc)).toEqual([
      { field: 'flags', from: `0x${t.flags.toString(16)}`, to: `0x${(t.flags | 0x100).toString(16)}` },
    ]);
    // Nothing at all (the watcher does not emit this): the bare line.
    expect(formatEvent({ type: 'changed', tunnel: t, previous: t })).toBe(`changed ${LINE['v6_mtu']}`);
  });

  it('resync: the count', () => {
    const all = Object.keys(LINE).map((n) => dumpTunnel(n));
    expect(formatEvent({ type: 'resync', tunnels: all })).toBe(`resync ${all.length} tunnels`);
    expect(formatEvent({ type: 'resync', tunnels: [] })).toBe('resync 0 tunnels');
  });
});

describe('event JSON', () => {
  const time = new Date('2024-05-01T12:00:00.000Z');

  it('added / removed: type, tunnel as in list -j, time', () => {
    const t = dumpTunnel('v6_tid1234');
    const j = eventToJson({ type: 'added', tunnel: t }, time);
    expect(Object.keys(j)).toEqual(['type', 'tunnel', 'time']);
    expect(j).toEqual({ type: 'added', tunnel: tunnelToJson(t), time: '2024-05-01T12:00:00.000Z' });
    expect(eventToJson({ type: 'removed', tunnel: t }, time)).toMatchObject({ type: 'removed' });
  });

  it('changed: previous too', () => {
    const up = dumpTunnel('e_up');
    const silent = dumpTunnel('e_up', { clear: CARRIER });
    const j = eventToJson({ type: 'changed', tunnel: silent, previous: up }, time);
    expect(Object.keys(j)).toEqual(['type', 'tunnel', 'previous', 'time']);
    expect(j).toMatchObject({
      type: 'changed',
      tunnel: { name: 'e_up', running: false },
      previous: { name: 'e_up', running: true },
    });
  });

  it('resync: every tunnel', () => {
    const j = eventToJson({ type: 'resync', tunnels: [dumpTunnel('e_basic')] }, time);
    expect(Object.keys(j)).toEqual(['type', 'tunnels', 'time']);
    expect(j).toEqual({
      type: 'resync',
      tunnels: [tunnelToJson(dumpTunnel('e_basic'))],
      time: time.toISOString(),
    });
  });
});

// --- the command against a fake watcher -----------------------------------------

function capture(): CliIo & { out: string[]; err: string } {
  const io = {
    out: [] as string[],
    err: '',
    stdout(t: string) {
      io.out.push(t);
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}

/** A watcher that yields `events`, then waits for the signal (or fails with `fail`). */
function fakeWatch(events: TunnelEvent[], fail?: unknown) {
  const seen: { opts?: WatchOptions; returned: number } = { returned: 0 };
  const watch = (opts: WatchOptions): AsyncIterableIterator<TunnelEvent> => {
    seen.opts = opts;
    const queue = [...events];
    const it: AsyncIterableIterator<TunnelEvent> = {
      async next() {
        const ev = queue.shift();
        if (ev) return { value: ev, done: false };
        if (fail !== undefined) throw fail;
        if (!opts.signal?.aborted) {
          await new Promise((r) => opts.signal?.addEventListener('abort', r, { once: true }));
        }
        return { value: undefined, done: true };
      },
      async return() {
        seen.returned++;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  };
  return { watch, seen };
}

/** Stops when the returned `stop` is called; records the unsubscribe. */
function manualStop() {
  const s = { stop: () => {}, subscribed: 0, unsubscribed: 0 };
  const onStop = (stop: () => void) => {
    s.subscribed++;
    s.stop = stop;
    return () => {
      s.unsubscribed++;
    };
  };
  return { s, onStop };
}

describe('runMonitor', () => {
  const up = dumpTunnel('e_up');
  const silent = dumpTunnel('e_up', { clear: CARRIER });
  const events: TunnelEvent[] = [
    { type: 'added', tunnel: up },
    { type: 'changed', tunnel: silent, previous: up },
    { type: 'removed', tunnel: silent },
    { type: 'resync', tunnels: [] },
  ];

  it('one whole line per write, until stopped; then the watcher is closed and the exit is 0', async () => {
    const { watch, seen } = fakeWatch(events);
    const { s, onStop } = manualStop();
    const io = capture();
    const done = runMonitor(parseArgs(['monitor']) as never, io, { watch, onStop });
    await new Promise((r) => setTimeout(r, 20));
    expect(io.out).toEqual(events.map((e) => `${formatEvent(e)}\n`));
    s.stop();
    expect(await done).toBe(0);
    expect(io.err).toBe('');
    expect(seen.returned).toBe(1);
    expect(s).toMatchObject({ subscribed: 1, unsubscribed: 1 });
    expect(seen.opts?.signal?.aborted).toBe(true);
  });

  it('kind and namespace go to the watcher', async () => {
    const { watch, seen } = fakeWatch([]);
    const { s, onStop } = manualStop();
    const done = runMonitor(parseArgs(['-n', 'blue', 'mo', 'kind', 'eoipv6']) as never, capture(), {
      watch,
      onStop,
    });
    s.stop();
    expect(await done).toBe(0);
    expect(seen.opts).toMatchObject({ kind: 'eoipv6', netns: 'blue' });
    expect(Object.keys(seen.opts ?? {}).sort()).toEqual(['kind', 'netns', 'signal']);
  });

  it('-j: one compact JSON object per line, with the time of receipt; -p indents', async () => {
    const { watch } = fakeWatch(events);
    const { s, onStop } = manualStop();
    const io = capture();
    const now = () => new Date('2024-05-01T12:00:00.000Z');
    const done = runMonitor(parseArgs(['monitor', '-j']) as never, io, { watch, onStop, now });
    await new Promise((r) => setTimeout(r, 20));
    s.stop();
    expect(await done).toBe(0);
    expect(io.out).toHaveLength(4);
    for (const [i, w] of io.out.entries()) {
      expect(w.endsWith('\n')).toBe(true);
      expect(w.slice(0, -1)).not.toContain('\n');
      expect(JSON.parse(w)).toEqual(eventToJson(events[i]!, now()));
    }
    const pretty = capture();
    const p = fakeWatch(events.slice(0, 1));
    const m = manualStop();
    const donePretty = runMonitor(parseArgs(['monitor', '-p']) as never, pretty, {
      ...p,
      onStop: m.onStop,
      now,
    });
    await new Promise((r) => setTimeout(r, 20));
    m.s.stop();
    expect(await donePretty).toBe(0);
    expect(pretty.out[0]).toBe(`${JSON.stringify(eventToJson(events[0]!, now()), null, 2)}\n`);
  });

  it('a watcher that fails: the events so far, then one line on stderr and exit 2', async () => {
    const { watch, seen } = fakeWatch(
      events.slice(0, 1),
      new SocketError('cannot open network namespace /run/netns/x: ENOENT'),
    );
    const { s, onStop } = manualStop();
    const io = capture();
    expect(await runMonitor(parseArgs(['monitor']) as never, io, { watch, onStop })).toBe(2);
    expect(io.out).toEqual([`${formatEvent(events[0]!)}\n`]);
    expect(io.err).toBe('eoip: cannot open network namespace /run/netns/x: ENOENT\n');
    expect(seen.returned).toBe(1);
    expect(s.unsubscribed).toBe(1);
  });
});

// --- the bin in a namespace -------------------------------------------------------

if (!CAN_UNSHARE) console.log(`test/cli/monitor.test.ts: namespace tests ${UNSHARE_SKIP_REASON}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!CAN_UNSHARE)('eoip monitor in a fresh network namespace (no eoip module here)', () => {
  let holder: ChildProcess | undefined;
  let ns = '';

  beforeAll(async () => {
    await ensureBuilt();
    // A process in a namespace of its own holds the namespace; everything below
    // acts there, never in the host's namespace.
    holder = spawn('unshare', ['-n', 'sleep', '120'], { stdio: 'ignore' });
    const own = readlinkSync('/proc/self/ns/net');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        if (readlinkSync(`/proc/${holder.pid}/ns/net`) !== own) break;
      } catch {}
      await sleep(20);
    }
    if (readlinkSync(`/proc/${holder.pid}/ns/net`) === own) throw new Error('the holder did not unshare');
    ns = `/proc/${holder.pid}/ns/net`;
  }, 180_000);

  afterAll(() => {
    holder?.kill();
  });

  /** Run `ip` commands in the namespace. */
  function inNs(script: string): void {
    const r = spawnSync('nsenter', [`--net=${ns}`, 'sh', '-ec', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`in namespace: ${script}: ${r.stderr}`);
  }

  /** The children of a process (a watcher must have none). */
  function children(pid: number): number[] {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  interface Monitored {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    /** Milliseconds from the signal to the exit. */
    ms: number;
    /** Every child process of the bin seen while it ran. */
    children: number[];
  }

  /** Sockets of the namespace joined to link events (RTNLGRP_LINK), from the holder's view of /proc/net/netlink. */
  function linkSubscribers(): number {
    const rows = readFileSync(`/proc/${holder!.pid}/net/netlink`, 'utf8').split('\n').slice(1);
    return rows.filter((row) => {
      const f = row.trim().split(/\s+/);
      return f[1] === '0' && (Number.parseInt(f[3] ?? '0', 16) & 1) === 1;
    }).length;
  }

  let bursts = 0;
  /**
   * 3,000 veth pairs made while the bin is stopped: more notifications than
   * its receive buffer holds, so the kernel drops some and says so (ENOBUFS).
   * They go together afterwards (one group).
   */
  function burst(pid: number): void {
    const group = 700 + ++bursts;
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `link add q${bursts}a${i} group ${group} type veth peer name q${bursts}b${i}`,
    );
    process.kill(pid, 'SIGSTOP');
    try {
      const r = spawnSync('nsenter', [`--net=${ns}`, 'ip', '-batch', '-'], {
        input: `${lines.join('\n')}\n`,
      });
      if (r.status !== 0) throw new Error(`burst: ${r.stderr}`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }

  /**
   * Start the bin (inside the namespace with nsenter, or from here with -n),
   * wait until it is subscribed, make `changes`, then send `sig`.
   */
  async function monitor(
    args: string[],
    opts: {
      inside: boolean;
      changes: string;
      /** The signal that ends it; without one, it must end by itself. */
      sig?: NodeJS.Signals;
      /** Overflow its socket after the changes (see burst): the watcher resyncs. */
      overflow?: boolean;
      /** Close the read end of its stdout first (the reader of the pipe went away). */
      closeStdout?: boolean;
    },
  ): Promise<Monitored> {
    const cmd = opts.inside
      ? ['nsenter', `--net=${ns}`, process.execPath, BIN, ...args]
      : [process.execPath, BIN, '-n', ns, ...args];
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('exit', (code, signal) => res({ code, signal })),
    );
    // nsenter execs node: the pid is the bin's. Its children are looked at all along.
    const seen = new Set<number>();
    const look = () => {
      for (const p of children(child.pid!)) seen.add(p);
    };
    const subscribers = linkSubscribers();
    const deadline = Date.now() + 10_000;
    while (linkSubscribers() === subscribers && Date.now() < deadline) {
      look();
      await sleep(50);
    }
    expect(linkSubscribers()).toBe(subscribers + 1);
    // A moment for its first read of the state.
    await sleep(500);
    inNs(opts.changes);
    look();
    await sleep(300);
    if (opts.closeStdout) child.stdout!.destroy();
    if (opts.overflow) {
      burst(child.pid!);
      for (let i = 0; i < 20; i++) {
        look();
        await sleep(100);
      }
    }
    const t0 = Date.now();
    if (opts.sig) child.kill(opts.sig);
    const { code, signal } = await Promise.race([
      exited,
      sleep(5000).then(() => {
        child.kill('SIGKILL');
        return exited;
      }),
    ]);
    const ms = Date.now() - t0;
    return { code, signal, stdout, stderr, ms, children: [...seen] };
  }

  const CHANGES = [
    'ip link add mbr0 type bridge',
    'ip link set mbr0 up',
    'ip link add mv0 type veth peer name mv1',
    'ip link set mv0 master mbr0',
    'ip link set mv0 up',
    'ip link set mv1 mtu 1400',
    'ip link add mbr1 type bridge',
    'ip link set mbr1 address 02:00:00:00:00:01',
    'ip link del mv0',
    'ip link del mbr1',
    'ip link del mbr0',
  ].join('; ');

  it('inside the namespace: nothing printed for bridge and veth changes; SIGINT ends it with 0 within 2 s', async () => {
    const r = await monitor(['monitor'], { inside: true, changes: CHANGES, sig: 'SIGINT' });
    expect(r).toMatchObject({ code: 0, signal: null, stdout: '', stderr: '', children: [] });
    expect(r.ms).toBeLessThan(2000);
  }, 30_000);

  it('-j and SIGTERM: the same', async () => {
    const r = await monitor(['monitor', '-j'], { inside: true, changes: CHANGES, sig: 'SIGTERM' });
    expect(r).toMatchObject({ code: 0, signal: null, stdout: '', stderr: '', children: [] });
    expect(r.ms).toBeLessThan(2000);
  }, 30_000);

  it('from outside with -n, kind eoipv6: the same', async () => {
    const r = await monitor(['mo', 'kind', 'eoipv6'], { inside: false, changes: CHANGES, sig: 'SIGINT' });
    expect(r).toMatchObject({ code: 0, signal: null, stdout: '', stderr: '', children: [] });
    expect(r.ms).toBeLessThan(2000);
  }, 30_000);

  it('events lost (its socket overflowed): one resync line, written whole; then SIGINT, exit 0', async () => {
    const r = await monitor(['monitor'], { inside: true, changes: CHANGES, overflow: true, sig: 'SIGINT' });
    expect(r).toMatchObject({
      code: 0,
      signal: null,
      stdout: 'resync 0 tunnels\n',
      stderr: '',
      children: [],
    });
    // From outside with -n this time: the socket is opened inside the namespace, in the bin.
    const j = await monitor(['monitor', '-j'], {
      inside: false,
      changes: CHANGES,
      overflow: true,
      sig: 'SIGTERM',
    });
    expect(j).toMatchObject({ code: 0, signal: null, stderr: '', children: [] });
    const line = JSON.parse(j.stdout);
    expect(j.stdout).toBe(`${JSON.stringify(line)}\n`);
    expect(Object.keys(line)).toEqual(['type', 'tunnels', 'time']);
    expect(line).toMatchObject({ type: 'resync', tunnels: [] });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  }, 30_000);

  it('the reader of its output went away (EPIPE): it ends by itself, quietly, with 0', async () => {
    const r = await monitor(['monitor'], {
      inside: true,
      changes: CHANGES,
      overflow: true,
      closeStdout: true,
    });
    expect(r).toMatchObject({ code: 0, signal: null, stderr: '', children: [] });
  }, 30_000);

  it('a namespace that cannot be opened: exit 2 at once', () => {
    const r = runCli(['-n', 'no-such-ns-here', 'monitor'], { netns: true });
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe('eoip: cannot open network namespace /run/netns/no-such-ns-here: ENOENT\n');
  });

  it('bad usage: exit 1 before watching', () => {
    const r = runCli(['monitor', 'kind', 'gre']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'eoip: invalid kind: "gre" (allowed: eoip or eoipv6)\n',
    });
  });
});

describe('eoip help monitor', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('help monitor, monitor --help, mo -h', () => {
    const h = runCli(['help', 'monitor']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: eoip monitor \[kind eoip\|eoipv6\]\n/);
    expect(runCli(['monitor', '--help']).stdout).toBe(h.stdout);
    expect(runCli(['mo', '-h']).stdout).toBe(h.stdout);
    expect(runCli(['help', 'm']).stdout).toBe(h.stdout);
  });
});
