/**
 * Running a parsed command against the library: `add`, `set`, `list`, `del`.
 * The client is opened through an injectable function so the printing can be
 * exercised without a kernel.
 */
import type { ClientOptions, EoipClient, PlannedRequest } from '../api/client.js';
import type { Tunnel, TunnelKind } from '../api/types.js';
import { describeFailure, EXIT_OK } from './failure.js';
import type { AddCommand, DeleteCommand, GlobalOptions, ListCommand, SetCommand } from './grammar.js';
import { formatList, toJsonText, tunnelToJson } from './output.js';
import { precheckCommand } from './precheck.js';

/** The commands that talk to the kernel. */
export type KernelCommand = AddCommand | SetCommand | ListCommand | DeleteCommand;

/** Where output goes. */
export interface CliIo {
  /** Write to standard output. */
  stdout(text: string): void;
  /** Write to standard error. */
  stderr(text: string): void;
  /** Aborted once standard output can no longer be written (long-running commands then end). */
  readonly closed?: AbortSignal;
  /** Standard error is a terminal: a person reads it, hints are worth printing. */
  readonly stderrIsTTY?: boolean;
}

/** Tells which tunnel kinds the kernel lacks (by default the library's `tunnelKindRegistered`). */
export type ProbeKinds = (client: CliClient, kinds: readonly TunnelKind[]) => Promise<TunnelKind[]>;

/** The default {@link ProbeKinds}: a cut-short kind-filtered dump per kind. */
export const probeMissingKinds: ProbeKinds = async (client, kinds) => {
  const { tunnelKindRegistered } = await import('../api/kinds.js');
  const missing: TunnelKind[] = [];
  for (const kind of kinds) {
    if ((await tunnelKindRegistered(client as EoipClient, kind)) === 'missing') missing.push(kind);
  }
  return missing;
};

/**
 * The stderr line `eoip list` adds when it found no tunnel because the
 * kernel has no tunnel kind, or undefined: only for a person (stderr a
 * terminal), only for an empty list, only when a kind is missing. Standard
 * output stays what the reference tool prints (nothing).
 */
export function missingKindsNotice(
  stderrIsTTY: boolean,
  tunnelCount: number,
  missing: readonly TunnelKind[],
): string | undefined {
  if (!stderrIsTTY || tunnelCount > 0 || missing.length === 0) return undefined;
  const kinds = missing.join(' and ');
  const what = missing.length > 1 ? 'kinds' : 'kind';
  return `eoip: no tunnels: the kernel has no ${kinds} link ${what} (driver not loaded); run 'eoip doctor'\n`;
}

/** The part of {@link EoipClient} the commands use. */
export type CliClient = Pick<
  EoipClient,
  | 'planCreateTunnel'
  | 'createTunnel'
  | 'planChangeTunnel'
  | 'changeTunnel'
  | 'listTunnels'
  | 'getLink'
  | 'planDeleteTunnel'
  | 'deleteTunnel'
  | 'deleteTunnels'
  | 'close'
>;

/** Opens a client (by default `EoipClient.open`). */
export type OpenClient = (opts: ClientOptions) => Promise<CliClient>;

/** The default {@link OpenClient}: the library's client, loaded on first use. */
export const openClient: OpenClient = async (opts) => {
  const { EoipClient } = await import('../api/client.js');
  return EoipClient.open(opts);
};

/** Names of the masters of these tunnels, by ifindex (those that can be read). */
async function masterNames(client: CliClient, tunnels: readonly Tunnel[]): Promise<Map<number, string>> {
  const wanted = [
    ...new Set(tunnels.map((t) => t.master).filter((m): m is number => m !== undefined && m !== 0)),
  ];
  const names = new Map<number, string>();
  await Promise.all(
    wanted.map(async (index) => {
      const link = await client.getLink(index).catch(() => undefined);
      if (link?.name !== undefined) names.set(index, link.name);
    }),
  );
  return names;
}

async function printTunnels(
  client: CliClient,
  io: CliIo,
  g: GlobalOptions,
  tunnels: readonly Tunnel[],
): Promise<void> {
  const names = await masterNames(client, tunnels);
  const json = tunnels.map((t) => tunnelToJson(t, t.master !== undefined ? names.get(t.master) : undefined));
  io.stdout(toJsonText(json, g.pretty));
}

/** What `--dry-run` prints for a planned request; its decoder is loaded only for a dry run. */
async function dryRunText(plan: PlannedRequest, pretty: boolean): Promise<string> {
  const { dryRunJson } = await import('./dry-run.js');
  return toJsonText(dryRunJson(plan), pretty);
}

async function runAdd(client: CliClient, io: CliIo, cmd: AddCommand): Promise<void> {
  if (cmd.global.dryRun) {
    io.stdout(await dryRunText(await client.planCreateTunnel(cmd.spec), cmd.global.pretty));
    return;
  }
  const t = await client.createTunnel(cmd.spec);
  if (cmd.global.json) await printTunnels(client, io, cmd.global, [t]);
}

async function runSet(client: CliClient, io: CliIo, cmd: SetCommand): Promise<void> {
  if (cmd.global.dryRun) {
    io.stdout(await dryRunText(await client.planChangeTunnel(cmd.target, cmd.patch), cmd.global.pretty));
    return;
  }
  const t = await client.changeTunnel(cmd.target, cmd.patch);
  if (cmd.global.json) await printTunnels(client, io, cmd.global, [t]);
}

async function runList(client: CliClient, io: CliIo, cmd: ListCommand, probe: ProbeKinds): Promise<void> {
  const g = cmd.global;
  const tunnels = await client.listTunnels({
    ...(cmd.kind !== undefined ? { kind: cmd.kind } : {}),
    ...(cmd.name !== undefined ? { name: cmd.name } : {}),
    // Counters cost time on big hosts: read them only when they are printed.
    stats: g.json || cmd.detail,
  });
  if (g.json) {
    await printTunnels(client, io, g, tunnels);
  } else {
    const names = cmd.detail ? await masterNames(client, tunnels) : undefined;
    const text = formatList(tunnels, cmd.detail, names);
    if (text !== '') io.stdout(text);
  }
  // Why the list is empty, for a person: asked only then (one cut-short dump per kind).
  if (io.stderrIsTTY === true && tunnels.length === 0 && cmd.name === undefined) {
    const missing = await probe(client, cmd.kind !== undefined ? [cmd.kind] : ['eoip', 'eoipv6']).catch(
      () => [],
    );
    const notice = missingKindsNotice(true, 0, missing);
    if (notice !== undefined) io.stderr(notice);
  }
}

/** Returns the exit status: several names each report their own failure. */
async function runDelete(client: CliClient, io: CliIo, cmd: DeleteCommand): Promise<number> {
  if (cmd.global.dryRun) {
    io.stdout(await dryRunText(await client.planDeleteTunnel(cmd.target), cmd.global.pretty));
    return EXIT_OK;
  }
  if (cmd.targets.length === 1) {
    await client.deleteTunnel(cmd.target);
    return EXIT_OK;
  }
  // Several: removed together; each failure is a line of its own, the others still go.
  const results = await client.deleteTunnels(cmd.targets);
  let worst = EXIT_OK;
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return;
    const f = describeFailure(r.reason, { name: cmd.targets[i]! });
    io.stderr(`eoip: ${f.message}\n`);
    worst = Math.max(worst, f.exitCode);
  });
  return worst;
}

/**
 * Run a command that talks to the kernel and return the exit status. Any
 * failure is printed as one line on stderr (`eoip: …`).
 *
 * @param open how to get a client (tests pass a fake)
 */
export async function execute(
  cmd: KernelCommand,
  io: CliIo,
  open: OpenClient = openClient,
  probe: ProbeKinds = probeMissingKinds,
): Promise<number> {
  let client: CliClient | undefined;
  try {
    // Values first: nothing is looked up for a command that would be refused anyway.
    precheckCommand(cmd);
    client = await open(cmd.global.netns !== undefined ? { netns: cmd.global.netns } : {});
    switch (cmd.command) {
      case 'add':
        await runAdd(client, io, cmd);
        break;
      case 'set':
        await runSet(client, io, cmd);
        break;
      case 'list':
        await runList(client, io, cmd, probe);
        break;
      case 'delete':
        return await runDelete(client, io, cmd);
    }
    return EXIT_OK;
  } catch (e) {
    const f = describeFailure(e, cmd.raw);
    io.stderr(`eoip: ${f.message}\n`);
    return f.exitCode;
  } finally {
    client?.close();
  }
}
