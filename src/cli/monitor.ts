/**
 * `eoip monitor`: one line (or one JSON object) per tunnel event, until
 * SIGINT/SIGTERM. The formatting is pure; the watcher and the signals are
 * injectable so the command can be exercised without a kernel.
 */

import { paramSpec, TUNNEL_FIELDS } from '../api/fields.js';
import { formatTunnelLine } from '../api/format.js';
import type { Tunnel } from '../api/types.js';
import type { TunnelEvent, WatchOptions } from '../api/watch.js';
import { describeFailure, EXIT_OK } from './failure.js';
import type { MonitorCommand } from './grammar.js';
import { type TunnelJson, tunnelToJson } from './output.js';
import type { CliIo } from './run.js';

/** One field that changed between two states of a tunnel. */
export interface FieldChange {
  /** The field, as the summary names it (`running`, `mtu`, `tunnel-id`, …). */
  field: string;
  /** Before, as printed. */
  from: string;
  /** After, as printed. */
  to: string;
}

const none = (n: number | undefined) => (n === undefined || n === 0 ? 'none' : String(n));
const opt = (v: number | string | undefined) => (v === undefined ? 'unknown' : String(v));

/** A compared field: its name in the summary, its place, its value as printed. */
interface ComparedField {
  readonly field: string;
  readonly rank: number;
  readonly text: (t: Tunnel) => string;
}

/** The interface's compared fields, ranked among the tunnel parameters' `monitorRank`s. */
const LINK_FIELDS: readonly ComparedField[] = [
  { field: 'name', rank: 10, text: (t) => t.name },
  { field: 'running', rank: 20, text: (t) => String(t.running) },
  { field: 'up', rank: 30, text: (t) => String(t.up) },
  { field: 'mtu', rank: 40, text: (t) => opt(t.mtu) },
  { field: 'address', rank: 100, text: (t) => opt(t.address) },
  { field: 'master', rank: 110, text: (t) => none(t.master) },
];

/**
 * The compared fields, in the order the summary lists them: the interface's
 * and every tunnel parameter (its word, its text, its `monitorRank`), by rank.
 */
const FIELDS: readonly ComparedField[] = [
  ...LINK_FIELDS,
  ...TUNNEL_FIELDS.map((f): ComparedField => {
    const p = paramSpec(f);
    return { field: p.word, rank: p.monitorRank, text: (t) => p.text(t[f]) };
  }),
].sort((a, b) => a.rank - b.rank);

/**
 * What changed from `prev` to `cur`, field by field, in a fixed order: the
 * interface's fields and the tunnel parameters (named by their words), by
 * rank (each parameter's `monitorRank` in the parameter table): name,
 * running, up and mtu first, address and master last. When none of those
 * differ, the operational state (`operstate`), and failing that the
 * interface flags (`flags`, hex), so that every `changed` event says
 * something. Counters are never compared.
 */
export function describeChanges(prev: Tunnel, cur: Tunnel): FieldChange[] {
  const out: FieldChange[] = [];
  for (const { field, text } of FIELDS) {
    const from = text(prev);
    const to = text(cur);
    if (from !== to) out.push({ field, from, to });
  }
  if (out.length === 0 && prev.operState !== cur.operState) {
    out.push({ field: 'operstate', from: prev.operState, to: cur.operState });
  }
  if (out.length === 0 && prev.flags !== cur.flags) {
    out.push({ field: 'flags', from: `0x${prev.flags.toString(16)}`, to: `0x${cur.flags.toString(16)}` });
  }
  if (out.length === 0 && prev.carrier !== cur.carrier) {
    const text = (c: boolean | undefined) => (c === undefined ? 'unknown' : String(c));
    out.push({ field: 'carrier', from: text(prev.carrier), to: text(cur.carrier) });
  }
  return out;
}

/**
 * The text line of an event, without the newline:
 * `added <list line>`, `removed <list line>`,
 * `changed <list line> (was: running true -> false, mtu 1458 -> 1400)`,
 * `resync <n> tunnels`. `<list line>` is {@link formatTunnelLine}'s (the
 * reference `eoip list` line).
 */
export function formatEvent(ev: TunnelEvent): string {
  if (ev.type === 'resync') return `resync ${ev.tunnels.length} tunnels`;
  const line = `${ev.type} ${formatTunnelLine(ev.tunnel)}`;
  if (ev.type !== 'changed' || ev.previous === undefined) return line;
  const changes = describeChanges(ev.previous, ev.tunnel);
  if (changes.length === 0) return line;
  return `${line} (was: ${changes.map((c) => `${c.field} ${c.from} -> ${c.to}`).join(', ')})`;
}

/** An event as `eoip monitor -j` prints it (documented in docs/cli.md). */
export type MonitorEventJson =
  | {
      type: 'added' | 'changed' | 'removed';
      /** The tunnel now (for `removed`: as last seen), as `eoip list -j` prints one. */
      tunnel: TunnelJson;
      /** For `changed`: the tunnel before. */
      previous?: TunnelJson;
      /** When the event was received, ISO 8601 (UTC). */
      time: string;
    }
  | {
      type: 'resync';
      /** Every tunnel after the resync. */
      tunnels: TunnelJson[];
      /** When the event was received, ISO 8601 (UTC). */
      time: string;
    };

/** The JSON object of an event, received at `time`. */
export function eventToJson(ev: TunnelEvent, time: Date): MonitorEventJson {
  const iso = time.toISOString();
  if (ev.type === 'resync')
    return { type: 'resync', tunnels: ev.tunnels.map((t) => tunnelToJson(t)), time: iso };
  return {
    type: ev.type,
    tunnel: tunnelToJson(ev.tunnel),
    ...(ev.type === 'changed' && ev.previous !== undefined ? { previous: tunnelToJson(ev.previous) } : {}),
    time: iso,
  };
}

/** What `monitor` needs from the outside world (tests replace it). */
export interface MonitorDeps {
  /** The watcher (default: the library's `watchTunnels`, loaded on first use). */
  watch?: (opts: WatchOptions) => AsyncIterableIterator<TunnelEvent>;
  /**
   * Call `stop` when the command should end (default: on the first SIGINT or
   * SIGTERM; a second one has its default effect). Returns an unsubscribe.
   */
  onStop?: (stop: () => void) => () => void;
  /** The clock of the JSON `time` field. */
  now?: () => Date;
}

/** The default {@link MonitorDeps.onStop}: the first SIGINT/SIGTERM stops. */
function onSignals(stop: () => void): () => void {
  const handler = () => {
    off();
    stop();
  };
  const off = () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return off;
}

/**
 * Run `eoip monitor`: print each event as one whole line (one write per
 * event) until stopped, then close the watcher and return 0. A watcher that
 * fails (the namespace cannot be opened or entered, its socket failed) is
 * one line on stderr and exit 2.
 */
export async function runMonitor(cmd: MonitorCommand, io: CliIo, deps: MonitorDeps = {}): Promise<number> {
  const ac = new AbortController();
  const off = (deps.onStop ?? onSignals)(() => ac.abort());
  // Nobody reads the output any more (a closed pipe, a full disk): stop watching.
  const stopOnClosedOutput = () => ac.abort();
  if (io.closed?.aborted) ac.abort();
  io.closed?.addEventListener('abort', stopOnClosedOutput, { once: true });
  const now = deps.now ?? (() => new Date());
  const g = cmd.global;
  try {
    const watch = deps.watch ?? (await import('../api/watch.js')).watchTunnels;
    const events = watch({
      signal: ac.signal,
      ...(cmd.kind !== undefined ? { kind: cmd.kind } : {}),
      ...(g.netns !== undefined ? { netns: g.netns } : {}),
    });
    try {
      for await (const ev of events) {
        if (ac.signal.aborted) break;
        io.stdout(
          g.json
            ? `${JSON.stringify(eventToJson(ev, now()), null, g.pretty ? 2 : undefined)}\n`
            : `${formatEvent(ev)}\n`,
        );
      }
    } finally {
      await events.return?.();
    }
    return EXIT_OK;
  } catch (e) {
    const f = describeFailure(e, cmd.raw);
    io.stderr(`eoip: ${f.message}\n`);
    return f.exitCode;
  } finally {
    off();
    io.closed?.removeEventListener('abort', stopOnClosedOutput);
  }
}
